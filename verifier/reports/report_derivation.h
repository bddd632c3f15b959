// The parts of a compliance report that follow from its logged appraisals alone: the view
// fields of each appraisal, per-agent counts, inventory changes, stale periods, control
// summaries, policy versions and the verdict at the end. The report builder fills them with
// these functions and the report verifier re-derives them with the same functions from the
// leaves it has checked, so the two can never disagree about the rules. Pure; thread-safe.
//
// The rules (all times UTC; "horizon" = min(period_to, generated_at), the last instant the
// report can speak for):
//   view           failed = ids of checks with CHECK_FAIL; accelerators/tpp from inventory.
//   counts         appraisals_in_period = the agent's appraisals with before_period false.
//   inventory      only appraisals whose inventory was reported (the quote verified). The
//                  agent's first in the period is listed with every item as added; later
//                  ones only when identities, count or tpp changed, with the items added and
//                  removed. Items are the identities, or "<model> x <n>" when there are none.
//   stale periods  over the agent's times [start, t1, ..., tn, horizon], where start is its
//                  anchor's time (its last appraisal before the period) or, without one,
//                  max(enrolled_at, period_from): every gap b - a > stale_after is stale from
//                  a + stale_after to b, clipped to [period_from, horizon).
//   controls       counts of each check's status over in-period appraisals; seconds: a
//                  result holds from its appraisal to the agent's next (or the horizon),
//                  at most stale_after, clipped to [period_from, horizon) — so an anchor's
//                  results count for the start of the period but not in the counts.
//   verdict_at_end per agent its last appraisal's verdict; STALE if that is older than
//                  stale_after at the horizon (REJECT stays REJECT); an agent with no
//                  appraisal is STALE if enrolled more than stale_after before the horizon,
//                  else NONE. The site takes the worst: REJECT > STALE > WARN > NONE > ACCEPT.
#ifndef VEU_VERIFIER_REPORTS_REPORT_DERIVATION_H_
#define VEU_VERIFIER_REPORTS_REPORT_DERIVATION_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "veu/v1/appraisal.pb.h"
#include "veu/v1/report.pb.h"

namespace veu::verifier {

struct LoggedAppraisal {
  uint64_t log_index = 0;
  bool before_period = false;  // the agent's anchor: its last appraisal before the period
  v1::Appraisal appraisal;     // decoded from the leaf
};

struct DerivationInput {
  absl::Time period_from;
  absl::Time period_to;
  absl::Time generated_at;
  absl::Duration stale_after;
  std::vector<v1::ReportAgent> agents;  // agent_id and enrolled_at are used
  std::vector<LoggedAppraisal> appraisals;  // any order
};

struct DerivedSummaries {
  std::map<std::string, uint32_t> appraisals_in_period;  // every agent, 0 included
  std::vector<v1::InventoryChange> inventory;  // by time, then log index
  std::vector<v1::StalePeriod> stale_periods;  // by agent, then start
  std::vector<v1::ControlSummary> controls;    // by control id
  std::vector<std::string> policy_versions;    // sorted, distinct, in-period only
  v1::Verdict verdict_at_end = v1::VERDICT_NONE;
};

// The view fields of a reported appraisal (log_index, leaf, proof and before_period are the
// caller's).
v1::ReportedAppraisal AppraisalView(const v1::Appraisal& appraisal);

// Severity for "worst wins": REJECT 5 > STALE 4 > WARN 3 > NONE 2 > ACCEPT 1 > other 0.
int ReportVerdictSeverity(v1::Verdict verdict);

DerivedSummaries DeriveSummaries(const DerivationInput& input);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_REPORTS_REPORT_DERIVATION_H_
