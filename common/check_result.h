// Building a stored check result (veu.v1.CheckResult): one rule for every producer — the
// reason is recorded only when the check did not pass.
#ifndef VEU_COMMON_CHECK_RESULT_H_
#define VEU_COMMON_CHECK_RESULT_H_

#include <string>

#include "veu/v1/appraisal.pb.h"

namespace veu {

inline veu::v1::CheckResult MakeCheckResult(std::string check, veu::v1::CheckStatus status,
                                            veu::v1::ReasonCode reason, std::string detail) {
  veu::v1::CheckResult c;
  c.set_check(std::move(check));
  c.set_status(status);
  if (status != veu::v1::CHECK_PASS) c.set_reason(reason);
  c.set_detail(std::move(detail));
  return c;
}

}  // namespace veu

#endif  // VEU_COMMON_CHECK_RESULT_H_
