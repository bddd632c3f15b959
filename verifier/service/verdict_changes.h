// The notification for a committed appraisal that changed its node's verdict: who, from what
// to what, which checks failed, and the site's roll-up after it. Consumed by the regulator
// API's WatchVerdicts and by webhooks through the verdict bus (verifier/notify/).
#ifndef VEU_VERIFIER_SERVICE_VERDICT_CHANGES_H_
#define VEU_VERIFIER_SERVICE_VERDICT_CHANGES_H_

#include <deque>
#include <functional>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "verifier/store/store.h"
#include "veu/v1/appraisal.pb.h"
#include "veu/v1/regulator.pb.h"

namespace veu::verifier {

// The change `appraisal` made, given its site's status after it.
veu::v1::VerdictChange MakeVerdictChange(const veu::v1::Appraisal& appraisal,
                                         veu::v1::Verdict previous,
                                         const veu::v1::SiteStatus& site_status);

// Nothing (nullopt) when the verdict is unchanged. Store errors pass through.
absl::StatusOr<std::optional<veu::v1::VerdictChange>> VerdictChangeFor(
    Store& store, const veu::v1::Appraisal& appraisal, veu::v1::Verdict previous,
    absl::Time now, absl::Duration stale_after);

// Publishes verdict changes off the commit path. The site's roll-up reads every node of the
// site, so computing it for each change inside the commit callback made a fleet's first
// reports quadratic and held up every ack behind it; here committed changes are queued and a
// thread computes each site's status once per batch. Changes are published in commit order
// per site. Thread-safe.
class VerdictChangePublisher {
 public:
  using Publish = std::function<void(const veu::v1::VerdictChange&)>;
  VerdictChangePublisher(Store* store, absl::Duration stale_after, Publish publish);
  ~VerdictChangePublisher();  // publishes what was submitted, then stops

  // Cheap and non-blocking; appraisals that did not change the verdict are ignored.
  void Submit(const veu::v1::Appraisal& appraisal, veu::v1::Verdict previous);

 private:
  struct Pending {
    veu::v1::Appraisal appraisal;
    veu::v1::Verdict previous;
  };
  void Run();

  Store* const store_;
  const absl::Duration stale_after_;
  const Publish publish_;
  absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_VERDICT_CHANGES_H_
