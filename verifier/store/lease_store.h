// LeaseStore: named, time-limited leases kept by a store several verifiers share, so that a
// cluster duty (signing checkpoints, sweeping for stale sites, delivering webhooks) runs in one
// replica at a time and moves to another within seconds when its holder dies.
//
// The store's clock decides expiry (the database's now()), so replicas' clocks need not agree.
// Thread-safety: implementations are safe for concurrent use.
#ifndef VEU_VERIFIER_STORE_LEASE_STORE_H_
#define VEU_VERIFIER_STORE_LEASE_STORE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace veu::verifier {

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // Takes or renews lease `name` for `holder` until `ttl` from now, in one atomic step: true if
  // `holder` holds it afterwards (it was free, expired, or already its own), false if another
  // holder's lease is still running. Unavailable if the store cannot be reached: the caller must
  // then treat the lease as lost once its last grant ran out.
  virtual absl::StatusOr<bool> HoldLease(const std::string& name, const std::string& holder,
                                         absl::Duration ttl) = 0;
  // Gives the lease up at once if `holder` holds it (a clean shutdown), so another replica
  // need not wait for it to expire. OK if it was not held.
  virtual absl::Status ReleaseLease(const std::string& name, const std::string& holder) = 0;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_STORE_LEASE_STORE_H_
