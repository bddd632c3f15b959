// The agent's fast answer key for location challenges: a fresh Ed25519 key per epoch, whose
// public half goes into the epoch's Facts (so into the TPM quote's qualifyingData), and whose
// private half never leaves this process's memory. A root user on the host can still read it
// out and hand it to a relay: the documented limit (README "Location").
// Thread-safe: Current() and Rotate() may race; a challenge answered during a rotation is
// answered with one whole key, old or new.
#ifndef VEU_AGENT_LOCATION_EPOCH_KEY_H_
#define VEU_AGENT_LOCATION_EPOCH_KEY_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/location/ed25519.h"
#include "veu/v1/facts.pb.h"
#include "veu/v1/location.pb.h"

namespace veu::agent {

struct EpochKey {
  uint64_t epoch = 0;
  location::Ed25519Key key;
};

class EpochKeyring {
 public:
  // Starts at `first_epoch` (e.g. the start time, so epochs differ across restarts) with a
  // fresh key. Internal only if key generation fails.
  static absl::StatusOr<std::unique_ptr<EpochKeyring>> Create(std::string responder_address,
                                                               uint64_t first_epoch = 1);

  std::shared_ptr<const EpochKey> Current() const;
  // A new key for the next epoch; the old one stops answering at once.
  absl::Status Rotate();
  // The facts entry binding the current key (call when building the facts for a quote).
  veu::v1::LocationKey FactsEntry() const;
  // Where landmarks reach the responder, as the facts advertise it.
  void set_responder_address(std::string address);

 private:
  EpochKeyring(std::shared_ptr<const EpochKey> first, std::string address)
      : current_(std::move(first)), address_(std::move(address)) {}
  mutable absl::Mutex mu_;
  std::shared_ptr<const EpochKey> current_ ABSL_GUARDED_BY(mu_);
  std::string address_ ABSL_GUARDED_BY(mu_);
};

}  // namespace veu::agent

#endif  // VEU_AGENT_LOCATION_EPOCH_KEY_H_
