// Measured boot through Appraise(): a real firmware event log is trusted only when it is the
// log the quoted facts name and it replays to the quoted PCRs.
#include "tests/verifier/appraisal/appraisal_fixture.h"

#include "common/eventlog/binding.h"
#include "common/eventlog/reference_values.h"
#include "tests/common/eventlog/real_shaped_logs.h"

namespace veu::verifier {
namespace {

using testing::AppraiseTest;
using testing::BuildQuote;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Offset in `log` of the first byte of the SHA-256 digest of the first event extending a PCR
// in 0-7 (so the replay of that PCR changes when the byte does), and that PCR.
struct DigestSite {
  size_t offset = 0;
  uint32_t pcr = 0;
};
DigestSite FirstSha256DigestSite(const std::string& log) {
  absl::StatusOr<eventlog::UnverifiedEventLog> parsed = eventlog::ParseEventLog(log);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok()) return {};
  for (const eventlog::Event& e : parsed->events()) {
    if (e.record == 0 || e.pcr > 7 || e.type == 0x3 /* EV_NO_ACTION */) continue;
    std::optional<std::string_view> d = e.DigestFor(crypto::kAlgSha256);
    if (!d) continue;
    return {static_cast<size_t>(d->data() - parsed->raw().data()), e.pcr};
  }
  ADD_FAILURE() << "no sha256 extend in the fixture log";
  return {};
}

class MeasuredBootTest : public AppraiseTest {};

TEST_F(MeasuredBootTest, AcceptsALogThatReplaysToTheQuotedPcrs) {
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_ACCEPT) << out.appraisal.DebugString();
  EXPECT_EQ(CheckNamed(out.appraisal, "eventlog.replay").status(), veu::v1::CHECK_PASS);
  EXPECT_TRUE(out.appraisal.has_measured_boot());
  EXPECT_EQ(out.accepted_event_log, log_);
}

TEST_F(MeasuredBootTest, RejectsALogWithOneEventDigestByteChangedNamingThePcr) {
  const DigestSite site = FirstSha256DigestSite(log_);
  std::string tampered = log_;
  tampered[site.offset] = static_cast<char>(tampered[site.offset] ^ 0x80);

  // The agent binds and sends the tampered log; the TPM quoted the real PCRs.
  veu::v1::Challenge c = NewChallenge();
  const std::string facts = FactsFor(tampered);
  veu::v1::Evidence e = EvidenceOf(c.nonce(), BuildQuote(ak_, HonestSpec(c, facts)), facts);
  e.mutable_event_log()->set_content(tampered);
  AppraisalOutcome out = Run(c, e);

  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::EVENTLOG_REPLAY_MISMATCH));
  veu::v1::CheckResult replay = CheckNamed(out.appraisal, "eventlog.replay");
  EXPECT_THAT(replay.detail(), HasSubstr(absl::StrCat("PCR ", site.pcr, " ")));
  EXPECT_FALSE(out.appraisal.has_measured_boot()) << "unreplayed log contents were used";
  EXPECT_EQ(out.accepted_event_log, "");
}

TEST_F(MeasuredBootTest, RejectsALogThatIsNotTheOneTheQuotedFactsName) {
  veu::v1::Challenge c = NewChallenge();
  veu::v1::Evidence e = Answer(c);
  e.mutable_event_log()->mutable_content()->push_back('\0');
  AppraisalOutcome out = Run(c, e);
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::EVENTLOG_NOT_BOUND));
}

TEST_F(MeasuredBootTest, RejectsALogSentWhenTheFactsNameNone) {
  veu::v1::Challenge c = NewChallenge();
  veu::v1::Evidence e = Answer(c, /*with_log=*/false);
  e.mutable_event_log()->set_content(log_);
  AppraisalOutcome out = Run(c, e);
  EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::EVENTLOG_NOT_BOUND));
}

TEST_F(MeasuredBootTest, RejectsUnchangedWhenNoLogWasAcceptedBefore) {
  veu::v1::Challenge c = NewChallenge();
  veu::v1::Evidence e = Answer(c);
  e.mutable_event_log()->clear_content();
  e.mutable_event_log()->set_unchanged(true);
  AppraisalOutcome out = Run(c, e, /*previous_log=*/"");
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::EVENTLOG_MISSING));
}

TEST_F(MeasuredBootTest, AcceptsUnchangedAgainstThePreviouslyAcceptedLog) {
  veu::v1::Challenge c = NewChallenge();
  veu::v1::Evidence e = Answer(c);
  e.mutable_event_log()->clear_content();
  e.mutable_event_log()->set_unchanged(true);
  AppraisalOutcome out = Run(c, e, /*previous_log=*/log_);
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_ACCEPT) << out.appraisal.DebugString();
  EXPECT_EQ(out.accepted_event_log, log_);
}

TEST_F(MeasuredBootTest, RejectsGarbageAsAMalformedLog) {
  const std::string garbage(64, '\x7f');
  veu::v1::Challenge c = NewChallenge();
  const std::string facts = FactsFor(garbage);
  veu::v1::Evidence e = EvidenceOf(c.nonce(), BuildQuote(ak_, HonestSpec(c, facts)), facts);
  e.mutable_event_log()->set_content(garbage);
  AppraisalOutcome out = Run(c, e);
  EXPECT_THAT(out.appraisal.reasons(), Contains(veu::v1::EVENTLOG_MALFORMED));
}

// A node as real hardware shows it: a hardware CRTM, option-ROM drivers measured into PCR 2
// after its separator, an S-CRTM version whose data does not hash.
std::string RealShapedNode(const std::string& rom) {
  return eventlog::testing::WithHcrtm(
      eventlog::testing::WithOptionRomsAndOddCrtmVersion(testing::ReadFixture(
                                                             absl::StrCat("eventlogs/", testing::kLogFixture)),
                                                         rom),
      "crtm");
}

veu::v1::ReferenceValues LearnedFrom(const std::string& log) {
  auto parsed = eventlog::ParseEventLog(log);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return eventlog::LearnReferenceValues(eventlog::TrustForOfflineReview(*parsed), "gpu-node");
}

TEST_F(MeasuredBootTest, ARealShapedNodeIsAcceptedUnderReferenceValuesLearnedFromIt) {
  log_ = RealShapedNode("option ROM");
  pcrs_ = testing::ReplayedSha256(log_);
  policy_.reference_values = LearnedFrom(log_);
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_ACCEPT) << out.appraisal.DebugString();
  EXPECT_EQ(CheckNamed(out.appraisal, "eventlog.structure").status(), veu::v1::CHECK_PASS);
}

TEST_F(MeasuredBootTest, ARealShapedNodeWhoseOptionRomChangedIsRejectedNamingTheFinding) {
  policy_.reference_values = LearnedFrom(RealShapedNode("option ROM"));
  log_ = RealShapedNode("a different option ROM");
  pcrs_ = testing::ReplayedSha256(log_);  // its TPM agrees with its log
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), Contains(veu::v1::EVENTLOG_EVENT_AFTER_SEPARATOR));
  bool named = false;
  for (const auto& check : out.appraisal.checks()) {
    named |= check.check() == "eventlog.structure" && check.status() == veu::v1::CHECK_FAIL &&
             check.detail().find("PCR 2") != std::string::npos;
  }
  EXPECT_TRUE(named) << out.appraisal.DebugString();
}

}  // namespace
}  // namespace veu::verifier
