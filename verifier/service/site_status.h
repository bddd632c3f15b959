// A site's current status read from the store: each node's latest appraisal rolled up
// (appraisal/site_rollup.h). Shared by the operator's Query API, the regulator API and the
// verdict notifications, so all three say the same thing.
#ifndef VEU_VERIFIER_SERVICE_SITE_STATUS_H_
#define VEU_VERIFIER_SERVICE_SITE_STATUS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "verifier/store/store.h"
#include "veu/v1/query.pb.h"

namespace veu::verifier {

// NotFound for an unknown site; store errors pass through.
absl::StatusOr<veu::v1::SiteStatus> ReadSiteStatus(Store& store, const std::string& site,
                                                   absl::Time now, absl::Duration stale_after);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_SITE_STATUS_H_
