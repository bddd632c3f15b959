// The outcome of one named check, as the verifier stores it and veuctl prints it.
#ifndef VEU_COMMON_TPM_CHECK_RESULT_H_
#define VEU_COMMON_TPM_CHECK_RESULT_H_

#include <string>
#include <string_view>
#include <vector>

#include "veu/v1/appraisal.pb.h"
#include "veu/v1/reason.pb.h"

namespace veu::tpm {

enum class CheckStatus {
  kPass,
  kFail,     // the evidence says no; `reason` says why
  kWarn,     // passed, but the operator must know something (e.g. freshness unproven)
  kSkipped,  // not evaluated because an earlier check failed; never counts as a pass
};

// "pass", "fail", "warn", "skipped".
std::string_view CheckStatusName(CheckStatus status);

struct CheckResult {
  std::string id;  // stable, e.g. "quote.pcr_digest"; tests and stored results use it
  CheckStatus status = CheckStatus::kSkipped;
  veu::v1::ReasonCode reason = veu::v1::REASON_UNSPECIFIED;  // set for kFail and kWarn
  std::string detail;  // for a person: what was compared, where it differs, what to do
};

// True iff no check failed or was skipped (warnings are allowed).
bool AllPassed(const std::vector<CheckResult>& checks);

// The first failed check, or nullptr if none failed.
const CheckResult* FirstFailure(const std::vector<CheckResult>& checks);

// The stored form (veu.v1.CheckResult): a warning is CHECK_WARN with its reason set (a verdict
// over it is WARN unless the policy pack accepts the caveat); kSkipped becomes
// CHECK_NOT_EVALUATED.
veu::v1::CheckResult ToProto(const CheckResult& check);

}  // namespace veu::tpm

#endif  // VEU_COMMON_TPM_CHECK_RESULT_H_
