// The derivation rules of report_derivation.h on small hand-made histories, where each expected
// number can be checked by hand.
#include "verifier/reports/report_derivation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "tests/verifier/reports/report_history.h"

namespace veu::verifier {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::At;

LoggedAppraisal Logged(uint64_t index, const std::string& agent, const std::string& at,
                       v1::Verdict verdict, v1::CheckStatus ssh, bool before = false) {
  LoggedAppraisal l;
  l.log_index = index;
  l.before_period = before;
  l.appraisal.set_agent_id(agent);
  *l.appraisal.mutable_appraised_at() = ToProtoTime(At(at));
  l.appraisal.set_verdict(verdict);
  l.appraisal.add_checks()->CopyFrom(testing::Check("VEU-14.ssh", ssh));
  return l;
}

v1::ReportAgent Agent(const std::string& id, const std::string& enrolled) {
  v1::ReportAgent a;
  a.set_agent_id(id);
  *a.mutable_enrolled_at() = ToProtoTime(At(enrolled));
  return a;
}

DerivationInput Day() {
  DerivationInput in;
  in.period_from = At("2026-10-01T00:00:00Z");
  in.period_to = At("2026-10-02T00:00:00Z");
  in.generated_at = At("2026-10-02T00:00:00Z");
  in.stale_after = absl::Hours(1);
  return in;
}

TEST(ReportDerivationTest, AReportMadeBeforeThePeriodEndsSpeaksUntilItWasMade) {
  DerivationInput in = Day();
  in.generated_at = At("2026-10-01T12:00:00Z");
  in.agents = {Agent("a", "2026-09-01T00:00:00Z")};
  in.appraisals = {Logged(1, "a", "2026-10-01T08:00:00Z", v1::VERDICT_ACCEPT, v1::CHECK_PASS)};
  DerivedSummaries d = DeriveSummaries(in);
  // Nothing from 00:00 (no anchor: from the period start) until 08:00, then nothing after 09:00.
  ASSERT_EQ(d.stale_periods.size(), 2u);
  EXPECT_EQ(FromProtoTime(d.stale_periods[0].from()), At("2026-10-01T01:00:00Z"));
  EXPECT_EQ(FromProtoTime(d.stale_periods[0].to()), At("2026-10-01T08:00:00Z"));
  EXPECT_EQ(FromProtoTime(d.stale_periods[1].from()), At("2026-10-01T09:00:00Z"));
  EXPECT_EQ(FromProtoTime(d.stale_periods[1].to()), At("2026-10-01T12:00:00Z"));
  ASSERT_EQ(d.controls.size(), 1u);
  EXPECT_EQ(d.controls[0].pass(), 1u);
  EXPECT_EQ(d.controls[0].pass_seconds(), 3600u);  // capped at stale_after
  EXPECT_EQ(d.verdict_at_end, v1::VERDICT_STALE);
}

TEST(ReportDerivationTest, AnAgentWithoutAppraisalsIsNoneUntilItCouldHaveReported) {
  DerivationInput in = Day();
  in.agents = {Agent("new", "2026-10-01T23:30:00Z")};
  DerivedSummaries d = DeriveSummaries(in);
  EXPECT_THAT(d.stale_periods, IsEmpty());
  EXPECT_EQ(d.verdict_at_end, v1::VERDICT_NONE);
  EXPECT_EQ(d.appraisals_in_period.at("new"), 0u);

  in.agents = {Agent("old", "2026-10-01T22:00:00Z")};
  d = DeriveSummaries(in);
  EXPECT_EQ(d.verdict_at_end, v1::VERDICT_STALE);
  ASSERT_EQ(d.stale_periods.size(), 1u);
  EXPECT_EQ(FromProtoTime(d.stale_periods[0].from()), At("2026-10-01T23:00:00Z"));
}

TEST(ReportDerivationTest, WorstVerdictWinsAndRejectOutranksStale) {
  DerivationInput in = Day();
  in.agents = {Agent("a", "2026-09-01T00:00:00Z"), Agent("b", "2026-09-01T00:00:00Z")};
  in.appraisals = {Logged(1, "a", "2026-10-01T23:30:00Z", v1::VERDICT_ACCEPT, v1::CHECK_PASS),
                   Logged(2, "b", "2026-10-01T23:40:00Z", v1::VERDICT_WARN, v1::CHECK_PASS)};
  EXPECT_EQ(DeriveSummaries(in).verdict_at_end, v1::VERDICT_WARN);
  // b's REJECT long ago stays REJECT rather than STALE.
  in.appraisals[1] = Logged(2, "b", "2026-10-01T02:00:00Z", v1::VERDICT_REJECT, v1::CHECK_FAIL);
  EXPECT_EQ(DeriveSummaries(in).verdict_at_end, v1::VERDICT_REJECT);
}

TEST(ReportDerivationTest, AnAnchorHoldsIntoThePeriodButIsNotCounted) {
  DerivationInput in = Day();
  in.agents = {Agent("a", "2026-09-01T00:00:00Z")};
  in.appraisals = {
      Logged(1, "a", "2026-09-30T23:40:00Z", v1::VERDICT_REJECT, v1::CHECK_FAIL, true),
      Logged(2, "a", "2026-10-01T00:10:00Z", v1::VERDICT_ACCEPT, v1::CHECK_PASS)};
  in.generated_at = At("2026-10-01T00:40:00Z");
  DerivedSummaries d = DeriveSummaries(in);
  ASSERT_EQ(d.controls.size(), 1u);
  EXPECT_EQ(d.controls[0].fail(), 0u);
  EXPECT_EQ(d.controls[0].fail_seconds(), 600u);  // 00:00-00:10
  EXPECT_EQ(d.controls[0].pass(), 1u);
  EXPECT_EQ(d.controls[0].pass_seconds(), 1800u);  // 00:10-00:40
  EXPECT_EQ(d.appraisals_in_period.at("a"), 1u);
  EXPECT_THAT(d.stale_periods, IsEmpty());
}

TEST(ReportDerivationTest, InventoryWithoutIdentitiesChangesByModelCount) {
  DerivationInput in = Day();
  in.agents = {Agent("a", "2026-09-01T00:00:00Z")};
  auto with = [](LoggedAppraisal l, uint32_t n, bool reported) {
    v1::InventorySummary* inv = l.appraisal.mutable_inventory();
    inv->set_reported(reported);
    inv->set_count(n);
    inv->set_tpp(n * 100);
    (*inv->mutable_models())["H100"] = n;
    return l;
  };
  in.appraisals = {
      with(Logged(1, "a", "2026-10-01T01:00:00Z", v1::VERDICT_ACCEPT, v1::CHECK_PASS), 8, true),
      with(Logged(2, "a", "2026-10-01T02:00:00Z", v1::VERDICT_ACCEPT, v1::CHECK_PASS), 8, true),
      // A report whose quote did not verify says nothing about the inventory.
      with(Logged(3, "a", "2026-10-01T03:00:00Z", v1::VERDICT_REJECT, v1::CHECK_FAIL), 0, false),
      with(Logged(4, "a", "2026-10-01T04:00:00Z", v1::VERDICT_ACCEPT, v1::CHECK_PASS), 6, true)};
  DerivedSummaries d = DeriveSummaries(in);
  ASSERT_EQ(d.inventory.size(), 2u);
  EXPECT_EQ(d.inventory[0].log_index(), 1u);
  EXPECT_THAT(d.inventory[0].added(), ElementsAre("H100 x 8"));
  EXPECT_EQ(d.inventory[1].log_index(), 4u);
  EXPECT_EQ(d.inventory[1].count(), 6u);
  EXPECT_THAT(d.inventory[1].added(), ElementsAre("H100 x 6"));
  EXPECT_THAT(d.inventory[1].removed(), ElementsAre("H100 x 8"));
}

}  // namespace
}  // namespace veu::verifier
