#include "common/tpm/check_result.h"

namespace veu::tpm {

std::string_view CheckStatusName(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPass:
      return "pass";
    case CheckStatus::kFail:
      return "fail";
    case CheckStatus::kWarn:
      return "warn";
    case CheckStatus::kSkipped:
      return "skipped";
  }
  return "unknown";
}

bool AllPassed(const std::vector<CheckResult>& checks) {
  for (const auto& c : checks) {
    if (c.status == CheckStatus::kFail || c.status == CheckStatus::kSkipped) return false;
  }
  return true;
}

const CheckResult* FirstFailure(const std::vector<CheckResult>& checks) {
  for (const auto& c : checks) {
    if (c.status == CheckStatus::kFail) return &c;
  }
  return nullptr;
}

veu::v1::CheckResult ToProto(const CheckResult& check) {
  veu::v1::CheckResult out;
  out.set_check(check.id);
  switch (check.status) {
    case CheckStatus::kPass:
      out.set_status(veu::v1::CHECK_PASS);
      break;
    case CheckStatus::kWarn:
      out.set_status(veu::v1::CHECK_WARN);
      break;
    case CheckStatus::kFail:
      out.set_status(veu::v1::CHECK_FAIL);
      break;
    case CheckStatus::kSkipped:
      out.set_status(veu::v1::CHECK_NOT_EVALUATED);
      break;
  }
  out.set_reason(check.reason);
  out.set_detail(check.detail);
  return out;
}

}  // namespace veu::tpm
