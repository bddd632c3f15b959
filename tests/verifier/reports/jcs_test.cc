// RFC 8785 canonicalisation, with the RFC's own vectors where they use no fractional numbers.
#include "verifier/reports/jcs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace veu::verifier {
namespace {

using ::testing::HasSubstr;
using ::veu::testing::StatusIs;

std::string Canonical(std::string_view json) {
  absl::StatusOr<std::string> out = CanonicalizeJson(json);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : "";
}

// RFC 8785 §3.2.3, "Sorting of Object Properties": keys compare as UTF-16 code units, so the
// emoji (surrogates D83D DE00) sorts before U+FB33 although its code point is larger.
TEST(JcsTest, SortsKeysByUtf16CodeUnitsAsRfc8785Shows) {
  const std::string in = R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })";
  EXPECT_EQ(Canonical(in),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xC2\x80\":\"Control\","
            "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\",\"\xE2\x82\xAC\":\"Euro Sign\","
            "\"\xF0\x9F\x98\x80\":\"Emoji: Grinning Face\","
            "\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

// RFC 8785 §3.2.2 example, without its "numbers" member (fractions are refused here).
TEST(JcsTest, EscapesStringsAndKeepsLiteralsAsRfc8785Shows) {
  const std::string in = R"({
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })";
  EXPECT_EQ(Canonical(in),
            "{\"literals\":[null,true,false],\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

TEST(JcsTest, RemovesWhitespaceAndSortsNestedObjects) {
  EXPECT_EQ(Canonical(" { \"b\" : [ 1 , { \"y\":2, \"x\" : -3 } ] ,\n\t\"a\":{} } "),
            R"({"a":{},"b":[1,{"x":-3,"y":2}]})");
}

TEST(JcsTest, ShortEscapesAndLowerCaseHexForOtherControls) {
  EXPECT_EQ(Canonical(R"(["\b\f\n\r\t\u001F\u007f"])"), "[\"\\b\\f\\n\\r\\t\\u001f\x7f\"]");
}

TEST(JcsTest, IntegersAreWrittenPlainAndMinusZeroIsZero) {
  EXPECT_EQ(Canonical("[0, -0, 42, -7, 9007199254740992, -9007199254740992]"),
            "[0,0,42,-7,9007199254740992,-9007199254740992]");
}

TEST(JcsTest, RefusesNumbersThatNeedDoubleFormatting) {
  EXPECT_THAT(CanonicalizeJson("[4.50]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("fraction or exponent")));
  EXPECT_THAT(CanonicalizeJson("[1E30]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("fraction or exponent")));
  EXPECT_THAT(CanonicalizeJson("[9007199254740993]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("beyond 2^53")));
  EXPECT_THAT(CanonicalizeJson("[012]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("leading zero")));
}

TEST(JcsTest, RefusesWhatHasMoreThanOneMeaning) {
  EXPECT_THAT(CanonicalizeJson(R"({"a":1,"a":2})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate object key \"a\"")));
  EXPECT_THAT(CanonicalizeJson(R"(["\ud800"])"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("surrogate")));
  EXPECT_THAT(CanonicalizeJson(R"(["\udc00"])"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("surrogate")));
  EXPECT_THAT(CanonicalizeJson("[\"\xC3\x28\"]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid UTF-8")));
  EXPECT_THAT(CanonicalizeJson("[\"\xED\xA0\x80\"]"),  // an encoded surrogate
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("surrogate")));
  EXPECT_THAT(CanonicalizeJson("[\"\xC0\xAF\"]"),  // overlong '/'
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid UTF-8")));
}

TEST(JcsTest, RefusesMalformedTextWithoutReadingPastIt) {
  for (const char* bad : {"", "{", "[1,", "{\"a\"", "{\"a\":}", "[1 2]", "\"abc", "\"\\u12",
                          "[true false]", "nul", "{} {}", "[\"\x01\"]", "\"\\", "-", "[1,]"}) {
    EXPECT_THAT(CanonicalizeJson(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(JcsTest, LimitsNesting) {
  const std::string deep = std::string(kMaxJsonDepth + 2, '[') + std::string(kMaxJsonDepth + 2, ']');
  EXPECT_THAT(CanonicalizeJson(deep),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper")));
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_EQ(Canonical(ok), ok);
}

TEST(JcsTest, CanonicalFormIsAFixedPoint) {
  const std::string once = Canonical(R"({"z":"\u00e9\/","a":[{"k":null}],"m":-12})");
  EXPECT_EQ(Canonical(once), once);
}

}  // namespace
}  // namespace veu::verifier
