// LeaderLease: holds one LeaseStore lease for this process, renewing it on its own thread, so
// that cluster duties (checkpoint signing, stale sweeps) run in exactly one replica and move to
// another within seconds of its holder dying.
//
// Fails closed: held() is true only while the last grant is known to be running by the local
// steady clock, counted from before the request that obtained it, so a replica cut off from the
// database stops acting no later than the database lets another replica take over. Without a
// LeaseStore (one verifier on SQLite) the lease is always held.
//
// Thread-safety: held() may be called from any thread.
#ifndef VEU_VERIFIER_SERVICE_LEADER_LEASE_H_
#define VEU_VERIFIER_SERVICE_LEADER_LEASE_H_

#include <chrono>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "verifier/store/lease_store.h"

namespace veu::verifier {

class LeaderLease {
 public:
  struct Options {
    absl::Duration ttl = absl::Seconds(6);          // how long one grant lasts
    absl::Duration renew_every = absl::Seconds(2);  // well inside ttl, so one lost renewal is fine
  };

  // Starts renewing `name` as `holder` (see HolderId) on `store`; store == nullptr: always held.
  LeaderLease(LeaseStore* store, std::string name, std::string holder, Options options);
  LeaderLease(LeaseStore* store, std::string name, std::string holder)
      : LeaderLease(store, std::move(name), std::move(holder), Options()) {}
  // Stop().
  ~LeaderLease();
  LeaderLease(const LeaderLease&) = delete;
  LeaderLease& operator=(const LeaderLease&) = delete;

  bool held() const;
  // Stops renewing and releases the lease if held, so another replica takes over at once.
  void Stop();

  // "host:pid:random", unique per process start.
  static std::string HolderId();

 private:
  void Run();
  void Renew();

  LeaseStore* const store_;
  const std::string name_;
  const std::string holder_;
  const Options options_;
  mutable absl::Mutex mu_;
  std::chrono::steady_clock::time_point held_until_ ABSL_GUARDED_BY(mu_);
  bool was_held_ = false;  // Run's thread only: for logging transitions
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_LEADER_LEASE_H_
