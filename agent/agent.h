// The agent's life as an explicit state machine:
//
//   kUnenrolled --enrol ok--> kAttesting --stream ends--> kBackingOff --> kAttesting
//        ^   \--enrol refused/failed--> kBackingOff --> kUnenrolled        |
//        \---------------- verifier says AGENT_UNKNOWN ---------------------/
//
// Everything that touches the world is injected: the TPM, the verifier's stubs, the facts
// source, the state store (the agent ID file) and the sleep function.
#ifndef VEU_AGENT_AGENT_H_
#define VEU_AGENT_AGENT_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/attestation_client.h"
#include "agent/enrollment_client.h"
#include "agent/tpm/tpm.h"

namespace veu::agent {

enum class AgentState { kUnenrolled, kAttesting, kBackingOff, kStopped };
std::string_view AgentStateName(AgentState state);

struct AgentDeps {
  Tpm* tpm = nullptr;
  veu::v1::Enrollment::StubInterface* enrollment = nullptr;
  veu::v1::Attestation::StubInterface* attestation = nullptr;
  ReportSource source;
  // Persisted agent ID: load returns "" when not enrolled yet.
  std::function<std::string()> load_agent_id;
  std::function<absl::Status(const std::string&)> save_agent_id;
  std::function<void(absl::Duration)> sleep;
  std::function<bool()> stopping;  // true once the process should end
};

struct AgentOptions {
  EnrollmentRequestOptions enrollment;
  absl::Duration min_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(60);
  uint64_t max_rounds = 0;  // > 0: stop after this many acknowledged reports (measurements)
};

class Agent {
 public:
  Agent(AgentDeps deps, AgentOptions options);
  // Runs until stopping() or max_rounds. Returns the last error if it stopped on one that
  // retrying cannot fix (e.g. no TPM), OK otherwise.
  absl::Status Run();
  AgentState state() const { return state_; }

 private:
  void BackOff(const absl::Status& why);

  AgentDeps deps_;
  AgentOptions options_;
  AgentState state_ = AgentState::kUnenrolled;
  std::string agent_id_;
  absl::Duration backoff_;
  uint64_t rounds_ = 0;
};

}  // namespace veu::agent

#endif  // VEU_AGENT_AGENT_H_
