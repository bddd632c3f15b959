// The Store conformance suite, fleet scale: appraisals committed in groups (one transaction,
// one sync; a bad commit fails alone) and the per-site inventory roll-up an appraisal reads
// instead of every agent record. Instantiated like store_conformance_test.h; include it from
// exactly one .cc per test binary.
#ifndef VEU_TESTS_VERIFIER_STORE_STORE_FLEET_CONFORMANCE_TEST_H_
#define VEU_TESTS_VERIFIER_STORE_STORE_FLEET_CONFORMANCE_TEST_H_

#include <map>

#include "tests/verifier/store/store_conformance_fixture.h"
#include "tests/verifier/store/store_revocation_conformance_test.h"

namespace veu::verifier::testing {

template <typename Backend>
class StoreFleetConformanceTest : public StoreFixture<Backend> {
 protected:
  // A commit whose verified inventory has `count` accelerators worth `tpp`.
  static AppraisalCommit WithInventory(const std::string& id, const veu::v1::AgentRecord& agent,
                                       int64_t at, uint32_t count, uint64_t tpp) {
    AppraisalCommit commit = MakeCommit(id, agent, at);
    commit.agent.mutable_last_inventory()->set_reported(true);
    commit.agent.mutable_last_inventory()->set_count(count);
    commit.agent.mutable_last_inventory()->set_tpp(tpp);
    return commit;
  }
  std::map<std::string, std::tuple<uint32_t, uint64_t, uint64_t>> Totals() {
    std::map<std::string, std::tuple<uint32_t, uint64_t, uint64_t>> out;
    auto totals = this->store_->ListSiteInventoryTotals();
    EXPECT_OK(totals);
    if (totals.ok()) {
      for (const SiteInventoryTotals& t : *totals) out[t.site] = {t.nodes, t.accelerators, t.tpp};
    }
    return out;
  }
};

TYPED_TEST_SUITE_P(StoreFleetConformanceTest);

TYPED_TEST_P(StoreFleetConformanceTest, AGroupLandsWholeInOrderAndABadCommitFailsAlone) {
  const auto a1 = this->Enrolled("a1", "fra-1");
  const auto a2 = this->Enrolled("a2", "fra-1");
  std::vector<AppraisalCommit> group = {MakeCommit("g1", a1, 10), MakeCommit("g2", a2, 11),
                                        MakeCommit("g1", a2, 12),  // id already used: fails
                                        MakeCommit("g3", a1, 13)};
  std::vector<absl::Status> statuses = this->store_->CommitAppraisals(group);
  ASSERT_EQ(statuses.size(), 4u);
  EXPECT_OK(statuses[0]);
  EXPECT_OK(statuses[1]);
  EXPECT_FALSE(statuses[2].ok());
  EXPECT_OK(statuses[3]);
  EXPECT_THAT(this->AppraisalIds("a1"), ElementsAre("g3", "g1"));
  EXPECT_THAT(this->AppraisalIds("a2"), ElementsAre("g2"));
  // Log leaves in the order given, the failed one leaving no gap.
  auto listed = this->store_->ListAppraisals("a1", 10, false);
  ASSERT_OK(listed);
  EXPECT_EQ((*listed)[1].appraisal().log_index(), 0u);
  EXPECT_EQ((*listed)[0].appraisal().log_index(), 2u);
  EXPECT_EQ((*listed)[0].appraisal().previous_log_index(), 0u);
}

TYPED_TEST_P(StoreFleetConformanceTest, AnEmptyGroupIsNothing) {
  EXPECT_TRUE(this->store_->CommitAppraisals({}).empty());
}

TYPED_TEST_P(StoreFleetConformanceTest, SiteTotalsFollowEachAgentsLatestInventory) {
  const auto a1 = this->Enrolled("a1", "fra-1");
  const auto a2 = this->Enrolled("a2", "fra-1");
  const auto b1 = this->Enrolled("b1", "ams-1");
  EXPECT_TRUE(this->Totals().empty()) << "no agent has reported an inventory";
  ASSERT_OK(this->store_->CommitAppraisal(this->WithInventory("x1", a1, 10, 8, 100)));
  ASSERT_OK(this->store_->CommitAppraisal(this->WithInventory("x2", a2, 11, 4, 50)));
  ASSERT_OK(this->store_->CommitAppraisal(this->WithInventory("x3", b1, 12, 2, 20)));
  using T = std::tuple<uint32_t, uint64_t, uint64_t>;
  EXPECT_EQ(this->Totals()["fra-1"], T(2, 12, 150));
  EXPECT_EQ(this->Totals()["ams-1"], T(1, 2, 20));
  // A later report replaces the agent's share, it does not add to it.
  ASSERT_OK(this->store_->CommitAppraisal(this->WithInventory("x4", a1, 20, 7, 90)));
  EXPECT_EQ(this->Totals()["fra-1"], T(2, 11, 140));
  // A failed commit changes nothing.
  EXPECT_FALSE(this->store_->CommitAppraisal(this->WithInventory("x4", a1, 21, 1, 1)).ok());
  EXPECT_EQ(this->Totals()["fra-1"], T(2, 11, 140));
  // What a reopened store reads is what it kept.
  ASSERT_NO_FATAL_FAILURE(this->Reopen());
  EXPECT_EQ(this->Totals()["fra-1"], T(2, 11, 140));
  EXPECT_EQ(this->Totals()["ams-1"], T(1, 2, 20));
}

TYPED_TEST_P(StoreFleetConformanceTest, ARevokedAgentStopsCountingUntilAllowedAgain) {
  const auto a1 = this->Enrolled("a1", "fra-1");
  const auto a2 = this->Enrolled("a2", "fra-1");
  ASSERT_OK(this->store_->CommitAppraisal(this->WithInventory("x1", a1, 10, 8, 100)));
  ASSERT_OK(this->store_->CommitAppraisal(this->WithInventory("x2", a2, 11, 4, 50)));
  ASSERT_OK(this->store_->RevokeAgent(MakeRevocation("a1", "decommissioned", 20),
                                      MakeEvent(veu::v1::EVENT_AGENT_REVOKED, "a1", "fra-1", 20)));
  using T = std::tuple<uint32_t, uint64_t, uint64_t>;
  EXPECT_EQ(this->Totals()["fra-1"], T(1, 4, 50));
  ASSERT_NO_FATAL_FAILURE(this->Reopen());
  EXPECT_EQ(this->Totals()["fra-1"], T(1, 4, 50));
}

TYPED_TEST_P(StoreFleetConformanceTest, ReEnrolmentAtAnotherSiteMovesTheShare) {
  const auto a1 = this->Enrolled("a1", "fra-1");
  ASSERT_OK(this->store_->CommitAppraisal(this->WithInventory("x1", a1, 10, 8, 100)));
  ASSERT_OK(this->store_->AddSite(MakeSite("ams-1")));
  auto moved = this->store_->GetAgent("a1");
  ASSERT_OK(moved);
  moved->set_site("ams-1");
  ASSERT_OK(this->store_->PutAgent(*moved, {}));
  using T = std::tuple<uint32_t, uint64_t, uint64_t>;
  EXPECT_EQ(this->Totals().count("fra-1"), 0u);
  EXPECT_EQ(this->Totals()["ams-1"], T(1, 8, 100));
}

REGISTER_TYPED_TEST_SUITE_P(StoreFleetConformanceTest,
                            AGroupLandsWholeInOrderAndABadCommitFailsAlone, AnEmptyGroupIsNothing,
                            SiteTotalsFollowEachAgentsLatestInventory,
                            ARevokedAgentStopsCountingUntilAllowedAgain,
                            ReEnrolmentAtAnotherSiteMovesTheShare);

}  // namespace veu::verifier::testing

#endif  // VEU_TESTS_VERIFIER_STORE_STORE_FLEET_CONFORMANCE_TEST_H_
