// BindToQuote: the only way to a VerifiedEventLog.
#include "common/eventlog/binding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/eventlog/event_types.h"
#include "common/eventlog/facts.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"
#include "tests/common/eventlog/fixtures.h"
#include "tests/common/eventlog/log_builder.h"
#include "tests/support/status_matchers.h"

namespace veu::eventlog {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::LogBuilder;

constexpr uint16_t kSha1 = crypto::kAlgSha1;
constexpr uint16_t kSha256 = crypto::kAlgSha256;

UnverifiedEventLog Parse(const std::string& bytes) {
  auto log = ParseEventLog(bytes);
  EXPECT_TRUE(log.ok()) << log.status();
  return *std::move(log);
}

UnverifiedEventLog Rhel8() { return Parse(testing::FixtureLog("go-tpm-tools__rhel8-uefi.bin")); }

TEST(Binding, AcceptsALogThatReplaysToTheQuotedPcrs) {
  const UnverifiedEventLog log = Rhel8();
  BindingOutcome outcome = BindToQuote(log, Replay(log));
  ASSERT_TRUE(outcome.verified.has_value());
  EXPECT_EQ(outcome.check.check(), "eventlog.replay");
  EXPECT_EQ(outcome.check.status(), veu::v1::CHECK_PASS);
  EXPECT_EQ(outcome.verified->bound_pcrs().size(), 11u);
}

TEST(Binding, RejectsNamingTheFirstPcrAndBankThatDiffer) {
  const UnverifiedEventLog log = Rhel8();
  PcrValues quoted = Replay(log);
  quoted[kSha256][7][0] ^= 1;
  quoted[kSha1][4][0] ^= 1;
  quoted[kSha256][4][0] ^= 1;
  BindingOutcome outcome = BindToQuote(log, quoted);
  EXPECT_FALSE(outcome.verified.has_value());
  EXPECT_EQ(outcome.check.status(), veu::v1::CHECK_FAIL);
  EXPECT_EQ(outcome.check.reason(), veu::v1::EVENTLOG_REPLAY_MISMATCH);
  EXPECT_EQ(outcome.mismatch_pcr, 4u);
  EXPECT_EQ(outcome.mismatch_alg, kSha1);
  EXPECT_THAT(outcome.check.detail(), HasSubstr("PCR 4 (sha1)"));
}

TEST(Binding, IgnoresQuotedPcrsTheLogDoesNotExtend) {
  const UnverifiedEventLog log = Rhel8();
  PcrValues quoted = Replay(log);
  quoted[kSha256][10] = std::string(32, '\x42');  // IMA's PCR: not in the firmware log
  EXPECT_TRUE(BindToQuote(log, quoted).verified.has_value());
}

TEST(Binding, IsNotEvaluatedWhenTheQuoteCoversNoPcrOfTheLogsBanks) {
  const UnverifiedEventLog log = Parse(testing::FixtureLog("go-tpm-tools__debian-10.bin"));
  PcrValues quoted;
  quoted[kSha256][0] = std::string(32, '\0');  // the log is SHA-1 only
  BindingOutcome outcome = BindToQuote(log, quoted);
  EXPECT_FALSE(outcome.verified.has_value());
  EXPECT_EQ(outcome.check.status(), veu::v1::CHECK_NOT_EVALUATED);
  EXPECT_EQ(outcome.check.reason(), veu::v1::EVENTLOG_BANK_MISSING);
}

TEST(Binding, VouchesOnlyForQuotedPcrsSoUnquotedPcr7YieldsNoSecureBootFacts) {
  const UnverifiedEventLog log = Rhel8();
  PcrValues quoted;
  for (uint32_t pcr = 0; pcr < 7; ++pcr) quoted[kSha256][pcr] = Replay(log).at(kSha256).at(pcr);
  BindingOutcome outcome = BindToQuote(log, quoted);
  ASSERT_TRUE(outcome.verified.has_value());
  EXPECT_FALSE(outcome.verified->IsBound(7));
  const veu::v1::MeasuredBootFacts facts = ExtractFacts(*outcome.verified);
  EXPECT_FALSE(facts.secure_boot().evaluated());
  EXPECT_FALSE(facts.boot_applications().empty());  // PCR 4 was quoted
}

TEST(Binding, RejectsALogMissingEveryEventOfAFirmwarePcrTheQuoteCovers) {
  LogBuilder full;
  full.Add(0, kEvPostCode, "a").Add(2, kEvSeparator, std::string(4, '\0'));
  LogBuilder without_pcr2;
  without_pcr2.Add(0, kEvPostCode, "a");
  BindingOutcome outcome = BindToQuote(Parse(without_pcr2.Build()), Replay(Parse(full.Build())));
  EXPECT_EQ(outcome.check.reason(), veu::v1::EVENTLOG_REPLAY_MISMATCH);
  EXPECT_EQ(outcome.mismatch_pcr, 2u);
}

TEST(Binding, AcceptsTheQuotesPcrValueList) {
  const UnverifiedEventLog log = Rhel8();
  std::vector<veu::v1::PcrValue> list;
  for (uint32_t pcr = 0; pcr < 8; ++pcr) {
    veu::v1::PcrValue v;
    v.set_hash_alg(kSha256);
    v.set_index(pcr);
    v.set_digest(Replay(log).at(kSha256).at(pcr));
    list.push_back(v);
  }
  BindingOutcome outcome = BindToQuote(log, list);
  ASSERT_TRUE(outcome.verified.has_value());
  EXPECT_THAT(outcome.verified->bound_pcrs(), ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
  list[5].set_digest(std::string(32, '\0'));
  EXPECT_EQ(BindToQuote(log, list).mismatch_pcr, 5u);
}

TEST(Binding, ExtendOperationsReproduceTheReplay) {
  const UnverifiedEventLog log =
      Parse(testing::FixtureLog("go-tpm-tools__glinux-alex.bin"));  // has StartupLocality 3
  PcrValues manual;
  for (const ExtendOperation& op : ExtendOperations(log)) {
    std::string& pcr = manual[op.alg][op.pcr];
    if (pcr.empty()) {
      pcr.assign(crypto::DigestSize(op.alg), '\0');
      if (op.pcr == 0) pcr.back() = static_cast<char>(log.startup_locality().value_or(0));
    }
    pcr = testing::Hash(op.alg, pcr + op.digest);
  }
  EXPECT_EQ(manual, Replay(log));
}

TEST(Binding, ABankSomeRecordLacksIsNotReplayed) {
  LogBuilder b;
  b.Add(0, kEvPostCode, "x");
  b.AddWithDigests(1, kEvPostCode, "y", {{kSha256, testing::Hash(kSha256, "y")}});
  const UnverifiedEventLog log = Parse(b.Build());
  const PcrValues pcrs = Replay(log);
  EXPECT_EQ(pcrs.count(kSha1), 0u);
  EXPECT_EQ(pcrs.count(kSha256), 1u);
}

TEST(Binding, OfflineTrustBindsEveryExtendedPcr) {
  const UnverifiedEventLog log = Rhel8();
  EXPECT_EQ(TrustForOfflineReview(log).bound_pcrs().size(), 11u);
}

}  // namespace
}  // namespace veu::eventlog
