// ParseEventLog: formats, header table, unknown algorithms, and every bound it enforces.
#include "common/eventlog/parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/eventlog/event_types.h"
#include "common/eventlog/replay.h"
#include "tests/common/eventlog/log_builder.h"
#include "tests/support/status_matchers.h"

namespace veu::eventlog {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::LogBuilder;
using testing::PutU16;
using testing::PutU32;
using ::veu::testing::StatusIs;

constexpr uint16_t kSha1 = crypto::kAlgSha1;
constexpr uint16_t kSha256 = crypto::kAlgSha256;

TEST(Parser, ParsesCryptoAgileLogWithItsBanksAndRecordNumbers) {
  std::string bytes =
      LogBuilder().Add(0, kEvSCrtmVersion, testing::Utf16("v1", true)).Separators().Build();
  auto log = ParseEventLog(bytes);
  ASSERT_OK(log);
  EXPECT_EQ(log->format(), LogFormat::kCryptoAgile);
  ASSERT_EQ(log->banks().size(), 2u);
  EXPECT_EQ(log->banks()[1].alg, kSha256);
  ASSERT_EQ(log->events().size(), 10u);
  EXPECT_EQ(log->events()[0].type, kEvNoAction);
  EXPECT_EQ(log->events()[1].record, 1u);
  EXPECT_EQ(log->events()[1].binding, DataBinding::kVerified);
  EXPECT_EQ(log->events()[9].pcr, 7u);
}

TEST(Parser, ParsesLegacySha1Log) {
  auto log = ParseEventLog(LogBuilder::Legacy().Add(0, kEvPostCode, "code").Separators().Build());
  ASSERT_OK(log);
  EXPECT_EQ(log->format(), LogFormat::kLegacySha1);
  EXPECT_EQ(log->events().size(), 9u);
  EXPECT_EQ(Replay(*log).count(kSha1), 1u);
}

TEST(Parser, SkipsDigestsOfUnknownAlgorithmsUsingTheHeaderSizes) {
  // 0x0099 is no algorithm we know; its 24-byte digests must be stepped over exactly.
  LogBuilder b({{0x0099, 24}, {kSha256, 32}});
  auto log = ParseEventLog(b.Add(0, kEvPostCode, "x").Add(1, kEvPostCode, "y").Build());
  ASSERT_OK(log);
  EXPECT_FALSE(log->banks()[0].known);
  const PcrValues pcrs = Replay(*log);
  EXPECT_EQ(pcrs.count(0x0099), 0u);
  ASSERT_EQ(pcrs.count(kSha256), 1u);
  EXPECT_EQ(pcrs.at(kSha256).size(), 2u);
}

TEST(Parser, RejectsEmptyInput) {
  EXPECT_THAT(ParseEventLog(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Parser, RejectsDigestCountAboveTheHeaderAlgorithmCount) {
  LogBuilder b;
  b.AddWithDigests(0, kEvPostCode, "x",
                   {{kSha1, std::string(20, 'a')},
                    {kSha256, std::string(32, 'b')},
                    {kSha1, std::string(20, 'c')}});
  EXPECT_THAT(ParseEventLog(b.Build()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("record 1"), HasSubstr("digest count 3"))));
}

TEST(Parser, RejectsHugeDigestCountWithoutAllocating) {
  std::string bytes = LogBuilder().SpecIdHeader();
  PutU32(&bytes, 0);
  PutU32(&bytes, kEvPostCode);
  PutU32(&bytes, 0xFFFFFFFF);
  EXPECT_THAT(ParseEventLog(bytes),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("digest count 4294967295")));
}

TEST(Parser, RejectsAlgorithmTheHeaderDoesNotDeclare) {
  LogBuilder b;
  b.AddWithDigests(0, kEvPostCode, "x", {{crypto::kAlgSha384, std::string(48, 'a')}});
  EXPECT_THAT(ParseEventLog(b.Build()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not declare")));
}

TEST(Parser, RejectsRepeatedAlgorithmInOneRecord) {
  LogBuilder b;
  b.AddWithDigests(0, kEvPostCode, "x",
                   {{kSha1, std::string(20, 'a')}, {kSha1, std::string(20, 'a')}});
  EXPECT_THAT(ParseEventLog(b.Build()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("twice")));
}

TEST(Parser, RejectsEventSizeBeyondTheBufferNamingOffsetAndRecord) {
  std::string bytes = LogBuilder().Add(0, kEvPostCode, "abcd").Build();
  bytes.resize(bytes.size() - 1);
  EXPECT_THAT(ParseEventLog(bytes),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("record 1 at byte offset"), HasSubstr("overruns"))));
}

TEST(Parser, RejectsEventSizeAboveTheLimit) {
  std::string bytes = LogBuilder::Legacy().Build();
  PutU32(&bytes, 0);
  PutU32(&bytes, kEvPostCode);
  bytes += std::string(20, '\0');
  PutU32(&bytes, kMaxEventDataBytes + 1);
  EXPECT_THAT(ParseEventLog(bytes),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limit")));
}

TEST(Parser, RejectsPcrIndexAbove31) {
  EXPECT_THAT(ParseEventLog(LogBuilder().Add(32, kEvPostCode, "x").Build()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("PCR index 32")));
}

TEST(Parser, StopsAtTheWindowsTrailerWhosePcrIndexIsMinusOne) {
  std::string bytes = LogBuilder().Add(0, kEvPostCode, "x").Build();
  PutU32(&bytes, 0xFFFFFFFF);
  bytes += "anything Windows appends";
  auto log = ParseEventLog(bytes);
  ASSERT_OK(log);
  EXPECT_EQ(log->events().size(), 2u);
  EXPECT_EQ(log->trailer_bytes(), 28u);
}

std::string SpecIdWith(uint32_t algorithms, std::vector<std::pair<uint16_t, uint16_t>> table) {
  std::string data("Spec ID Event03\0", 16);
  PutU32(&data, 0);
  data += std::string("\x00\x02\x00\x02", 4);
  PutU32(&data, algorithms);
  for (auto [alg, size] : table) {
    PutU16(&data, alg);
    PutU16(&data, size);
  }
  data.push_back('\0');
  std::string rec;
  PutU32(&rec, 0);
  PutU32(&rec, kEvNoAction);
  rec += std::string(20, '\0');
  PutU32(&rec, static_cast<uint32_t>(data.size()));
  return rec + data;
}

TEST(Parser, RejectsSpecIdHeaderWithoutAlgorithms) {
  EXPECT_THAT(ParseEventLog(SpecIdWith(0, {})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("numberOfAlgorithms 0")));
}

TEST(Parser, RejectsSpecIdHeaderWithHugeAlgorithmCount) {
  EXPECT_THAT(ParseEventLog(SpecIdWith(0x7FFFFFFF, {{kSha1, 20}})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("numberOfAlgorithms")));
}

TEST(Parser, RejectsKnownAlgorithmDeclaredWithTheWrongDigestSize) {
  EXPECT_THAT(ParseEventLog(SpecIdWith(1, {{kSha256, 20}})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not 32")));
}

TEST(Parser, HonoursStartupLocalityForPcr0) {
  auto log = ParseEventLog(LogBuilder().StartupLocality(3).Add(0, kEvPostCode, "x").Build());
  ASSERT_OK(log);
  ASSERT_TRUE(log->startup_locality().has_value());
  EXPECT_EQ(*log->startup_locality(), 3);
  std::string initial(32, '\0');
  initial[31] = 3;
  EXPECT_EQ(Replay(*log).at(kSha256).at(0),
            testing::Hash(kSha256, initial + testing::Hash(kSha256, "x")));
}

TEST(Parser, NeverExtendsNoActionEvents) {
  auto log = ParseEventLog(LogBuilder().Add(0, kEvNoAction, "SP800-155 Event3").Build());
  ASSERT_OK(log);
  EXPECT_TRUE(Replay(*log).at(kSha256).empty());
}

}  // namespace
}  // namespace veu::eventlog
