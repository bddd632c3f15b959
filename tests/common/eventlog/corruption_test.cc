// Logs corrupted on purpose: truncated at every offset, lengths changed, records reordered,
// inserted or removed, data changed under an unchanged digest. Each is either rejected with an
// error naming offset and record, or caught by binding or findings; none crashes or passes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/eventlog/binding.h"
#include "common/eventlog/event_types.h"
#include "common/eventlog/facts.h"
#include "common/eventlog/findings.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"
#include "tests/common/eventlog/fixtures.h"
#include "tests/support/status_matchers.h"

namespace veu::eventlog {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::veu::testing::StatusIs;

// Byte ranges of each record of a parsed log.
std::vector<std::pair<size_t, size_t>> RecordRanges(const UnverifiedEventLog& log) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t i = 0; i < log.events().size(); ++i) {
    size_t end = i + 1 < log.events().size() ? log.events()[i + 1].offset : log.raw().size();
    out.emplace_back(log.events()[i].offset, end);
  }
  return out;
}

size_t SizeFieldOffset(const UnverifiedEventLog& log, const Event& e) {
  return static_cast<size_t>(e.data.data() - log.raw().data()) - 4;
}

// True if the corrupted log cannot pass for the original: it does not parse, does not bind
// to the original's PCR values, or raises a finding.
bool Detected(const std::string& corrupted, const PcrValues& original) {
  auto log = ParseEventLog(corrupted);
  if (!log.ok()) {
    EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(log.status().message(), AllOf(HasSubstr("record"), HasSubstr("offset")));
    return true;
  }
  BindingOutcome bound = BindToQuote(*log, original);
  return !bound.verified.has_value() || !FindStructuralProblems(*log).empty();
}

class CorruptedFixture : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    bytes_ = testing::FixtureLog(GetParam());
    auto log = ParseEventLog(bytes_);
    ASSERT_OK(log);
    log_.emplace(*std::move(log));
    pcrs_ = Replay(*log_);
  }
  std::string bytes_;
  std::optional<UnverifiedEventLog> log_;
  PcrValues pcrs_;
};

TEST_P(CorruptedFixture, TruncationAtEveryOffsetIsRejectedOrYieldsAPrefixOfTheLog) {
  const auto ranges = RecordRanges(*log_);
  for (size_t cut = 1; cut < bytes_.size(); ++cut) {
    auto log = ParseEventLog(std::string_view(bytes_).substr(0, cut));
    const bool at_boundary =
        std::any_of(ranges.begin(), ranges.end(), [&](const auto& r) { return r.second == cut; });
    if (at_boundary) {
      ASSERT_OK(log) << "cut at record boundary " << cut;
      EXPECT_LT(log->events().size(), log_->events().size());
    } else {
      ASSERT_THAT(log, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("record")))
          << "cut at " << cut;
    }
  }
}

TEST_P(CorruptedFixture, ChangedEventSizesAreDetected) {
  for (const Event& e : log_->events()) {
    if (e.record == 0) continue;  // the header's size is covered by the header tests
    const size_t at = SizeFieldOffset(*log_, e);
    for (uint32_t size :
         {static_cast<uint32_t>(e.data.size() + 1),
          static_cast<uint32_t>(e.data.size() ? e.data.size() - 1 : 7), 0xFFFFFFFFu, 0x7FFFFFFFu}) {
      std::string bad = bytes_;
      for (int i = 0; i < 4; ++i) bad[at + i] = static_cast<char>((size >> (8 * i)) & 0xFF);
      EXPECT_TRUE(Detected(bad, pcrs_)) << "record " << e.record << " size " << size;
    }
  }
}

TEST_P(CorruptedFixture, SwappedRecordsFailBindingAtTheirPcr) {
  const auto ranges = RecordRanges(*log_);
  const auto& events = log_->events();
  int swaps = 0;
  for (size_t i = 1; i + 1 < events.size() && swaps < 5; ++i) {
    const Event& a = events[i];
    const Event& b = events[i + 1];
    if (a.pcr != b.pcr || a.type == kEvNoAction || b.type == kEvNoAction ||
        a.digests[0].digest == b.digests[0].digest) {
      continue;
    }
    std::string bad =
        bytes_.substr(0, ranges[i].first) +
        bytes_.substr(ranges[i + 1].first, ranges[i + 1].second - ranges[i + 1].first) +
        bytes_.substr(ranges[i].first, ranges[i].second - ranges[i].first) +
        bytes_.substr(ranges[i + 1].second);
    auto log = ParseEventLog(bad);
    ASSERT_OK(log);
    BindingOutcome outcome = BindToQuote(*log, pcrs_);
    EXPECT_FALSE(outcome.verified.has_value());
    EXPECT_EQ(outcome.check.reason(), veu::v1::EVENTLOG_REPLAY_MISMATCH);
    EXPECT_EQ(outcome.mismatch_pcr, a.pcr);
    ++swaps;
  }
}

TEST_P(CorruptedFixture, InsertedOrRemovedRecordsFailBinding) {
  const auto ranges = RecordRanges(*log_);
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (log_->events()[i].type == kEvNoAction) continue;
    const std::string record = bytes_.substr(ranges[i].first, ranges[i].second - ranges[i].first);
    const std::string removed = bytes_.substr(0, ranges[i].first) + bytes_.substr(ranges[i].second);
    const std::string inserted =
        bytes_.substr(0, ranges[i].second) + record + bytes_.substr(ranges[i].second);
    const uint32_t pcr = log_->events()[i].pcr;
    for (const std::string* bad : {&removed, &inserted}) {
      auto log = ParseEventLog(*bad);
      ASSERT_OK(log);
      BindingOutcome outcome = BindToQuote(*log, pcrs_);
      if (bad == &removed && pcr >= 8 && !Replay(*log).begin()->second.count(pcr)) {
        // The only event of an OS-owned PCR is gone: that PCR is no longer vouched for,
        // so nothing is believed from it (others, like IMA, extend PCRs above 7 too).
        ASSERT_TRUE(outcome.verified.has_value());
        EXPECT_FALSE(outcome.verified->IsBound(pcr));
        continue;
      }
      EXPECT_EQ(outcome.check.reason(), veu::v1::EVENTLOG_REPLAY_MISMATCH) << "record " << i;
      EXPECT_EQ(outcome.mismatch_pcr, pcr);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SmallFixtures, CorruptedFixture,
                         ::testing::Values("tpm2-tools__event-sd-boot-fedora37.bin",
                                           "tpm2-tools__event-uefi-sha1-log.bin",
                                           "go-tpm-tools__glinux-alex.bin"),
                         testing::ParamName);

// The attack a replay cannot see: real digests, invented data. Here rhel8's "SecureBoot=1"
// variable says 0 instead (or the reverse would claim Secure Boot on a machine without it).
TEST(DataUnderUnchangedDigest, IsFlaggedAndYieldsNoFacts) {
  std::string bytes = testing::FixtureLog("go-tpm-tools__rhel8-uefi.bin");
  auto original = ParseEventLog(bytes);
  ASSERT_OK(original);
  const Event& sb = original->events()[3];  // EV_EFI_VARIABLE_DRIVER_CONFIG SecureBoot
  ASSERT_EQ(sb.type, kEvEfiVariableDriverConfig);
  const size_t value_at =
      static_cast<size_t>(sb.data.data() - original->raw().data()) + sb.data.size() - 1;
  ASSERT_EQ(bytes[value_at], 1);
  bytes[value_at] = 0;

  auto forged = ParseEventLog(bytes);
  ASSERT_OK(forged);
  EXPECT_EQ(forged->events()[3].binding, DataBinding::kMismatch);
  BindingOutcome outcome = BindToQuote(*forged, Replay(*original));
  ASSERT_TRUE(outcome.verified.has_value()) << "the digests are untouched, so replay matches";
  const veu::v1::MeasuredBootFacts facts = ExtractFacts(*outcome.verified);
  EXPECT_FALSE(facts.secure_boot().evaluated()) << "no fact from data that failed its digest";
  ASSERT_FALSE(facts.findings().empty());
  EXPECT_EQ(facts.findings(0).reason(), veu::v1::EVENTLOG_DIGEST_DATA_MISMATCH);
  EXPECT_EQ(facts.findings(0).record(), 3u);
}

}  // namespace
}  // namespace veu::eventlog
