// Site roll-up: a site's verdict is the worst of its nodes' latest verdicts, and STALE if any
// node stopped reporting. Pure.
#ifndef VEU_VERIFIER_APPRAISAL_SITE_ROLLUP_H_
#define VEU_VERIFIER_APPRAISAL_SITE_ROLLUP_H_

#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "veu/v1/query.pb.h"

namespace veu::verifier {

struct NodeState {
  veu::v1::AgentRecord agent;
  std::optional<veu::v1::Appraisal> latest;
};

// Builds the site's status at `now`. A node is stale if its last verified report is older
// than `stale_after`; a site with no nodes has verdict NONE.
veu::v1::SiteStatus RollUpSite(const veu::v1::Site& site, const std::vector<NodeState>& nodes,
                               absl::Time now, absl::Duration stale_after);

// Severity order used for "worst wins": REJECT > STALE > WARN > NONE > ACCEPT.
int VerdictSeverity(veu::v1::Verdict verdict);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_APPRAISAL_SITE_ROLLUP_H_
