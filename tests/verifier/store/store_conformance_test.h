// The Store conformance suite: the behaviour every Store backend must have. A backend's test
// file defines a Backend type and instantiates the suite:
//
//   class MyBackend {
//    public:
//     MyBackend();   // prepares a fresh, empty database
//     // Opens a Store on that database; called again after the previous Store was destroyed,
//     // it must open the same data (persistence).
//     absl::StatusOr<std::unique_ptr<veu::verifier::Store>> Open();
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, StoreConformanceTest, ::testing::Types<MyBackend>);
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, StoreRecordsConformanceTest, ::testing::Types<MyBackend>);
//
// This suite covers sites, EK allowances, tokens, agents, appraisals, events, persistence and
// reference values; store_records_conformance_test.h the records added for the organisation
// controls and regulators. Include each from exactly one .cc per test binary.
#ifndef VEU_TESTS_VERIFIER_STORE_STORE_CONFORMANCE_TEST_H_
#define VEU_TESTS_VERIFIER_STORE_STORE_CONFORMANCE_TEST_H_

#include "tests/verifier/store/store_conformance_fixture.h"

namespace veu::verifier::testing {

template <typename Backend>
class StoreConformanceTest : public StoreFixture<Backend> {};

TYPED_TEST_SUITE_P(StoreConformanceTest);

// ---- Sites --------------------------------------------------------------------------------

TYPED_TEST_P(StoreConformanceTest, AddedSiteReadsBackUnchanged) {
  const veu::v1::Site site = MakeSite("fra-1");
  ASSERT_OK(this->store_->AddSite(site));
  EXPECT_THAT(this->store_->GetSite("fra-1"), IsOkAndHolds(ProtoEq(site)));
}

TYPED_TEST_P(StoreConformanceTest, ListsSitesInNameOrder) {
  ASSERT_OK(this->store_->AddSite(MakeSite("muc-1")));
  ASSERT_OK(this->store_->AddSite(MakeSite("ber-1")));
  auto sites = this->store_->ListSites();
  ASSERT_OK(sites);
  ASSERT_THAT(*sites, SizeIs(2));
  EXPECT_EQ((*sites)[0].name(), "ber-1");
  EXPECT_EQ((*sites)[1].name(), "muc-1");
}

TYPED_TEST_P(StoreConformanceTest, RejectsSiteWhoseNameIsTaken) {
  ASSERT_OK(this->store_->AddSite(MakeSite("fra-1")));
  veu::v1::Site again = MakeSite("fra-1");
  again.set_organisation("Someone Else");
  EXPECT_THAT(this->store_->AddSite(again), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(this->store_->GetSite("fra-1"), IsOkAndHolds(ProtoEq(MakeSite("fra-1"))));
}

TYPED_TEST_P(StoreConformanceTest, RejectsSiteWithoutName) {
  EXPECT_THAT(this->store_->AddSite(MakeSite("")), StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(StoreConformanceTest, UnknownSiteIsNotFound) {
  EXPECT_THAT(this->store_->GetSite("nowhere"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->store_->ListSites(), IsOkAndHolds(IsEmpty()));
}

// ---- EK allowances ------------------------------------------------------------------------

TYPED_TEST_P(StoreConformanceTest, EkIsAllowedOnlyForTheSiteItWasAllowedFor) {
  ASSERT_OK(this->store_->AddSite(MakeSite("fra-1")));
  ASSERT_OK(this->store_->AddSite(MakeSite("muc-1")));
  veu::v1::EkAllowance allowance;
  allowance.set_site("fra-1");
  allowance.set_ek_public_sha256(crypto::Sha256("ek-1 spki"));
  ASSERT_OK(this->store_->AddEkAllowance(allowance));
  EXPECT_THAT(this->store_->IsEkAllowed("fra-1", crypto::Sha256("ek-1 spki")), IsOkAndHolds(true));
  EXPECT_THAT(this->store_->IsEkAllowed("muc-1", crypto::Sha256("ek-1 spki")), IsOkAndHolds(false));
  EXPECT_THAT(this->store_->IsEkAllowed("fra-1", crypto::Sha256("ek-2 spki")), IsOkAndHolds(false));
}

TYPED_TEST_P(StoreConformanceTest, RejectsEkAllowedTwiceForOneSite) {
  ASSERT_OK(this->store_->AddSite(MakeSite("fra-1")));
  veu::v1::EkAllowance allowance;
  allowance.set_site("fra-1");
  allowance.set_ek_public_sha256(crypto::Sha256("ek-1 spki"));
  ASSERT_OK(this->store_->AddEkAllowance(allowance));
  EXPECT_THAT(this->store_->AddEkAllowance(allowance), StatusIs(absl::StatusCode::kAlreadyExists));
}

TYPED_TEST_P(StoreConformanceTest, RejectsEkAllowanceForUnknownSite) {
  veu::v1::EkAllowance allowance;
  allowance.set_site("nowhere");
  allowance.set_ek_public_sha256(crypto::Sha256("ek-1 spki"));
  EXPECT_THAT(this->store_->AddEkAllowance(allowance),
              StatusIs(absl::StatusCode::kNotFound, ::testing::HasSubstr("nowhere")));
}

TYPED_TEST_P(StoreConformanceTest, RejectsEkHashThatIsNotARawSha256) {
  ASSERT_OK(this->store_->AddSite(MakeSite("fra-1")));
  veu::v1::EkAllowance allowance;
  allowance.set_site("fra-1");
  allowance.set_ek_public_sha256(std::string(64, 'a'));  // hex text, not the digest
  EXPECT_THAT(this->store_->AddEkAllowance(allowance),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(this->store_->IsEkAllowed("fra-1", ""), StatusIs(absl::StatusCode::kInvalidArgument));
}

// ---- Enrolment tokens ---------------------------------------------------------------------

TYPED_TEST_P(StoreConformanceTest, TokenIsConsumedOnceThenReportedAlreadyUsed) {
  ASSERT_OK(this->store_->AddSite(MakeSite("fra-1")));
  ASSERT_OK(this->store_->AddEnrollmentToken(MakeToken("s3cret", "fra-1", 2000)));
  const std::string hash = crypto::Sha256("s3cret");
  EXPECT_THAT(this->store_->ConsumeEnrollmentToken(hash, "fra-1", absl::FromUnixSeconds(1000)),
              IsOkAndHolds(TokenUse::kConsumed));
  EXPECT_THAT(this->store_->ConsumeEnrollmentToken(hash, "fra-1", absl::FromUnixSeconds(1001)),
              IsOkAndHolds(TokenUse::kAlreadyUsed));
}

TYPED_TEST_P(StoreConformanceTest, ExpiredTokenIsRefusedAndLeftUnused) {
  ASSERT_OK(this->store_->AddSite(MakeSite("fra-1")));
  ASSERT_OK(this->store_->AddEnrollmentToken(MakeToken("s3cret", "fra-1", 2000)));
  const std::string hash = crypto::Sha256("s3cret");
  EXPECT_THAT(this->store_->ConsumeEnrollmentToken(hash, "fra-1", absl::FromUnixSeconds(2001)),
              IsOkAndHolds(TokenUse::kExpired));
  // The deadline itself is already too late.
  EXPECT_THAT(this->store_->ConsumeEnrollmentToken(hash, "fra-1", absl::FromUnixSeconds(2000)),
              IsOkAndHolds(TokenUse::kExpired));
  // Left as it was: still consumable by a caller whose clock is before the deadline.
  EXPECT_THAT(this->store_->ConsumeEnrollmentToken(hash, "fra-1", absl::FromUnixSeconds(1999)),
              IsOkAndHolds(TokenUse::kConsumed));
}

TYPED_TEST_P(StoreConformanceTest, TokenOfAnotherSiteIsRefusedAndNotConsumed) {
  ASSERT_OK(this->store_->AddSite(MakeSite("fra-1")));
  ASSERT_OK(this->store_->AddSite(MakeSite("muc-1")));
  ASSERT_OK(this->store_->AddEnrollmentToken(MakeToken("s3cret", "fra-1", 2000)));
  const std::string hash = crypto::Sha256("s3cret");
  EXPECT_THAT(this->store_->ConsumeEnrollmentToken(hash, "muc-1", absl::FromUnixSeconds(1000)),
              IsOkAndHolds(TokenUse::kWrongSite));
  EXPECT_THAT(this->store_->ConsumeEnrollmentToken(hash, "fra-1", absl::FromUnixSeconds(1000)),
              IsOkAndHolds(TokenUse::kConsumed));
}

TYPED_TEST_P(StoreConformanceTest, UnknownTokenIsReportedUnknown) {
  ASSERT_OK(this->store_->AddSite(MakeSite("fra-1")));
  EXPECT_THAT(this->store_->ConsumeEnrollmentToken(crypto::Sha256("never issued"), "fra-1",
                                                   absl::FromUnixSeconds(1000)),
              IsOkAndHolds(TokenUse::kUnknown));
}

TYPED_TEST_P(StoreConformanceTest, RejectsTokenForUnknownSiteOrWithoutExpiry) {
  EXPECT_THAT(this->store_->AddEnrollmentToken(MakeToken("s3cret", "nowhere", 2000)),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(this->store_->AddSite(MakeSite("fra-1")));
  veu::v1::EnrollmentToken no_expiry = MakeToken("s3cret", "fra-1", 2000);
  no_expiry.clear_expires_at();
  EXPECT_THAT(this->store_->AddEnrollmentToken(no_expiry),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(StoreConformanceTest, ConcurrentUsersOfOneTokenConsumeItExactlyOnce) {
  ASSERT_OK(this->store_->AddSite(MakeSite("fra-1")));
  ASSERT_OK(this->store_->AddEnrollmentToken(MakeToken("s3cret", "fra-1", 2000)));
  std::atomic<int> consumed{0};
  std::atomic<int> already_used{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto use = this->store_->ConsumeEnrollmentToken(crypto::Sha256("s3cret"), "fra-1",
                                                      absl::FromUnixSeconds(1000));
      if (use.ok() && *use == TokenUse::kConsumed) ++consumed;
      if (use.ok() && *use == TokenUse::kAlreadyUsed) ++already_used;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(consumed.load(), 1);
  EXPECT_EQ(already_used.load(), 7);
}

// ---- Agents -------------------------------------------------------------------------------

TYPED_TEST_P(StoreConformanceTest, PutAgentStoresTheRecordAndItsEvents) {
  ASSERT_OK(this->store_->AddSite(MakeSite("fra-1")));
  const veu::v1::AgentRecord agent = MakeAgent("a1", "fra-1");
  ASSERT_OK(this->store_->PutAgent(agent, {MakeEvent(veu::v1::EVENT_ENROLLED, "a1", "fra-1", 10)}));
  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(AgentRecordEq(agent)));
  auto events = this->store_->ListEvents(Filter("a1"));
  ASSERT_OK(events);
  ASSERT_THAT(*events, SizeIs(1));
  EXPECT_EQ((*events)[0].kind(), veu::v1::EVENT_ENROLLED);
  EXPECT_GT((*events)[0].id(), 0);
}

TYPED_TEST_P(StoreConformanceTest, PutAgentReplacesTheRecord) {
  veu::v1::AgentRecord agent = this->Enrolled("a1", "fra-1");
  agent.set_status(veu::v1::AGENT_STATUS_REVOKED);
  agent.set_ak_name("new ak");
  ASSERT_OK(
      this->store_->PutAgent(agent, {MakeEvent(veu::v1::EVENT_RE_ENROLLED, "a1", "fra-1", 20)}));
  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(AgentRecordEq(agent)));
  EXPECT_THAT(this->store_->ListAgents("fra-1"), IsOkAndHolds(SizeIs(1)));
}

TYPED_TEST_P(StoreConformanceTest, PutAgentForUnknownSiteFailsAndStoresNothing) {
  EXPECT_THAT(this->store_->PutAgent(MakeAgent("a1", "nowhere"),
                                     {MakeEvent(veu::v1::EVENT_ENROLLED, "a1", "nowhere", 10)}),
              StatusIs(absl::StatusCode::kNotFound, ::testing::HasSubstr("nowhere")));
  EXPECT_THAT(this->store_->GetAgent("a1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->store_->ListEvents({}), IsOkAndHolds(IsEmpty()));
}

TYPED_TEST_P(StoreConformanceTest, UnknownAgentIsNotFound) {
  EXPECT_THAT(this->store_->GetAgent("never-enrolled"), StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(StoreConformanceTest, ListsAgentsOfOneSiteOrOfAll) {
  this->Enrolled("b", "fra-1");
  this->Enrolled("a", "fra-1");
  this->Enrolled("c", "muc-1");
  auto ids = [](const absl::StatusOr<std::vector<veu::v1::AgentRecord>>& agents) {
    std::vector<std::string> out;
    if (agents.ok()) {
      for (const auto& agent : *agents) out.push_back(agent.agent_id());
    }
    return out;
  };
  EXPECT_THAT(ids(this->store_->ListAgents("fra-1")), ElementsAre("a", "b"));
  EXPECT_THAT(ids(this->store_->ListAgents("muc-1")), ElementsAre("c"));
  EXPECT_THAT(ids(this->store_->ListAgents("")), ::testing::UnorderedElementsAre("a", "b", "c"));
  EXPECT_THAT(this->store_->ListAgents("nowhere"), IsOkAndHolds(IsEmpty()));
}

// ---- Appraisals ---------------------------------------------------------------------------

TYPED_TEST_P(StoreConformanceTest, CommitStoresAppraisalEvidenceAgentAndEvents) {
  const veu::v1::AgentRecord agent = this->Enrolled("a1", "fra-1");
  AppraisalCommit commit = MakeCommit("ap-1", agent, 100, veu::v1::VERDICT_REJECT);
  commit.appraisal.add_reasons(veu::v1::QUOTE_SIGNATURE_INVALID);
  commit.events.push_back(MakeEvent(veu::v1::EVENT_VERDICT_CHANGED, "a1", "fra-1", 100));
  ASSERT_OK(this->store_->CommitAppraisal(commit));

  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(AgentRecordEq(commit.agent)));
  EXPECT_THAT(this->store_->LatestAppraisal("a1"), IsOkAndHolds(ProtoEq(commit.appraisal)));
  auto stored = this->store_->ListAppraisals("a1", 0, /*with_evidence=*/true);
  ASSERT_OK(stored);
  ASSERT_THAT(*stored, SizeIs(1));
  EXPECT_THAT((*stored)[0].appraisal(), ProtoEq(commit.appraisal));
  EXPECT_EQ((*stored)[0].evidence(), commit.evidence);
  EXPECT_EQ((*stored)[0].challenge(), commit.challenge);
  auto events = this->store_->ListEvents(Filter("a1"));
  ASSERT_OK(events);
  ASSERT_THAT(*events, SizeIs(1));
  EXPECT_EQ((*events)[0].kind(), veu::v1::EVENT_VERDICT_CHANGED);
}

TYPED_TEST_P(StoreConformanceTest, CommitCarryingAnotherAgentsRecordFailsAndLeavesNothing) {
  const veu::v1::AgentRecord a1 = this->Enrolled("a1", "fra-1");
  const veu::v1::AgentRecord a2 = this->Enrolled("a2", "fra-1");
  AppraisalCommit commit = MakeCommit("ap-1", a1, 100);
  commit.agent = MakeAgent("a2", "fra-1");
  commit.agent.set_hostname("overwritten");
  commit.events.push_back(MakeEvent(veu::v1::EVENT_REBOOTED, "a1", "fra-1", 100));
  EXPECT_THAT(this->store_->CommitAppraisal(commit), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(AgentRecordEq(a1)));
  EXPECT_THAT(this->store_->GetAgent("a2"), IsOkAndHolds(AgentRecordEq(a2)));
  EXPECT_THAT(this->store_->LatestAppraisal("a1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->store_->ListEvents({}), IsOkAndHolds(IsEmpty()));
}

TYPED_TEST_P(StoreConformanceTest, CommitForASiteTheAgentIsNotAtFailsAndLeavesNothing) {
  const veu::v1::AgentRecord agent = this->Enrolled("a1", "fra-1");
  ASSERT_OK(this->store_->AddSite(MakeSite("muc-1")));
  veu::v1::AgentRecord moved = agent;
  moved.set_site("muc-1");
  AppraisalCommit commit = MakeCommit("ap-1", moved, 100);
  commit.events.push_back(MakeEvent(veu::v1::EVENT_REBOOTED, "a1", "muc-1", 100));
  EXPECT_THAT(this->store_->CommitAppraisal(commit),
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::HasSubstr("fra-1")));
  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(AgentRecordEq(agent)));
  EXPECT_THAT(this->store_->LatestAppraisal("a1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->store_->ListEvents({}), IsOkAndHolds(IsEmpty()));
}

TYPED_TEST_P(StoreConformanceTest, CommitWithAnAppraisalIdAlreadyStoredFailsAndLeavesNothing) {
  const veu::v1::AgentRecord agent = this->Enrolled("a1", "fra-1");
  const AppraisalCommit first = MakeCommit("ap-1", agent, 100);
  ASSERT_OK(this->store_->CommitAppraisal(first));

  AppraisalCommit again = MakeCommit("ap-1", first.agent, 200, veu::v1::VERDICT_REJECT);
  again.events.push_back(MakeEvent(veu::v1::EVENT_VERDICT_CHANGED, "a1", "fra-1", 200));
  EXPECT_THAT(this->store_->CommitAppraisal(again), StatusIs(absl::StatusCode::kAlreadyExists));

  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(AgentRecordEq(first.agent)));
  EXPECT_THAT(this->store_->LatestAppraisal("a1"), IsOkAndHolds(ProtoEq(first.appraisal)));
  EXPECT_THAT(this->AppraisalIds("a1"), ElementsAre("ap-1"));
  EXPECT_THAT(this->store_->ListEvents({}), IsOkAndHolds(IsEmpty()));
}

TYPED_TEST_P(StoreConformanceTest, CommitThatFailsHalfWayThroughItsEventsLeavesNothing) {
  const veu::v1::AgentRecord agent = this->Enrolled("a1", "fra-1");
  AppraisalCommit commit = MakeCommit("ap-1", agent, 100);
  commit.events.push_back(MakeEvent(veu::v1::EVENT_REBOOTED, "a1", "fra-1", 100));
  veu::v1::Event broken = MakeEvent(veu::v1::EVENT_VERDICT_CHANGED, "a1", "fra-1", 100);
  broken.mutable_at()->set_nanos(-1);  // not a valid timestamp: fails after the first writes
  commit.events.push_back(broken);
  EXPECT_THAT(this->store_->CommitAppraisal(commit), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(AgentRecordEq(agent)));
  EXPECT_THAT(this->store_->LatestAppraisal("a1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->store_->ListEvents({}), IsOkAndHolds(IsEmpty()));
  // The id was not burnt: the corrected commit goes through.
  commit.events.pop_back();
  EXPECT_OK(this->store_->CommitAppraisal(commit));
}

TYPED_TEST_P(StoreConformanceTest, CommitForAnAgentThatNeverEnrolledIsNotFound) {
  ASSERT_OK(this->store_->AddSite(MakeSite("fra-1")));
  EXPECT_THAT(this->store_->CommitAppraisal(MakeCommit("ap-1", MakeAgent("ghost", "fra-1"), 100)),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->store_->GetAgent("ghost"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->AppraisalIds("ghost"), IsEmpty());
}

TYPED_TEST_P(StoreConformanceTest, CommitWithoutAppraisalIdIsInvalid) {
  const veu::v1::AgentRecord agent = this->Enrolled("a1", "fra-1");
  EXPECT_THAT(this->store_->CommitAppraisal(MakeCommit("", agent, 100)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(StoreConformanceTest, ListsAppraisalsNewestFirstUpToTheLimit) {
  const veu::v1::AgentRecord agent = this->Enrolled("a1", "fra-1");
  const veu::v1::AgentRecord other = this->Enrolled("a2", "fra-1");
  // Committed out of time order; two share a timestamp (the later commit is newer).
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("t200", agent, 200)));
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("t100", agent, 100)));
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("t300-first", agent, 300)));
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("t300-second", agent, 300)));
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("other", other, 400)));

  EXPECT_THAT(this->AppraisalIds("a1"), ElementsAre("t300-second", "t300-first", "t200", "t100"));
  EXPECT_THAT(this->AppraisalIds("a1", 2), ElementsAre("t300-second", "t300-first"));
  EXPECT_THAT(this->store_->LatestAppraisal("a1"),
              IsOkAndHolds(::testing::Property(&veu::v1::Appraisal::id, "t300-second")));
  EXPECT_THAT(this->AppraisalIds("nobody"), IsEmpty());
}

TYPED_TEST_P(StoreConformanceTest, ListAppraisalsDefaultsToTwenty) {
  const veu::v1::AgentRecord agent = this->Enrolled("a1", "fra-1");
  for (int i = 0; i < 25; ++i) {
    ASSERT_OK(this->store_->CommitAppraisal(MakeCommit(absl::StrCat("ap-", i), agent, 100 + i)));
  }
  EXPECT_THAT(this->AppraisalIds("a1"), SizeIs(20));
  EXPECT_THAT(this->AppraisalIds("a1", 25), SizeIs(25));
}

TYPED_TEST_P(StoreConformanceTest, ListAppraisalsWithoutEvidenceOmitsTheBytes) {
  const veu::v1::AgentRecord agent = this->Enrolled("a1", "fra-1");
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("ap-1", agent, 100)));
  auto stored = this->store_->ListAppraisals("a1", 0, /*with_evidence=*/false);
  ASSERT_OK(stored);
  ASSERT_THAT(*stored, SizeIs(1));
  EXPECT_EQ((*stored)[0].appraisal().id(), "ap-1");
  EXPECT_TRUE((*stored)[0].evidence().empty());
  EXPECT_TRUE((*stored)[0].challenge().empty());
}

TYPED_TEST_P(StoreConformanceTest, EvidenceBytesRoundTripExactly) {
  const veu::v1::AgentRecord agent = this->Enrolled("a1", "fra-1");
  AppraisalCommit commit = MakeCommit("ap-1", agent, 100);
  commit.evidence = std::string("\x00\xff\x00 binary\n", 10) + std::string(100000, '\x5a');
  commit.challenge = "";
  ASSERT_OK(this->store_->CommitAppraisal(commit));
  auto stored = this->store_->ListAppraisals("a1", 1, /*with_evidence=*/true);
  ASSERT_OK(stored);
  ASSERT_THAT(*stored, SizeIs(1));
  EXPECT_EQ((*stored)[0].evidence(), commit.evidence);
  EXPECT_EQ((*stored)[0].challenge(), "");
}

TYPED_TEST_P(StoreConformanceTest, LatestAppraisalOfAnAgentNeverAppraisedIsNotFound) {
  this->Enrolled("a1", "fra-1");
  EXPECT_THAT(this->store_->LatestAppraisal("a1"), StatusIs(absl::StatusCode::kNotFound));
}

// ---- Events -------------------------------------------------------------------------------

TYPED_TEST_P(StoreConformanceTest, AppendedEventsGetIncreasingIds) {
  auto first =
      this->store_->AppendEvent(MakeEvent(veu::v1::EVENT_ENROLLMENT_REFUSED, "x", "fra-1", 10));
  auto second =
      this->store_->AppendEvent(MakeEvent(veu::v1::EVENT_ENROLLMENT_REFUSED, "y", "fra-1", 10));
  ASSERT_OK(first);
  ASSERT_OK(second);
  EXPECT_GT(*first, 0);
  EXPECT_GT(*second, *first);
  auto events = this->store_->ListEvents({});
  ASSERT_OK(events);
  ASSERT_THAT(*events, SizeIs(2));
  EXPECT_EQ((*events)[0].id(), *second);
  EXPECT_EQ((*events)[1].id(), *first);
}

TYPED_TEST_P(StoreConformanceTest, ListsEventsNewestFirstFilteredByAgentAndSite) {
  using veu::v1::EVENT_REBOOTED;
  ASSERT_OK(this->store_->AppendEvent(MakeEvent(EVENT_REBOOTED, "a1", "fra-1", 10)));
  ASSERT_OK(this->store_->AppendEvent(MakeEvent(EVENT_REBOOTED, "a2", "fra-1", 30)));
  ASSERT_OK(this->store_->AppendEvent(MakeEvent(EVENT_REBOOTED, "a1", "fra-1", 20)));
  ASSERT_OK(this->store_->AppendEvent(MakeEvent(EVENT_REBOOTED, "a3", "muc-1", 40)));

  EXPECT_THAT(this->EventDetails({}),
              ElementsAre("event at 40", "event at 30", "event at 20", "event at 10"));
  EXPECT_THAT(this->EventDetails(Filter("a1")), ElementsAre("event at 20", "event at 10"));
  EXPECT_THAT(this->EventDetails(Filter("", "fra-1")),
              ElementsAre("event at 30", "event at 20", "event at 10"));
  EXPECT_THAT(this->EventDetails(Filter("a2", "fra-1")), ElementsAre("event at 30"));
  EXPECT_THAT(this->EventDetails(Filter("a2", "muc-1")), IsEmpty());
  EXPECT_THAT(this->EventDetails(Filter("", "", 2)), ElementsAre("event at 40", "event at 30"));
}

// ---- Paging (issue 17) -------------------------------------------------------------------

// Pages of 2 over 5 appraisals, three of them at one instant: each appears exactly once, in the
// listing's order, and the cursor after the last page yields nothing.
TYPED_TEST_P(StoreConformanceTest, AppraisalPagesCoverEveryAppraisalOnceInOrder) {
  const veu::v1::AgentRecord agent = this->Enrolled("a1", "fra-1");
  const veu::v1::AgentRecord other = this->Enrolled("a2", "fra-1");
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("t100", agent, 100)));
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("t200-a", agent, 200)));
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("other", other, 200)));
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("t200-b", agent, 200)));
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("t200-c", agent, 200)));
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("t300", agent, 300)));

  std::vector<std::string> seen;
  AppraisalQuery query;
  query.agent_id = "a1";
  query.limit = 2;
  for (int page = 0; page < 10; ++page) {
    auto listed = this->store_->ListAppraisalPage(query);
    ASSERT_OK(listed);
    ASSERT_EQ(listed->cursors.size(), listed->appraisals.size());
    if (listed->appraisals.empty()) break;
    for (const auto& stored : listed->appraisals) seen.push_back(stored.appraisal().id());
    query.older_than = listed->cursors.back();
  }
  EXPECT_THAT(seen, ElementsAre("t300", "t200-c", "t200-b", "t200-a", "t100"));
}

TYPED_TEST_P(StoreConformanceTest, EventPagesCoverEveryEventOnceInOrder) {
  using veu::v1::EVENT_REBOOTED;
  ASSERT_OK(this->store_->AppendEvent(MakeEvent(EVENT_REBOOTED, "a1", "fra-1", 10)));
  ASSERT_OK(this->store_->AppendEvent(MakeEvent(EVENT_REBOOTED, "a1", "fra-1", 20)));
  ASSERT_OK(this->store_->AppendEvent(MakeEvent(EVENT_REBOOTED, "a2", "fra-1", 20)));
  ASSERT_OK(this->store_->AppendEvent(MakeEvent(EVENT_REBOOTED, "a1", "fra-1", 20)));
  ASSERT_OK(this->store_->AppendEvent(MakeEvent(EVENT_REBOOTED, "a1", "fra-1", 30)));

  std::vector<std::string> seen;  // "agent@at#id"
  std::vector<int64_t> ids;
  EventFilter filter = Filter("a1", "", 2);
  for (int page = 0; page < 10; ++page) {
    auto events = this->store_->ListEvents(filter);
    ASSERT_OK(events);
    if (events->empty()) break;
    for (const auto& e : *events) {
      seen.push_back(absl::StrCat(e.agent_id(), "@", e.at().seconds()));
      ids.push_back(e.id());
    }
    const veu::v1::Event& last = events->back();
    filter.older_than = PageCursor{last.at().seconds() * 1000000 + last.at().nanos() / 1000,
                                   last.id()};
  }
  EXPECT_THAT(seen, ElementsAre("a1@30", "a1@20", "a1@20", "a1@10"));
  ASSERT_THAT(ids, SizeIs(4));
  EXPECT_GT(ids[1], ids[2]) << "at one instant the later event comes first";

  filter.oldest_first = true;
  EXPECT_THAT(this->store_->ListEvents(filter), StatusIs(absl::StatusCode::kInvalidArgument))
      << "a newest-first cursor in an oldest-first listing is a caller's mistake";
}

// ---- Evidence retention (issue 17) --------------------------------------------------------

// Which appraisals of `agent_id` still hold their evidence, newest first ("id" or "id:dropped").
inline std::vector<std::string> EvidenceKept(Store* store, const std::string& agent_id) {
  std::vector<std::string> out;
  auto listed = store->ListAppraisals(agent_id, 100, /*with_evidence=*/true);
  EXPECT_OK(listed);
  if (!listed.ok()) return out;
  for (const auto& stored : *listed) {
    EXPECT_EQ(stored.evidence_dropped(), stored.evidence().empty());
    EXPECT_EQ(stored.evidence().empty(), stored.challenge().empty());
    out.push_back(stored.appraisal().id() + (stored.evidence_dropped() ? ":dropped" : ""));
  }
  return out;
}

TYPED_TEST_P(StoreConformanceTest, RetentionByCountKeepsTheNewestAndRecordsWhatWent) {
  const veu::v1::AgentRecord a1 = this->Enrolled("a1", "fra-1");
  const veu::v1::AgentRecord a2 = this->Enrolled("a2", "fra-1");
  for (int i = 1; i <= 5; ++i) {
    ASSERT_OK(this->store_->CommitAppraisal(MakeCommit(absl::StrCat("a1-", i), a1, 100 * i)));
  }
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("a2-1", a2, 100)));
  EvidenceRetention retention;
  retention.keep_per_agent = 2;
  auto dropped = this->store_->DropEvidence(retention, absl::FromUnixSeconds(1000), 100);
  ASSERT_OK(dropped);
  EXPECT_EQ(dropped->appraisals, 3u);
  EXPECT_EQ(dropped->agents, 1u);
  EXPECT_EQ(dropped->bytes, 3 * (std::string("evidence of a1-1").size() +
                                 std::string("challenge of a1-1").size()));
  EXPECT_THAT(EvidenceKept(this->store_.get(), "a1"),
              ElementsAre("a1-5", "a1-4", "a1-3:dropped", "a1-2:dropped", "a1-1:dropped"));
  EXPECT_THAT(EvidenceKept(this->store_.get(), "a2"), ElementsAre("a2-1")) << "the newest always stays";
  EXPECT_THAT(this->AppraisalIds("a1"), SizeIs(5)) << "results are never dropped";

  auto events = this->store_->ListEvents(Filter("a1"));
  ASSERT_OK(events);
  ASSERT_THAT(*events, SizeIs(1));
  EXPECT_EQ((*events)[0].kind(), veu::v1::EVENT_EVIDENCE_DROPPED);
  EXPECT_EQ((*events)[0].count(), 3u);
  EXPECT_THAT((*events)[0].detail(), HasSubstr("3 appraisal(s)"));
  EXPECT_THAT((*events)[0].detail(), HasSubstr("1970-01-01T00:01:40Z .. 1970-01-01T00:05:00Z"));

  auto again = this->store_->DropEvidence(retention, absl::FromUnixSeconds(1000), 100);
  ASSERT_OK(again);
  EXPECT_EQ(again->appraisals, 0u) << "what is gone is not dropped (or recorded) twice";
  EXPECT_THAT(this->EventDetails(Filter("a1")), SizeIs(1));
}

TYPED_TEST_P(StoreConformanceTest, RetentionByBytesAgeAndBatchSize) {
  const veu::v1::AgentRecord a1 = this->Enrolled("a1", "fra-1");
  for (int i = 1; i <= 6; ++i) {
    ASSERT_OK(this->store_->CommitAppraisal(MakeCommit(absl::StrCat("a1-", i), a1, 100 * i)));
  }
  const uint64_t each =
      std::string("evidence of a1-1").size() + std::string("challenge of a1-1").size();
  EvidenceRetention nothing;
  auto none = this->store_->DropEvidence(nothing, absl::FromUnixSeconds(1000), 100);
  ASSERT_OK(none);
  EXPECT_EQ(none->appraisals, 0u) << "no limit set, nothing dropped";

  EvidenceRetention by_age;
  by_age.max_age = absl::Seconds(550);  // at 1000: appraisals before 450 go
  auto aged = this->store_->DropEvidence(by_age, absl::FromUnixSeconds(1000), /*max=*/1);
  ASSERT_OK(aged);
  EXPECT_EQ(aged->appraisals, 1u) << "a batch stops at its size, oldest first";
  EXPECT_THAT(EvidenceKept(this->store_.get(), "a1"),
              ElementsAre("a1-6", "a1-5", "a1-4", "a1-3", "a1-2", "a1-1:dropped"));
  aged = this->store_->DropEvidence(by_age, absl::FromUnixSeconds(1000), 100);
  ASSERT_OK(aged);
  EXPECT_EQ(aged->appraisals, 3u);
  EXPECT_THAT(EvidenceKept(this->store_.get(), "a1"),
              ElementsAre("a1-6", "a1-5", "a1-4:dropped", "a1-3:dropped", "a1-2:dropped",
                          "a1-1:dropped"));

  EvidenceRetention by_bytes;
  by_bytes.max_bytes_per_agent = each + each / 2;  // room for one and a half
  auto sized = this->store_->DropEvidence(by_bytes, absl::FromUnixSeconds(1000), 100);
  ASSERT_OK(sized);
  EXPECT_EQ(sized->appraisals, 1u);
  EXPECT_THAT(EvidenceKept(this->store_.get(), "a1"), ElementsAre("a1-6", "a1-5:dropped", "a1-4:dropped",
                                                    "a1-3:dropped", "a1-2:dropped",
                                                    "a1-1:dropped"));
  by_bytes.max_bytes_per_agent = 1;  // smaller than any: the newest still stays
  sized = this->store_->DropEvidence(by_bytes, absl::FromUnixSeconds(1000), 100);
  ASSERT_OK(sized);
  EXPECT_EQ(sized->appraisals, 0u);
}

// ---- Concurrency and persistence ----------------------------------------------------------

TYPED_TEST_P(StoreConformanceTest, ConcurrentCommitsAllLand) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::vector<veu::v1::AgentRecord> agents;
  for (int t = 0; t < kThreads; ++t)
    agents.push_back(this->Enrolled(absl::StrCat("a", t), "fra-1"));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        AppraisalCommit commit = MakeCommit(absl::StrCat("ap-", t, "-", i), agents[t], 100 + i);
        commit.events.push_back(
            MakeEvent(veu::v1::EVENT_VERDICT_CHANGED, agents[t].agent_id(), "fra-1", 100 + i));
        if (!this->store_->CommitAppraisal(commit).ok()) ++failures;
        // Readers run alongside the writers.
        if (!this->store_->ListAppraisals(agents[t].agent_id(), 5, false).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_THAT(this->AppraisalIds(agents[t].agent_id(), 100), SizeIs(kPerThread));
    EXPECT_THAT(this->store_->GetAgent(agents[t].agent_id()),
                IsOkAndHolds(::testing::Property(&veu::v1::AgentRecord::last_clock,
                                                 uint64_t{(100 + kPerThread - 1) * 1000})));
  }
  EXPECT_THAT(this->store_->ListEvents(Filter("", "", 1000)),
              IsOkAndHolds(SizeIs(kThreads * kPerThread)));
}

TYPED_TEST_P(StoreConformanceTest, EverythingSurvivesClosingAndReopening) {
  const veu::v1::AgentRecord agent = this->Enrolled("a1", "fra-1");
  const AppraisalCommit commit = MakeCommit("ap-1", agent, 100);
  ASSERT_OK(this->store_->CommitAppraisal(commit));
  veu::v1::EkAllowance allowance;
  allowance.set_site("fra-1");
  allowance.set_ek_public_sha256(crypto::Sha256("ek"));
  ASSERT_OK(this->store_->AddEkAllowance(allowance));
  ASSERT_OK(this->store_->AddEnrollmentToken(MakeToken("s3cret", "fra-1", 2000)));
  ASSERT_THAT(this->store_->ConsumeEnrollmentToken(crypto::Sha256("s3cret"), "fra-1",
                                                   absl::FromUnixSeconds(1000)),
              IsOkAndHolds(TokenUse::kConsumed));
  ASSERT_OK(this->store_->AppendEvent(MakeEvent(veu::v1::EVENT_REBOOTED, "a1", "fra-1", 5)));

  ASSERT_NO_FATAL_FAILURE(this->Reopen());

  EXPECT_THAT(this->store_->GetSite("fra-1"), IsOkAndHolds(ProtoEq(MakeSite("fra-1"))));
  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(AgentRecordEq(commit.agent)));
  EXPECT_THAT(this->store_->LatestAppraisal("a1"), IsOkAndHolds(ProtoEq(commit.appraisal)));
  EXPECT_THAT(this->store_->IsEkAllowed("fra-1", crypto::Sha256("ek")), IsOkAndHolds(true));
  EXPECT_THAT(this->store_->ConsumeEnrollmentToken(crypto::Sha256("s3cret"), "fra-1",
                                                   absl::FromUnixSeconds(1000)),
              IsOkAndHolds(TokenUse::kAlreadyUsed));
  EXPECT_THAT(this->store_->ListEvents({}), IsOkAndHolds(SizeIs(1)));
}

// ---- Reference values ----------------------------------------------------------------------

TYPED_TEST_P(StoreConformanceTest, ReferenceValuesArePutPerClassReplacedAndReadBack) {
  veu::v1::ReferenceValues refs;
  refs.set_name("gpu-node-gen3");
  refs.set_secure_boot_required(true);
  refs.add_kernel_cmdline_patterns("ro quiet");
  ASSERT_OK(this->store_->PutReferenceValues(refs));
  EXPECT_THAT(this->store_->GetReferenceValues("gpu-node-gen3"), IsOkAndHolds(ProtoEq(refs)));
  refs.set_secure_boot_required(false);
  ASSERT_OK(this->store_->PutReferenceValues(refs));
  EXPECT_THAT(this->store_->GetReferenceValues("gpu-node-gen3"), IsOkAndHolds(ProtoEq(refs)));
  EXPECT_THAT(this->store_->GetReferenceValues("other"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->store_->PutReferenceValues(veu::v1::ReferenceValues()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreConformanceTest, AddedSiteReadsBackUnchanged, ListsSitesInNameOrder, RejectsSiteWhoseNameIsTaken, RejectsSiteWithoutName, UnknownSiteIsNotFound, EkIsAllowedOnlyForTheSiteItWasAllowedFor, RejectsEkAllowedTwiceForOneSite, RejectsEkAllowanceForUnknownSite, RejectsEkHashThatIsNotARawSha256, TokenIsConsumedOnceThenReportedAlreadyUsed, ExpiredTokenIsRefusedAndLeftUnused, TokenOfAnotherSiteIsRefusedAndNotConsumed, UnknownTokenIsReportedUnknown, RejectsTokenForUnknownSiteOrWithoutExpiry, ConcurrentUsersOfOneTokenConsumeItExactlyOnce, PutAgentStoresTheRecordAndItsEvents, PutAgentReplacesTheRecord, PutAgentForUnknownSiteFailsAndStoresNothing, UnknownAgentIsNotFound, ListsAgentsOfOneSiteOrOfAll, CommitStoresAppraisalEvidenceAgentAndEvents, CommitCarryingAnotherAgentsRecordFailsAndLeavesNothing, CommitForASiteTheAgentIsNotAtFailsAndLeavesNothing, CommitWithAnAppraisalIdAlreadyStoredFailsAndLeavesNothing, CommitThatFailsHalfWayThroughItsEventsLeavesNothing, CommitForAnAgentThatNeverEnrolledIsNotFound, CommitWithoutAppraisalIdIsInvalid, ListsAppraisalsNewestFirstUpToTheLimit, ListAppraisalsDefaultsToTwenty, ListAppraisalsWithoutEvidenceOmitsTheBytes, EvidenceBytesRoundTripExactly, LatestAppraisalOfAnAgentNeverAppraisedIsNotFound, AppendedEventsGetIncreasingIds, ListsEventsNewestFirstFilteredByAgentAndSite, AppraisalPagesCoverEveryAppraisalOnceInOrder, EventPagesCoverEveryEventOnceInOrder, RetentionByCountKeepsTheNewestAndRecordsWhatWent, RetentionByBytesAgeAndBatchSize, ConcurrentCommitsAllLand, EverythingSurvivesClosingAndReopening, ReferenceValuesArePutPerClassReplacedAndReadBack);

}  // namespace veu::verifier::testing

#endif  // VEU_TESTS_VERIFIER_STORE_STORE_CONFORMANCE_TEST_H_
