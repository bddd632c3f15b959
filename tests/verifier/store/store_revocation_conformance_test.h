// The Store conformance suite, revocations: an operator takes an agent out and allows it
// again; nothing an appraisal or enrolment writes from an earlier read undoes a revocation.
// Instantiated like store_conformance_test.h; include it from exactly one .cc per test binary.
#ifndef VEU_TESTS_VERIFIER_STORE_STORE_REVOCATION_CONFORMANCE_TEST_H_
#define VEU_TESTS_VERIFIER_STORE_STORE_REVOCATION_CONFORMANCE_TEST_H_

#include "tests/verifier/store/store_conformance_fixture.h"

namespace veu::verifier::testing {

inline veu::v1::Revocation MakeRevocation(const std::string& agent_id, const std::string& reason,
                                          int64_t at_seconds) {
  veu::v1::Revocation r;
  r.set_agent_id(agent_id);
  r.set_reason(reason);
  *r.mutable_revoked_at() = Ts(at_seconds);
  return r;
}

template <typename Backend>
class StoreRevocationConformanceTest : public StoreFixture<Backend> {
 protected:
  std::vector<veu::v1::EventKind> EventKinds(const std::string& agent_id) {
    EventFilter filter = Filter(agent_id);
    filter.oldest_first = true;
    auto events = this->store_->ListEvents(filter);
    EXPECT_OK(events);
    std::vector<veu::v1::EventKind> kinds;
    if (events.ok()) {
      for (const auto& e : *events) kinds.push_back(e.kind());
    }
    return kinds;
  }
};

TYPED_TEST_SUITE_P(StoreRevocationConformanceTest);

TYPED_TEST_P(StoreRevocationConformanceTest, ARevokedAgentReadsBackRevokedWithItsReason) {
  this->Enrolled("a1", "fra-1");
  this->Enrolled("a2", "fra-1");
  ASSERT_OK(this->store_->RevokeAgent(MakeRevocation("a1", "decommissioned", 50),
                                      MakeEvent(veu::v1::EVENT_AGENT_REVOKED, "a1", "fra-1", 50)));
  auto a1 = this->store_->GetAgent("a1");
  ASSERT_OK(a1);
  EXPECT_EQ(a1->status(), veu::v1::AGENT_STATUS_REVOKED);
  EXPECT_THAT(a1->revocation(), ProtoEq(MakeRevocation("a1", "decommissioned", 50)));
  auto listed = this->store_->ListAgents("fra-1");
  ASSERT_OK(listed);
  ASSERT_THAT(*listed, SizeIs(2));
  EXPECT_EQ((*listed)[0].status(), veu::v1::AGENT_STATUS_REVOKED);
  EXPECT_EQ((*listed)[0].revocation().reason(), "decommissioned");
  EXPECT_EQ((*listed)[1].status(), veu::v1::AGENT_STATUS_ENROLLED);
  EXPECT_FALSE((*listed)[1].has_revocation());
  EXPECT_THAT(this->EventKinds("a1"), ElementsAre(veu::v1::EVENT_AGENT_REVOKED));
  ASSERT_NO_FATAL_FAILURE(this->Reopen());
  EXPECT_THAT(this->store_->GetAgent("a1"),
              IsOkAndHolds(::testing::Property(&veu::v1::AgentRecord::status,
                                               veu::v1::AGENT_STATUS_REVOKED)));
}

TYPED_TEST_P(StoreRevocationConformanceTest, ARecordWrittenFromAReadBeforeTheRevocationKeepsItRevoked) {
  const veu::v1::AgentRecord before = this->Enrolled("a1", "fra-1");  // read by an appraisal
  ASSERT_OK(this->store_->RevokeAgent(MakeRevocation("a1", "AK leaked", 50),
                                      MakeEvent(veu::v1::EVENT_AGENT_REVOKED, "a1", "fra-1", 50)));
  // The appraisal (and an enrolment that read the record earlier) commit afterwards.
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("late", before, 60)));
  EXPECT_EQ(this->store_->GetAgent("a1")->status(), veu::v1::AGENT_STATUS_REVOKED);
  ASSERT_OK(this->store_->PutAgent(before, {}));
  auto agent = this->store_->GetAgent("a1");
  ASSERT_OK(agent);
  EXPECT_EQ(agent->status(), veu::v1::AGENT_STATUS_REVOKED);
  EXPECT_EQ(agent->revocation().reason(), "AK leaked");
}

TYPED_TEST_P(StoreRevocationConformanceTest, ReinstatingLiftsTheRevocationAndRecordsIt) {
  this->Enrolled("a1", "fra-1");
  ASSERT_OK(this->store_->RevokeAgent(MakeRevocation("a1", "maintenance", 50),
                                      MakeEvent(veu::v1::EVENT_AGENT_REVOKED, "a1", "fra-1", 50)));
  // A record read while revoked (it carries the revocation) and written back later, e.g. a
  // class change racing the reinstatement, does not keep the agent revoked.
  auto while_revoked = this->store_->GetAgent("a1");
  ASSERT_OK(while_revoked);
  ASSERT_OK(this->store_->ReinstateAgent(
      "a1", MakeEvent(veu::v1::EVENT_AGENT_REINSTATED, "a1", "fra-1", 70)));
  ASSERT_OK(this->store_->PutAgent(*while_revoked, {}));
  auto agent = this->store_->GetAgent("a1");
  ASSERT_OK(agent);
  EXPECT_EQ(agent->status(), veu::v1::AGENT_STATUS_ENROLLED);
  EXPECT_FALSE(agent->has_revocation());
  EXPECT_THAT(this->EventKinds("a1"),
              ElementsAre(veu::v1::EVENT_AGENT_REVOKED, veu::v1::EVENT_AGENT_REINSTATED));
}

TYPED_TEST_P(StoreRevocationConformanceTest, RevokingAgainReplacesTheReason) {
  this->Enrolled("a1", "fra-1");
  ASSERT_OK(this->store_->RevokeAgent(MakeRevocation("a1", "first", 50),
                                      MakeEvent(veu::v1::EVENT_AGENT_REVOKED, "a1", "fra-1", 50)));
  ASSERT_OK(this->store_->RevokeAgent(MakeRevocation("a1", "second", 60),
                                      MakeEvent(veu::v1::EVENT_AGENT_REVOKED, "a1", "fra-1", 60)));
  EXPECT_EQ(this->store_->GetAgent("a1")->revocation().reason(), "second");
}

TYPED_TEST_P(StoreRevocationConformanceTest, RefusesWhatCannotBeRevokedOrReinstated) {
  this->Enrolled("a1", "fra-1");
  const veu::v1::Event revoked = MakeEvent(veu::v1::EVENT_AGENT_REVOKED, "nobody", "fra-1", 50);
  EXPECT_THAT(this->store_->RevokeAgent(MakeRevocation("nobody", "x", 50), revoked),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->store_->RevokeAgent(MakeRevocation("a1", "", 50), revoked),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const veu::v1::Event back = MakeEvent(veu::v1::EVENT_AGENT_REINSTATED, "a1", "fra-1", 60);
  EXPECT_THAT(this->store_->ReinstateAgent("a1", back),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(this->store_->ReinstateAgent("nobody", back), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->EventKinds("a1"), IsEmpty()) << "a refused change records no event";
}

// Compare-and-set (issue 10): a commit names the record version its appraisal read.
TYPED_TEST_P(StoreRevocationConformanceTest, EveryWriteOfARecordMovesItsVersion) {
  this->Enrolled("a1", "fra-1");
  auto read = this->store_->GetAgent("a1");
  ASSERT_OK(read);
  const uint64_t enrolled = read->record_version();
  EXPECT_GE(enrolled, 1u);
  AppraisalCommit commit = MakeCommit("c1", *read, 10);
  commit.expected_version = enrolled;
  ASSERT_OK(this->store_->CommitAppraisal(commit));
  EXPECT_EQ(this->store_->GetAgent("a1")->record_version(), enrolled + 1);
  ASSERT_OK(this->store_->RevokeAgent(MakeRevocation("a1", "maintenance", 20),
                                      MakeEvent(veu::v1::EVENT_AGENT_REVOKED, "a1", "fra-1", 20)));
  EXPECT_EQ(this->store_->GetAgent("a1")->record_version(), enrolled + 2);
  ASSERT_OK(this->store_->ReinstateAgent("a1", MakeEvent(veu::v1::EVENT_AGENT_REINSTATED, "a1",
                                                         "fra-1", 30)));
  ASSERT_NO_FATAL_FAILURE(this->Reopen());
  auto listed = this->store_->ListAgents("fra-1");
  ASSERT_OK(listed);
  ASSERT_THAT(*listed, SizeIs(1));
  EXPECT_EQ((*listed)[0].record_version(), enrolled + 3);
}

TYPED_TEST_P(StoreRevocationConformanceTest, ACommitFromAStaleReadIsAbortedAndStoresNothing) {
  this->Enrolled("a1", "fra-1");
  auto read = this->store_->GetAgent("a1");
  ASSERT_OK(read);
  AppraisalCommit first = MakeCommit("first", *read, 10);
  first.expected_version = read->record_version();
  ASSERT_OK(this->store_->CommitAppraisal(first));
  // A second stream of the same agent appraised from the same read, and commits later.
  AppraisalCommit stale = MakeCommit("stale", *read, 11, veu::v1::VERDICT_REJECT);
  stale.expected_version = read->record_version();
  EXPECT_THAT(this->store_->CommitAppraisal(stale),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("changed since it was read")));
  auto stored = this->store_->ListAppraisals("a1", 0, /*with_evidence=*/false);
  ASSERT_OK(stored);
  ASSERT_THAT(*stored, SizeIs(1));
  EXPECT_EQ((*stored)[0].appraisal().id(), "first");
  EXPECT_EQ(this->store_->GetAgent("a1")->last_verdict(), veu::v1::VERDICT_ACCEPT);
}

TYPED_TEST_P(StoreRevocationConformanceTest, ARevocationBetweenReadAndCommitAbortsTheCommit) {
  this->Enrolled("a1", "fra-1");
  auto read = this->store_->GetAgent("a1");
  ASSERT_OK(read);
  ASSERT_OK(this->store_->RevokeAgent(MakeRevocation("a1", "AK leaked", 50),
                                      MakeEvent(veu::v1::EVENT_AGENT_REVOKED, "a1", "fra-1", 50)));
  AppraisalCommit late = MakeCommit("late", *read, 60);
  late.expected_version = read->record_version();
  EXPECT_THAT(this->store_->CommitAppraisal(late), StatusIs(absl::StatusCode::kAborted));
  auto stored = this->store_->ListAppraisals("a1", 0, /*with_evidence=*/false);
  ASSERT_OK(stored);
  EXPECT_THAT(*stored, SizeIs(0)) << "no report of a revoked agent is kept from a stale read";
}

TYPED_TEST_P(StoreRevocationConformanceTest, InOneGroupOnlyTheFirstCommitFromOneReadLands) {
  this->Enrolled("a1", "fra-1");
  this->Enrolled("a2", "fra-1");
  auto a1 = this->store_->GetAgent("a1");
  auto a2 = this->store_->GetAgent("a2");
  ASSERT_OK(a1);
  ASSERT_OK(a2);
  std::vector<AppraisalCommit> group = {MakeCommit("a1-x", *a1, 10), MakeCommit("a2-x", *a2, 10),
                                        MakeCommit("a1-y", *a1, 11)};
  group[0].expected_version = a1->record_version();
  group[1].expected_version = a2->record_version();
  group[2].expected_version = a1->record_version();
  std::vector<absl::Status> results = this->store_->CommitAppraisals(group);
  ASSERT_THAT(results, SizeIs(3));
  EXPECT_OK(results[0]);
  EXPECT_OK(results[1]);
  EXPECT_THAT(results[2], StatusIs(absl::StatusCode::kAborted));
  auto stored = this->store_->ListAppraisals("a1", 0, /*with_evidence=*/false);
  ASSERT_OK(stored);
  ASSERT_THAT(*stored, SizeIs(1));
  EXPECT_EQ((*stored)[0].appraisal().id(), "a1-x");
}

REGISTER_TYPED_TEST_SUITE_P(StoreRevocationConformanceTest,
                            ARevokedAgentReadsBackRevokedWithItsReason,
                            ARecordWrittenFromAReadBeforeTheRevocationKeepsItRevoked,
                            ReinstatingLiftsTheRevocationAndRecordsIt,
                            RevokingAgainReplacesTheReason,
                            RefusesWhatCannotBeRevokedOrReinstated,
                            EveryWriteOfARecordMovesItsVersion,
                            ACommitFromAStaleReadIsAbortedAndStoresNothing,
                            ARevocationBetweenReadAndCommitAbortsTheCommit,
                            InOneGroupOnlyTheFirstCommitFromOneReadLands);

}  // namespace veu::verifier::testing

#endif  // VEU_TESTS_VERIFIER_STORE_STORE_REVOCATION_CONFORMANCE_TEST_H_
