// StoreHealth: whether this verifier can keep what it acknowledges, for probes and load
// balancers. Commits answer it as they happen (a group that failed whole means not serving, the
// next good one serving again); when no commit has answered for `probe_after` (an idle verifier,
// or one whose agents all left because it stopped answering), a probe asks the store directly
// (Store::CheckWritable), so a database that went away is seen within about `probe_after` +
// the probe's own timeout even with no traffic. Changes are reported to `on_change` (the gRPC
// health service, /healthz), never blocking a commit. Thread-safe.
#ifndef VEU_VERIFIER_SERVICE_STORE_HEALTH_H_
#define VEU_VERIFIER_SERVICE_STORE_HEALTH_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace veu::verifier {

class StoreHealth {
 public:
  struct Options {
    absl::Duration probe_after = absl::Seconds(2);
    std::function<absl::Time()> now = [] { return absl::Now(); };
  };
  using Check = std::function<absl::Status()>;
  using OnChange = std::function<void(bool serving, const std::string& reason)>;

  StoreHealth(Check check, OnChange on_change, Options options);
  StoreHealth(Check check, OnChange on_change) : StoreHealth(std::move(check), std::move(on_change), Options()) {}
  ~StoreHealth();  // stops the probe thread if started
  StoreHealth(const StoreHealth&) = delete;
  StoreHealth& operator=(const StoreHealth&) = delete;

  // From the group committer: `size` appraisals committed together, `failed` of them not.
  void OnGroupCommitted(size_t size, size_t failed);
  // Probes the store if nothing answered within probe_after. Called by the probe thread; tests
  // call it directly with a fake clock.
  void Tick();
  // Runs Tick every `period` on a thread of its own (a probe may block for the store's connect
  // timeout, so it must not share the stream timers' thread).
  void StartProbing(absl::Duration period);

  bool serving() const;
  std::string reason() const;  // why not serving; "" while serving

 private:
  void Set(bool serving, const std::string& reason) ABSL_LOCKS_EXCLUDED(mu_);

  const Check check_;
  const OnChange on_change_;
  const Options options_;
  mutable absl::Mutex mu_;
  bool serving_ ABSL_GUARDED_BY(mu_) = true;
  std::string reason_ ABSL_GUARDED_BY(mu_);
  absl::Time last_answer_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex change_mu_;  // orders on_change_ calls as the state changes
  std::thread thread_;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_STORE_HEALTH_H_
