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

}  // namespace veu::tpm
