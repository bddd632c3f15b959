// A site's verdict timeline, per node, from a compliance report that has already been verified
// (ReportVerification::holds): the console draws only what a signed, checked report says. Each
// appraisal's verdict holds from its time until the node's next appraisal (the last until the
// period's end); an appraisal from before the period (the chain anchor) sets the verdict at its
// start; consecutive equal verdicts are merged; a stale period of the report shows as STALE.
// Pure; thread-safe.
#ifndef VEU_VERIFIER_CONSOLE_TIMELINE_H_
#define VEU_VERIFIER_CONSOLE_TIMELINE_H_

#include <string>

#include "veu/v1/report.pb.h"

namespace veu::console {

// {"from", "to" (UTC text), "from_ms", "to_ms", "report_id", "nodes": [{"agent_id", "hostname",
//  "segments": [{"from_ms", "to_ms", "from", "verdict"}]}], "changes": n}
std::string TimelineJson(const veu::v1::ComplianceReport& report, const std::string& report_id);

}  // namespace veu::console

#endif  // VEU_VERIFIER_CONSOLE_TIMELINE_H_
