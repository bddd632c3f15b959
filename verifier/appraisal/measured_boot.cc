#include "verifier/appraisal/measured_boot.h"

#include "absl/strings/str_cat.h"
#include "common/check_result.h"
#include "common/eventlog/binding.h"
#include "common/eventlog/facts.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/reference_values.h"
#include "common/utf8.h"

namespace veu::verifier {

MeasuredBootResult AppraiseMeasuredBoot(const std::string& log,
                                        const std::vector<veu::v1::PcrValue>& verified_pcrs,
                                        const veu::v1::ReferenceValues& refs) {
  MeasuredBootResult result;
  absl::StatusOr<eventlog::UnverifiedEventLog> parsed = eventlog::ParseEventLog(log);
  if (!parsed.ok()) {
    result.checks.push_back(MakeCheckResult("eventlog.replay", veu::v1::CHECK_FAIL,
                                            veu::v1::EVENTLOG_MALFORMED,
                                            std::string(parsed.status().message())));
    return result;
  }
  eventlog::BindingOutcome bound = eventlog::BindToQuote(*std::move(parsed), verified_pcrs);
  result.checks.push_back(bound.check);
  if (!bound.verified) return result;
  result.replayed = true;
  result.facts = eventlog::ExtractFacts(*bound.verified);
  // Firmware strings are whatever the firmware wrote; stored results must stay parseable.
  MakeStringsValidUtf8(&result.facts);
  absl::StatusOr<std::vector<veu::v1::CheckResult>> checks =
      eventlog::AppraiseAgainstReferenceValues(*bound.verified, refs);
  if (!checks.ok()) {
    // An unusable reference set is the verifier's fault, but it must not pass anything.
    result.checks.push_back(MakeCheckResult(
        "refvalues", veu::v1::CHECK_NOT_EVALUATED, veu::v1::REFERENCE_VALUE_MISMATCH,
        absl::StrCat("reference values unusable: ", checks.status().message())));
    return result;
  }
  result.checks.insert(result.checks.end(), checks->begin(), checks->end());
  return result;
}

}  // namespace veu::verifier
