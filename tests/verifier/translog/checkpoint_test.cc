// The checkpoint text is a public format: exact bytes, one text per checkpoint.
#include "verifier/translog/checkpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/hex.h"
#include "tests/support/status_matchers.h"

namespace veu::translog {
namespace {

using ::testing::HasSubstr;
using ::veu::testing::IsOkAndHolds;
using ::veu::testing::StatusIs;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

Checkpoint Example() {
  // The RFC 6962 reference tree of 8 leaves.
  return Checkpoint{
      "veu.example/log", 8,
      FromHex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328").value(),
      1764057600};
}

constexpr char kExampleText[] =
    "veu.example/log\n"
    "8\n"
    "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
    "timestamp 1764057600\n";

TEST(CheckpointTest, FormatsTheDocumentedText) {
  EXPECT_THAT(FormatCheckpoint(Example()), IsOkAndHolds(std::string(kExampleText)));
}

TEST(CheckpointTest, ParsesWhatItFormats) {
  EXPECT_THAT(ParseCheckpoint(kExampleText), IsOkAndHolds(Example()));
  Checkpoint empty{
      "o", 0, FromHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855").value(),
      0};
  EXPECT_THAT(ParseCheckpoint(FormatCheckpoint(empty).value()), IsOkAndHolds(empty));
}

TEST(CheckpointTest, RefusesOriginsThatCouldForgeLines) {
  Checkpoint c = Example();
  c.origin = "log\n9";
  EXPECT_THAT(FormatCheckpoint(c),
              StatusIs(kInvalid, HasSubstr("control character (0x0a) at byte 3")));
  c.origin = "";
  EXPECT_THAT(FormatCheckpoint(c), StatusIs(kInvalid, HasSubstr("origin is empty")));
  c = Example();
  c.root_hash.pop_back();
  EXPECT_THAT(FormatCheckpoint(c), StatusIs(kInvalid, HasSubstr("root hash has 31 bytes")));
}

TEST(CheckpointTest, RejectsNonCanonicalSizesAndTimestamps) {
  for (const char* size : {"08", "+8", "", " 8", "8 ", "0x8", "18446744073709551616"}) {
    const std::string text = std::string("veu.example/log\n") + size +
                             "\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntimestamp 1\n";
    EXPECT_THAT(ParseCheckpoint(text), StatusIs(kInvalid, HasSubstr("size (line 2)"))) << size;
  }
  EXPECT_THAT(ParseCheckpoint("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntimestamp 01\n"),
              StatusIs(kInvalid, HasSubstr("timestamp (line 4)")));
  EXPECT_THAT(ParseCheckpoint("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntime 1\n"),
              StatusIs(kInvalid, HasSubstr("must be 'timestamp <unix seconds>'")));
}

TEST(CheckpointTest, RejectsRootsThatAreNotCanonicalBase64OfThirtyTwoBytes) {
  for (const char* root : {"XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg",   // no padding
                           "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=",  // URL alphabet
                           "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=",  // non-zero pad bits
                           "AAAA"}) {
    const std::string text = std::string("o\n8\n") + root + "\ntimestamp 1\n";
    EXPECT_THAT(ParseCheckpoint(text), StatusIs(kInvalid, HasSubstr("line 3"))) << root;
  }
}

TEST(CheckpointTest, RejectsWrongLineStructure) {
  const std::string text = kExampleText;
  EXPECT_THAT(ParseCheckpoint(text.substr(0, text.size() - 1)),
              StatusIs(kInvalid, HasSubstr("must end with a newline")));
  EXPECT_THAT(ParseCheckpoint(text + "extra\n"), StatusIs(kInvalid, HasSubstr("has 5 lines")));
  EXPECT_THAT(ParseCheckpoint("o\n8\ntimestamp 1\n"), StatusIs(kInvalid, HasSubstr("has 3 lines")));
  EXPECT_THAT(ParseCheckpoint(""), StatusIs(kInvalid));
}

}  // namespace
}  // namespace veu::translog
