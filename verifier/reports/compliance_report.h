// A site's compliance report over a period (report.proto ComplianceReport), built from what the
// store holds: the site's agents, the period's logged appraisals (exact leaf bytes), each
// agent's last appraisal before the period (the anchor of its chain), the site's events and
// diversions, a signed checkpoint covering all those leaves, and inclusion proofs against it.
// The summaries follow the rules in report_derivation.h. Pure but for the proof callback.
//
// Errors (InvalidArgument unless the proof source says otherwise) name the input that does
// not hold: a leaf that does not decode, belongs to another site or agent, carries another
// log index, lies outside the period (or an anchor inside it), is beyond the checkpoint, or an
// event or diversion of another site. Nothing is silently skipped.
#ifndef VEU_VERIFIER_REPORTS_COMPLIANCE_REPORT_H_
#define VEU_VERIFIER_REPORTS_COMPLIANCE_REPORT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "verifier/reports/report_signer.h"
#include "verifier/store/appraisal_log.h"
#include "veu/v1/records.pb.h"
#include "veu/v1/report.pb.h"

namespace veu::verifier {

inline constexpr uint32_t kComplianceReportFormat = 1;

// RFC 9162 inclusion proof for leaf `index` in the tree of `tree_size` leaves (e.g. the
// store's translog::LogStorage proof, or merkle::InclusionProof over a NodeReader).
using InclusionProofSource =
    std::function<absl::StatusOr<std::vector<std::string>>(uint64_t index, uint64_t tree_size)>;

struct ComplianceReportInput {
  std::string report_id;
  absl::Time generated_at;
  std::string verifier;  // the log origin, which is also the checkpoint key name
  v1::Site site;
  absl::Time period_from;  // inclusive
  absl::Time period_to;    // exclusive
  std::vector<v1::AgentRecord> agents;  // the site's agents
  // The site's logged appraisals appraised in [period_from, period_to), oldest first.
  std::vector<LogEntry> entries;
  // For each agent with an appraisal before the period, its last one (any order).
  std::vector<LogEntry> anchors;
  std::vector<v1::Event> events;  // the site's; those outside the period are left out
  std::vector<v1::Diversion> diversions;  // where site or other_site is this site
  v1::LogCheckpoint checkpoint;  // covers every entry and anchor
  InclusionProofSource inclusion_proof;
  // From a tree size the reader holds; to_size must be the checkpoint's.
  std::optional<v1::ConsistencyProof> consistency;
  absl::Duration stale_after;
  // The regulation statement of the verifier's policy pack (facts::RegulationStatementOf):
  // copied into the report, so it is signed with it. Unset only without a pack.
  std::optional<v1::RegulationStatement> regulation;
};

absl::StatusOr<v1::ComplianceReport> BuildComplianceReport(const ComplianceReportInput& input);

// The signed report file (signed_report_file.h) for `report`.
absl::StatusOr<std::string> SignComplianceReport(const v1::ComplianceReport& report,
                                                 const ReportSigner& signer);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_REPORTS_COMPLIANCE_REPORT_H_
