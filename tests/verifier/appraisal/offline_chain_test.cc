// CheckOfflineChain: what a chain of self-challenged offline quotes proves, with real signed
// quotes from a software AK (no TPM, no I/O).
#include "verifier/appraisal/offline_chain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto/digest.h"
#include "common/proto_time.h"
#include "common/tpm/quote.h"
#include "tests/common/tpm/quote_builder.h"

namespace veu::verifier {
namespace {

using ::testing::HasSubstr;
using ::veu::tpm::testing::BuildQuote;
using ::veu::tpm::testing::QuoteSpec;
using ::veu::tpm::testing::Sel;
using ::veu::tpm::testing::TestAk;

const std::vector<veu::v1::PcrSelection> kSelection = {Sel(crypto::kAlgSha256, {0, 7, 10})};

struct Clock {
  uint64_t clock;
  uint32_t reset = 3;
  uint32_t restart = 1;
};

class OfflineChainTest : public ::testing::Test {
 protected:
  OfflineChainTest() : ak_(TestAk::Make(TestAk::kEccP256)), ak_public_(ak_.Public()) {
    // The anchor: the last quote that answered a verifier nonce.
    QuoteSpec spec;
    spec.selection = kSelection;
    spec.extra_data = tpm::QualifyingData("verifier-nonce-0123456789abcdef!", "facts");
    spec.clock = 1000;
    anchor_.attest_sha256 = crypto::Sha256(BuildQuote(ak_, spec).evidence.attest);
    anchor_.clock = {1000, 3, 1, true};
  }

  // An offline quote chained to `previous`, signed by the AK.
  veu::v1::OfflineQuote Entry(const std::string& previous, Clock c, int n) {
    veu::v1::OfflineQuote q;
    q.set_facts(absl::StrCat("facts #", n));
    q.set_previous(previous);
    QuoteSpec spec;
    spec.selection = kSelection;
    spec.extra_data = tpm::QualifyingData(previous, q.facts());
    spec.clock = c.clock;
    spec.reset_count = c.reset;
    spec.restart_count = c.restart;
    tpm::QuoteEvidence e = BuildQuote(ak_, spec).evidence;
    q.mutable_quote()->set_attest(e.attest);
    q.mutable_quote()->set_signature(e.signature);
    for (auto& v : e.pcr_values) *q.mutable_quote()->add_pcr_values() = v;
    *q.mutable_taken_at() = ToProtoTime(absl::FromUnixSeconds(1'800'000'000 + 30 * n));
    return q;
  }

  // `n` entries chained from the anchor, the TPM clock advancing 30 s each.
  std::vector<veu::v1::OfflineQuote> Chain(int n) {
    std::vector<veu::v1::OfflineQuote> out;
    std::string previous = anchor_.attest_sha256;
    for (int i = 0; i < n; ++i) {
      out.push_back(Entry(previous, {1000 + 30'000u * (i + 1)}, i));
      previous = crypto::Sha256(out.back().quote().attest());
    }
    return out;
  }

  OfflineChainReport Check(const std::vector<veu::v1::OfflineQuote>& quotes,
                           uint64_t dropped = 0, uint64_t unreadable = 0) {
    OfflineChainInput in;
    in.ak = &ak_public_;
    in.anchor = anchor_;
    in.pcr_selection = kSelection;
    in.dropped = dropped;
    in.unreadable = unreadable;
    return CheckOfflineChain(in, quotes);
  }

  TestAk ak_;
  tpm::AkPublicKey ak_public_;
  ChainAnchor anchor_;
};

TEST_F(OfflineChainTest, AnUnbrokenChainIsContinuousButNeverFresh) {
  const auto chain = Chain(4);
  OfflineChainReport r = Check(chain);
  EXPECT_TRUE(r.continuous());
  EXPECT_EQ(r.verified, 4u);
  for (const OfflineEntryResult& e : r.entries) {
    EXPECT_TRUE(e.verified);
    EXPECT_EQ(e.reason, veu::v1::OFFLINE_NO_FRESHNESS);
    EXPECT_THAT(e.detail, HasSubstr("not freshness"));
  }
  EXPECT_EQ(r.tip_attest_sha256, crypto::Sha256(chain.back().quote().attest()));
  ASSERT_TRUE(r.tip_clock.has_value());
  EXPECT_EQ(r.tip_clock->clock, 121000u);
  EXPECT_THAT(r.Summary(), HasSubstr("offline, continuous: 4 quotes, 4 verified"));
  EXPECT_THAT(r.Summary(), HasSubstr("31000..121000 ms"));
  EXPECT_THAT(r.Summary(), HasSubstr("no verifier freshness"));
}

TEST_F(OfflineChainTest, AnEmptyUploadIsContinuousWithNothingToShow) {
  OfflineChainReport r = Check({});
  EXPECT_TRUE(r.continuous());
  EXPECT_TRUE(r.tip_attest_sha256.empty());
}

TEST_F(OfflineChainTest, AForgedLinkBreaksTheChainThoughTheQuoteIsGenuine) {
  auto chain = Chain(3);
  // Entry 2 is a real quote of the AK, but chained to something else than entry 1.
  chain[2] = Entry(crypto::Sha256("not entry 1"), {91000}, 2);
  OfflineChainReport r = Check(chain);
  EXPECT_FALSE(r.continuous());
  EXPECT_EQ(r.verified, 3u);
  ASSERT_EQ(r.breaks.size(), 1u);
  EXPECT_EQ(r.breaks[0].index, 2);
  EXPECT_EQ(r.breaks[0].reason, veu::v1::OFFLINE_LINK_BROKEN);
  EXPECT_THAT(r.Summary(), HasSubstr("broken (entry 2"));
}

TEST_F(OfflineChainTest, AFirstEntryNotChainedToTheAnchorIsABreak) {
  auto chain = Chain(2);
  anchor_.attest_sha256 = crypto::Sha256("some other quote");
  OfflineChainReport r = Check(chain);
  ASSERT_FALSE(r.breaks.empty());
  EXPECT_EQ(r.breaks[0].index, 0);
  EXPECT_EQ(r.breaks[0].reason, veu::v1::OFFLINE_LINK_BROKEN);
  EXPECT_THAT(r.breaks[0].detail, HasSubstr("not to the anchor"));
}

TEST_F(OfflineChainTest, ReorderedEntriesBreakTheirLinksAndTheClock) {
  auto chain = Chain(3);
  std::swap(chain[1], chain[2]);
  OfflineChainReport r = Check(chain);
  EXPECT_FALSE(r.continuous());
  std::vector<veu::v1::ReasonCode> reasons;
  for (const ChainBreak& b : r.breaks) reasons.push_back(b.reason);
  EXPECT_THAT(reasons, ::testing::Contains(veu::v1::OFFLINE_LINK_BROKEN));
  EXPECT_THAT(reasons, ::testing::Contains(veu::v1::OFFLINE_CLOCK_REGRESSED));
}

TEST_F(OfflineChainTest, AClockGoingBackwardsWithTheSameCountsIsABreak) {
  auto chain = Chain(1);
  chain.push_back(Entry(crypto::Sha256(chain[0].quote().attest()), {2000}, 1));
  OfflineChainReport r = Check(chain);
  ASSERT_EQ(r.breaks.size(), 1u);
  EXPECT_EQ(r.breaks[0].reason, veu::v1::OFFLINE_CLOCK_REGRESSED);
  EXPECT_EQ(r.breaks[0].index, 1);
  EXPECT_THAT(r.breaks[0].detail, HasSubstr("31000 -> 2000 ms"));
}

TEST_F(OfflineChainTest, AResetCountChangeIsARebootEvenWhenTheLinksHold) {
  auto chain = Chain(2);
  // After a reboot the agent chains on from its spool: the link holds, the TPM says reset.
  chain.push_back(Entry(crypto::Sha256(chain[1].quote().attest()), {500, 4, 0}, 2));
  chain.push_back(Entry(crypto::Sha256(chain[2].quote().attest()), {30500, 4, 0}, 3));
  OfflineChainReport r = Check(chain);
  EXPECT_EQ(r.verified, 4u);
  ASSERT_EQ(r.breaks.size(), 1u);
  EXPECT_EQ(r.breaks[0].reason, veu::v1::OFFLINE_TPM_REBOOTED);
  EXPECT_EQ(r.breaks[0].index, 2);
  EXPECT_THAT(r.Summary(), HasSubstr("broken (reboot at entry 2 (agent clock "));
  EXPECT_THAT(r.Summary(), HasSubstr("resetCount 3 -> 4"));
  ASSERT_TRUE(r.tip_clock.has_value());
  EXPECT_EQ(r.tip_clock->reset_count, 4u);
}

TEST_F(OfflineChainTest, ARestartCountChangeIsABreak) {
  auto chain = Chain(1);
  chain.push_back(Entry(crypto::Sha256(chain[0].quote().attest()), {61000, 3, 2}, 1));
  OfflineChainReport r = Check(chain);
  ASSERT_EQ(r.breaks.size(), 1u);
  EXPECT_EQ(r.breaks[0].reason, veu::v1::OFFLINE_TPM_RESTARTED);
}

TEST_F(OfflineChainTest, ARebootBeforeTheFirstEntryIsSeenAgainstTheAnchor) {
  std::vector<veu::v1::OfflineQuote> chain = {Entry(anchor_.attest_sha256, {100, 4, 0}, 0)};
  OfflineChainReport r = Check(chain);
  ASSERT_EQ(r.breaks.size(), 1u);
  EXPECT_EQ(r.breaks[0].reason, veu::v1::OFFLINE_TPM_REBOOTED);
  EXPECT_EQ(r.breaks[0].index, 0);
}

TEST_F(OfflineChainTest, AForgedSignatureIsRefusedAndBreaksTheNextLinkToo) {
  auto chain = Chain(3);
  std::string sig = chain[1].quote().signature();
  sig[sig.size() - 3] ^= 0x40;
  chain[1].mutable_quote()->set_signature(sig);
  OfflineChainReport r = Check(chain);
  EXPECT_EQ(r.verified, 2u);
  EXPECT_FALSE(r.entries[1].verified);
  EXPECT_FALSE(r.entries[1].clock.has_value());
  EXPECT_FALSE(r.continuous());
  ASSERT_FALSE(r.breaks.empty());
  EXPECT_EQ(r.breaks[0].index, 1);
  // The tip is the last entry that verified.
  EXPECT_EQ(r.tip_attest_sha256, crypto::Sha256(chain[2].quote().attest()));
}

TEST_F(OfflineChainTest, FactsChangedAfterQuotingDoNotVerify) {
  auto chain = Chain(2);
  chain[1].set_facts("facts edited later");
  OfflineChainReport r = Check(chain);
  EXPECT_FALSE(r.entries[1].verified);
  EXPECT_EQ(r.entries[1].reason, veu::v1::QUOTE_QUALIFYING_DATA_MISMATCH);
}

TEST_F(OfflineChainTest, AMalformedPreviousIsRefusedNotRead) {
  auto chain = Chain(1);
  chain[0].set_previous("short");
  OfflineChainReport r = Check(chain);
  EXPECT_FALSE(r.entries[0].verified);
  EXPECT_EQ(r.entries[0].reason, veu::v1::OFFLINE_LINK_BROKEN);
}

TEST_F(OfflineChainTest, DroppedAndUnreadableEntriesAreNeverSilent) {
  auto chain = Chain(4);
  // The spool dropped the two oldest: what is left starts at entry 2 of the gap.
  std::vector<veu::v1::OfflineQuote> kept(chain.begin() + 2, chain.end());
  OfflineChainReport r = Check(kept, /*dropped=*/2, /*unreadable=*/1);
  EXPECT_EQ(r.verified, 2u);
  EXPECT_FALSE(r.continuous());
  ASSERT_EQ(r.breaks.size(), 2u);  // the first kept entry's link is not counted twice
  EXPECT_EQ(r.breaks[0].reason, veu::v1::OFFLINE_ENTRIES_DROPPED);
  EXPECT_EQ(r.breaks[1].reason, veu::v1::OFFLINE_ENTRY_UNREADABLE);
  EXPECT_THAT(r.Summary(), HasSubstr("2 oldest entries dropped"));
}

TEST_F(OfflineChainTest, WithoutAnAnchorNothingIsContinuous) {
  const auto chain = Chain(2);
  anchor_.attest_sha256.clear();
  OfflineChainReport r = Check(chain);
  EXPECT_EQ(r.verified, 2u);
  EXPECT_FALSE(r.continuous());
  ASSERT_EQ(r.breaks.size(), 1u);
  EXPECT_THAT(r.breaks[0].detail, HasSubstr("no anchor"));
}

TEST_F(OfflineChainTest, AQuoteOfAnotherSelectionIsRefused) {
  auto chain = Chain(1);
  OfflineChainInput in;
  in.ak = &ak_public_;
  in.anchor = anchor_;
  in.pcr_selection = {Sel(crypto::kAlgSha256, {0, 1})};
  OfflineChainReport r = CheckOfflineChain(in, chain);
  EXPECT_FALSE(r.entries[0].verified);
  EXPECT_EQ(r.entries[0].reason, veu::v1::QUOTE_PCR_SELECTION_MISMATCH);
}

}  // namespace
}  // namespace veu::verifier
