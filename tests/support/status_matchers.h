// gMock matchers for absl::Status and absl::StatusOr.
//   EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
//   EXPECT_THAT(result, IsOkAndHolds(42));
#ifndef VEU_TESTS_SUPPORT_STATUS_MATCHERS_H_
#define VEU_TESTS_SUPPORT_STATUS_MATCHERS_H_

#include <gmock/gmock.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace veu::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) { return s.status(); }

MATCHER_P(StatusIs, code, "has status code " + ::testing::PrintToString(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher, "") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code &&
         ::testing::Matches(message_matcher)(std::string(s.message()));
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.ok();
}

MATCHER_P(IsOkAndHolds, value_matcher, "") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status().ToString();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace veu::testing

#define ASSERT_OK(expr) ASSERT_THAT((expr), ::veu::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::veu::testing::IsOk())

#endif  // VEU_TESTS_SUPPORT_STATUS_MATCHERS_H_
