// The test-only JSON reader is strict, so fixture typos fail loudly instead of silently.
#include "tests/common/merkle/mini_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace veu::merkle::testing {
namespace {

using ::veu::testing::IsOkAndHolds;
using ::veu::testing::StatusIs;

TEST(MiniJsonTest, ReadsNestedValues) {
  absl::StatusOr<Json> doc = Json::Parse(
      R"( {"a": [1, "x\u00e9\n", true, null, {"b": -2.5e3}], "c": 18446744073709551615} )");
  ASSERT_TRUE(doc.ok()) << doc.status();
  const std::vector<Json>& a = *doc->Get("a").value()->Array().value();
  ASSERT_EQ(a.size(), 5u);
  EXPECT_THAT(a[0].Uint64(), IsOkAndHolds(1u));
  EXPECT_THAT(a[1].String(), IsOkAndHolds("x\xc3\xa9\n"));
  EXPECT_EQ(a[2].type(), Json::Type::kBool);
  EXPECT_EQ(a[3].type(), Json::Type::kNull);
  EXPECT_THAT(a[4].Get("b").value()->Uint64(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(doc->Get("c").value()->Uint64(), IsOkAndHolds(18446744073709551615u));
}

TEST(MiniJsonTest, RejectsMalformedDocumentsWithTheirOffset) {
  for (const char* bad : {"", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "1.", "\"\\x\"",
                          "\"a\nb\"", "[1] 2", "{\"a\":1,\"a\":2}", "tru", "\"\\ud800\""}) {
    EXPECT_THAT(Json::Parse(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_THAT(Json::Parse("[1 2]"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("at byte 3")));
}

TEST(MiniJsonTest, RejectsDeepNesting) {
  EXPECT_THAT(Json::Parse(std::string(100, '[') + std::string(100, ']')),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("too deep")));
}

}  // namespace
}  // namespace veu::merkle::testing
