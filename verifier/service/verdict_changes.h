// The notification for a committed appraisal that changed its node's verdict: who, from what
// to what, which checks failed, and the site's roll-up after it. Consumed by the regulator
// API's WatchVerdicts and by webhooks through the verdict bus (verifier/notify/).
#ifndef VEU_VERIFIER_SERVICE_VERDICT_CHANGES_H_
#define VEU_VERIFIER_SERVICE_VERDICT_CHANGES_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "verifier/store/store.h"
#include "veu/v1/appraisal.pb.h"
#include "veu/v1/regulator.pb.h"

namespace veu::verifier {

// Nothing (nullopt) when the verdict is unchanged. Store errors pass through.
absl::StatusOr<std::optional<veu::v1::VerdictChange>> VerdictChangeFor(
    Store& store, const veu::v1::Appraisal& appraisal, veu::v1::Verdict previous,
    absl::Time now, absl::Duration stale_after);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_VERDICT_CHANGES_H_
