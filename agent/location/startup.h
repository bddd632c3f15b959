// Starting the agent's location responder from its configuration (AgentConfig.location_listen).
// One key per agent process, its epoch the start time in Unix seconds (unique across restarts);
// the key is not rotated while the process runs (README "Location": rotation is future work).
#ifndef VEU_AGENT_LOCATION_STARTUP_H_
#define VEU_AGENT_LOCATION_STARTUP_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/location/epoch_key.h"
#include "agent/location/responder.h"

namespace veu::agent {

struct LocationResponderHandle {
  std::unique_ptr<EpochKeyring> keys;             // null when not configured
  std::unique_ptr<ChallengeResponder> responder;  // null when not configured
};

// `listen` empty: nothing started (both null). Otherwise "IPV4:PORT"; InvalidArgument when it
// is not one, Unavailable when it cannot be bound. The facts then advertise `listen` (with the
// port the OS chose when it was 0).
absl::StatusOr<LocationResponderHandle> StartLocationResponder(const std::string& listen, absl::Time now);

}  // namespace veu::agent

#endif  // VEU_AGENT_LOCATION_STARTUP_H_
