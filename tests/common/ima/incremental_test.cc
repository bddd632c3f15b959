// Incremental verification, as specifications over rust-keylime's 826 real entries: a quote
// taken while entries were being appended matches a prefix and the rest is verified on the next
// report from the stored running PCR 10; only the new entries are replayed; the extend rule a
// node uses is found once per boot; a changed or discontinuous report is not matched.
#include "common/ima/incremental.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/crypto/digest.h"
#include "common/ima/runtime_appraisal.h"

namespace veu::ima {
namespace {

using ::testing::HasSubstr;

constexpr uint16_t kSha1 = 0x0004, kSha256 = 0x000B;

std::vector<std::string> Lines() {
  std::ifstream in(std::filesystem::path(VEU_FIXTURES_DIR) / "ima/rust-keylime/ascii_runtime_measurements");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line + "\n");
  }
  return lines;
}

// Lines [from, to) parsed with their record numbers in the whole log.
ParsedLog Part(const std::vector<std::string>& lines, size_t from, size_t to) {
  std::string text;
  for (size_t i = from; i < to; ++i) text += lines[i];
  ParseOptions o;
  o.first_record = from;
  o.template_hash_alg = kSha1;
  auto log = ParseAscii(text, o);
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? *std::move(log) : ParsedLog{};
}

// What a TPM that extended the first `n` entries quotes for PCR 10.
std::map<uint16_t, std::string> Quote(const std::vector<std::string>& lines, size_t n,
                                      std::vector<uint16_t> banks = {kSha1, kSha256},
                                      ExtendRule rule = ExtendRule::kPerBank) {
  const ParsedLog prefix = Part(lines, 0, n);
  std::map<uint16_t, std::string> q;
  for (uint16_t alg : banks) q[alg] = Replay(prefix, alg, alg == kSha1 ? ExtendRule::kPerBank : rule).at(kImaPcr);
  return q;
}

TEST(ImaIncremental, AWholeLogMatchesItsQuoteFromAFreshBoot) {
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 826u);
  const ImaIncrement r = VerifyIncrement({}, Part(lines, 0, 826), Quote(lines, 826));
  ASSERT_TRUE(r.matched) << r.detail;
  EXPECT_EQ(r.matched_entries, 826u);
  EXPECT_EQ(r.next.entries, 826u);
  ASSERT_EQ(r.next.banks.size(), 2u);
  EXPECT_EQ(r.next.banks[1].rule, ExtendRule::kPerBank);
}

TEST(ImaIncremental, AQuoteTakenWhileEntriesWereAppendedMatchesAPrefixAndTheRestNextTime) {
  const auto lines = Lines();
  // The agent quoted at 500 entries, then read 600 (100 appended meanwhile).
  const ImaIncrement first = VerifyIncrement({}, Part(lines, 0, 600), Quote(lines, 500));
  ASSERT_TRUE(first.matched) << first.detail;
  EXPECT_EQ(first.matched_entries, 500u);
  // Next report: only the entries from 500 on, replayed from the stored values.
  const ImaIncrement second = VerifyIncrement(first.next, Part(lines, 500, 826), Quote(lines, 826));
  ASSERT_TRUE(second.matched) << second.detail;
  EXPECT_EQ(second.matched_entries, 826u);
  EXPECT_EQ(second.next.banks, VerifyIncrement({}, Part(lines, 0, 826), Quote(lines, 826)).next.banks);
  // Nothing new since: the same quote matches zero new entries.
  const ImaIncrement idle = VerifyIncrement(second.next, Part(lines, 826, 826), Quote(lines, 826));
  ASSERT_TRUE(idle.matched);
  EXPECT_EQ(idle.matched_entries, 826u);
}

TEST(ImaIncremental, TheOlderPaddedSha1RuleIsFoundAtTheFirstMatchAndKeptForTheBoot) {
  const auto lines = Lines();
  const auto q = Quote(lines, 300, {kSha1, kSha256}, ExtendRule::kPaddedSha1);
  const ImaIncrement first = VerifyIncrement({}, Part(lines, 0, 300), q);
  ASSERT_TRUE(first.matched) << first.detail;
  ASSERT_EQ(first.next.banks.size(), 2u);
  EXPECT_EQ(first.next.banks[1].alg, kSha256);
  EXPECT_EQ(first.next.banks[1].rule, ExtendRule::kPaddedSha1);
  const ImaIncrement next = VerifyIncrement(first.next, Part(lines, 300, 826),
                                            Quote(lines, 826, {kSha1, kSha256}, ExtendRule::kPaddedSha1));
  EXPECT_TRUE(next.matched) << next.detail;
  // A per-bank quote is no longer accepted in this boot.
  EXPECT_FALSE(VerifyIncrement(first.next, Part(lines, 300, 826), Quote(lines, 826)).matched);
}

TEST(ImaIncremental, AQuoteNoPrefixReplaysToIsNotMatched) {
  const auto lines = Lines();
  auto q = Quote(lines, 826);
  q[kSha1][0] ^= 1;
  const ImaIncrement r = VerifyIncrement({}, Part(lines, 0, 826), q);
  EXPECT_FALSE(r.matched);
  EXPECT_THAT(r.detail, HasSubstr("IMA_REPLAY_MISMATCH"));
  EXPECT_THAT(r.detail, HasSubstr("sha1"));
  EXPECT_EQ(r.next.entries, 0u);
  // The quoted banks must agree on the prefix.
  auto mixed = Quote(lines, 400, {kSha1});
  mixed[kSha256] = Quote(lines, 401, {kSha256}).at(kSha256);
  EXPECT_THAT(VerifyIncrement({}, Part(lines, 0, 826), mixed).detail, HasSubstr("different entries"));
}

TEST(ImaIncremental, AReportThatDoesNotContinueTheAcceptedEntriesDiverged) {
  const auto lines = Lines();
  const ImaIncrement first = VerifyIncrement({}, Part(lines, 0, 500), Quote(lines, 500));
  ASSERT_TRUE(first.matched);
  const ImaIncrement r = VerifyIncrement(first.next, Part(lines, 400, 826), Quote(lines, 826));
  EXPECT_FALSE(r.matched);
  EXPECT_THAT(r.detail, HasSubstr("IMA_LOG_DIVERGED"));
}

TEST(ImaIncremental, ABankNotQuotedIsCarriedForwardAndOneNeverTrackedIsRefusedMidBoot) {
  const auto lines = Lines();
  const ImaIncrement a = VerifyIncrement({}, Part(lines, 0, 200), Quote(lines, 200));
  ASSERT_TRUE(a.matched);
  const ImaIncrement b = VerifyIncrement(a.next, Part(lines, 200, 600), Quote(lines, 600, {kSha1}));
  ASSERT_TRUE(b.matched) << b.detail;
  const ImaIncrement c = VerifyIncrement(b.next, Part(lines, 600, 826), Quote(lines, 826));
  EXPECT_TRUE(c.matched) << c.detail;
  const ImaIncrement sha1_only = VerifyIncrement({}, Part(lines, 0, 200), Quote(lines, 200, {kSha1}));
  ASSERT_TRUE(sha1_only.matched);
  const ImaIncrement late = VerifyIncrement(sha1_only.next, Part(lines, 200, 826), Quote(lines, 826));
  EXPECT_FALSE(late.matched);
  EXPECT_THAT(late.detail, HasSubstr("not tracked"));
}

TEST(ImaIncremental, AnIncrementalReportAppraisesOnlyTheEntriesItsQuoteCovers) {
  const auto lines = Lines();
  const ParsedLog tail = Part(lines, 500, 826);
  auto index = RuntimePolicyIndex::Build(v1::RuntimePolicy());
  ASSERT_TRUE(index.ok());
  RuntimeAppraisalOptions o;
  o.end = 600 - 500;  // the quote covered entries up to 600
  const RuntimeAppraisal a = RuntimeAppraiser(*index).Appraise(tail, 0, o);
  EXPECT_EQ(a.appraised, 100u);
  ASSERT_FALSE(a.findings.empty());
  EXPECT_EQ(a.findings.front().record, 500u);  // record numbers of the whole log
  EXPECT_EQ(a.findings.back().record, 599u);
}

}  // namespace
}  // namespace veu::ima
