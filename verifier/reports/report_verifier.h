// Offline verification of a signed compliance report (compliance_report.h) with nothing but
// the report file and the verifier's public key: what a regulator runs.
//
// It checks, and lists every finding rather than stopping at the first:
//   - the signature over JCS(report member as read) by the given key;
//   - that the report decodes (an unknown field is a finding) and has format 1;
//   - the checkpoint's signed note (key name = report.verifier, the same public key, which
//     must therefore be ECDSA P-256) and that origin, tree_size, root_hash and timestamp
//     fields equal the note's;
//   - every appraisal: its inclusion proof against the signed root, that its leaf decodes
//     (deterministic serialisation, so unknown fields show), carries its log index, is of the
//     report's site and of a listed agent, lies in the period (anchors before it), and that
//     every view field equals the leaf's;
//   - each agent's chain: the first appraisal in the period links (previous_log_index) to the
//     agent's anchor, or to nothing if it has none; each later one to the one before, so a
//     dropped appraisal shows (one dropped after the agent's last reported appraisal cannot);
//   - agent counts, inventory changes, stale periods, control summaries, policy versions and
//     verdict_at_end, re-derived from the leaves (report_derivation.h) and compared;
//   - events and diversions belong to the site, events to the period;
//   - with an earlier checkpoint: it verifies with the same key, and the report's consistency
//     proof shows the report's checkpoint extends it.
// The regulation statement (the rule, its status, sources) is covered by the signature like
// everything else and summarised in ReportVerification::regulation.
// Pure; thread-safe.
#ifndef VEU_VERIFIER_REPORTS_REPORT_VERIFIER_H_
#define VEU_VERIFIER_REPORTS_REPORT_VERIFIER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "veu/v1/report.pb.h"

namespace veu::verifier {

struct ReportVerifyOptions {
  // A signed checkpoint note of the same log the reader already holds; the report must prove
  // it extends that tree.
  std::optional<std::string> earlier_checkpoint;
};

struct ReportVerification {
  std::string kind;  // "compliance" or "inventory"
  std::string report_id;
  std::string verifier;
  std::string subject;  // the site (compliance) or organisation (inventory)
  std::string period;   // "[from, to)" in RFC 3339
  std::string verdict;  // compliance: verdict_at_end; inventory: total TPP
  uint64_t tree_size = 0;       // compliance: the checkpoint's
  size_t items = 0;             // appraisals or site lines
  bool consistency_checked = false;
  std::vector<std::string> findings;  // each says what does not hold; empty: the report holds
  // From the signed regulation statement: "<rule>: <status> (policy pack id@version)", or empty
  // when the report carries none (a verifier without a policy pack). Shown, not judged.
  std::string regulation;
  // Compliance: the agents' offline gaps the report's signed events record (issue 10), one line
  // each: "AGENT at TIME: continuous|broken: DETAIL". Shown, not judged: offline quotes prove
  // continuity, not freshness.
  std::vector<std::string> offline_gaps;

  bool holds() const { return findings.empty(); }
};

// Errors are for input that is not a report at all: InvalidArgument if the key does not parse
// or the file is not a JSON object of a "report" and a "signature". Everything else that does
// not hold is a finding.
// The one-line summary of a report's regulation statement (ReportVerification::regulation).
std::string RegulationSummary(const v1::RegulationStatement& regulation);

absl::StatusOr<ReportVerification> VerifyComplianceReport(std::string_view file_text,
                                                          std::string_view verifier_key_pem,
                                                          const ReportVerifyOptions& options = {});

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_REPORTS_REPORT_VERIFIER_H_
