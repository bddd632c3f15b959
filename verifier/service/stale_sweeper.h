// StaleSweeper: a site whose node stops reporting changes verdict with no report to trigger a
// notification, so this sweeps the sites' roll-ups on a timer and publishes the changes into
// and out of STALE as VerdictChange messages with no agent (the node that went silent is named
// in `failed`). Node verdict changes are published when their appraisal commits (main.cc); this
// covers only what silence changes. Errors reading the store are logged and retried next tick.
#ifndef VEU_VERIFIER_SERVICE_STALE_SWEEPER_H_
#define VEU_VERIFIER_SERVICE_STALE_SWEEPER_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "verifier/store/store.h"
#include "veu/v1/regulator.pb.h"

namespace veu::verifier {

// The changes into or out of STALE between two sweeps of one site (pure): nullopt if the site's
// verdict did not change, or if neither side of the change is STALE.
std::optional<veu::v1::VerdictChange> StaleTransition(veu::v1::Verdict before,
                                                      const veu::v1::SiteStatus& now,
                                                      absl::Time at);

class StaleSweeper {
 public:
  using Publish = std::function<void(const veu::v1::VerdictChange&)>;
  // Starts the sweeping thread; the first sweep only records the sites' verdicts.
  // `active` (default: always) says whether this process sweeps now: with replicas, only the
  // holder of the cluster-duty lease publishes, so each transition is announced once. A replica
  // that is not active keeps recording the sites' verdicts, so that taking over announces only
  // what changed after.
  StaleSweeper(Store* store, absl::Duration stale_after, absl::Duration interval, Publish publish,
               std::function<bool()> active = nullptr);
  ~StaleSweeper();
  void Stop();

 private:
  void Run();
  void Sweep(bool publish);

  Store* const store_;
  const absl::Duration stale_after_;
  const absl::Duration interval_;
  const Publish publish_;
  const std::function<bool()> active_;
  std::map<std::string, veu::v1::Verdict> last_;  // only the sweeping thread touches it
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_STALE_SWEEPER_H_
