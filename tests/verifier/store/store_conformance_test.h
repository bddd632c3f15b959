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
//
// Include this header from exactly one .cc per test binary.
#ifndef VEU_TESTS_VERIFIER_STORE_STORE_CONFORMANCE_TEST_H_
#define VEU_TESTS_VERIFIER_STORE_STORE_CONFORMANCE_TEST_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/crypto/digest.h"
#include "tests/support/status_matchers.h"
#include "verifier/store/store.h"

namespace veu::verifier::testing {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::veu::testing::IsOkAndHolds;
using ::veu::testing::StatusIs;

inline google::protobuf::Timestamp Ts(int64_t seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  return t;
}

inline veu::v1::Site MakeSite(const std::string& name) {
  veu::v1::Site site;
  site.set_name(name);
  site.set_organisation("Example Compute GmbH");
  site.set_country("DE");
  *site.mutable_created_at() = Ts(1700000000);
  return site;
}

inline veu::v1::AgentRecord MakeAgent(const std::string& id, const std::string& site) {
  veu::v1::AgentRecord agent;
  agent.set_agent_id(id);
  agent.set_site(site);
  agent.set_status(veu::v1::AGENT_STATUS_ENROLLED);
  agent.set_hostname(id + ".example");
  agent.set_ak_name(std::string("\x00\x0b", 2) + crypto::Sha256(id));
  *agent.mutable_enrolled_at() = Ts(1700000000);
  return agent;
}

inline veu::v1::Event MakeEvent(veu::v1::EventKind kind, const std::string& agent_id,
                                const std::string& site, int64_t at_seconds) {
  veu::v1::Event event;
  event.set_kind(kind);
  event.set_agent_id(agent_id);
  event.set_site(site);
  *event.mutable_at() = Ts(at_seconds);
  event.set_detail(absl::StrCat("event at ", at_seconds));
  return event;
}

// A consistent commit: appraisal `id` of `agent` at time `at_seconds`, with the agent record
// updated the way the appraiser would (last_seen, last_verdict, last_clock).
inline AppraisalCommit MakeCommit(const std::string& id, const veu::v1::AgentRecord& agent,
                                  int64_t at_seconds,
                                  veu::v1::Verdict verdict = veu::v1::VERDICT_ACCEPT) {
  AppraisalCommit commit;
  commit.appraisal.set_id(id);
  commit.appraisal.set_agent_id(agent.agent_id());
  commit.appraisal.set_site(agent.site());
  *commit.appraisal.mutable_appraised_at() = Ts(at_seconds);
  commit.appraisal.set_verdict(verdict);
  commit.appraisal.set_policy_version("test-1");
  commit.evidence = "evidence of " + id;
  commit.challenge = "challenge of " + id;
  commit.agent = agent;
  *commit.agent.mutable_last_seen() = Ts(at_seconds);
  commit.agent.set_last_verdict(verdict);
  commit.agent.set_last_clock(static_cast<uint64_t>(at_seconds) * 1000);
  return commit;
}

inline veu::v1::EnrollmentToken MakeToken(const std::string& secret, const std::string& site,
                                          int64_t expires_seconds) {
  veu::v1::EnrollmentToken token;
  token.set_token_sha256(crypto::Sha256(secret));
  token.set_site(site);
  *token.mutable_expires_at() = Ts(expires_seconds);
  return token;
}

inline EventFilter Filter(const std::string& agent_id, const std::string& site = "",
                          uint32_t limit = 100) {
  EventFilter filter;
  filter.agent_id = agent_id;
  filter.site = site;
  filter.limit = limit;
  return filter;
}

MATCHER_P(ProtoEq, expected, "equals " + expected.ShortDebugString()) {
  *result_listener << "is " << arg.ShortDebugString();
  return arg.SerializeAsString() == expected.SerializeAsString();
}

template <typename Backend>
class StoreConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Reopen()); }

  // Closes the store (if open) and opens the same database again.
  void Reopen() {
    store_.reset();
    auto opened = backend_.Open();
    ASSERT_OK(opened);
    store_ = std::move(*opened);
  }

  // Adds site `name` and returns an agent enrolled there.
  veu::v1::AgentRecord Enrolled(const std::string& agent_id, const std::string& site) {
    if (!store_->GetSite(site).ok()) {
      EXPECT_OK(store_->AddSite(MakeSite(site)));
    }
    veu::v1::AgentRecord agent = MakeAgent(agent_id, site);
    EXPECT_OK(store_->PutAgent(agent, {}));
    return agent;
  }

  std::vector<std::string> AppraisalIds(const std::string& agent_id, uint32_t limit = 0) {
    std::vector<std::string> ids;
    auto listed = store_->ListAppraisals(agent_id, limit, /*with_evidence=*/false);
    EXPECT_OK(listed);
    if (!listed.ok()) return ids;
    for (const auto& stored : *listed) ids.push_back(stored.appraisal().id());
    return ids;
  }

  std::vector<std::string> EventDetails(const EventFilter& filter) {
    std::vector<std::string> details;
    auto listed = store_->ListEvents(filter);
    EXPECT_OK(listed);
    if (!listed.ok()) return details;
    for (const auto& event : *listed) details.push_back(event.detail());
    return details;
  }

  Backend backend_;
  std::unique_ptr<Store> store_;
};

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
  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(ProtoEq(agent)));
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
  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(ProtoEq(agent)));
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

  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(ProtoEq(commit.agent)));
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
  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(ProtoEq(a1)));
  EXPECT_THAT(this->store_->GetAgent("a2"), IsOkAndHolds(ProtoEq(a2)));
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
  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(ProtoEq(agent)));
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

  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(ProtoEq(first.agent)));
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
  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(ProtoEq(agent)));
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
  EXPECT_THAT(this->store_->GetAgent("a1"), IsOkAndHolds(ProtoEq(commit.agent)));
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

// ---- Log chain (previous_log_index) -------------------------------------------------------

TYPED_TEST_P(StoreConformanceTest, EachAgentsLoggedAppraisalsFormAChainAcrossAgents) {
  const veu::v1::AgentRecord a1 = this->Enrolled("a1", "fra-1");
  const veu::v1::AgentRecord a2 = this->Enrolled("a2", "fra-1");
  AppraisalCommit first = MakeCommit("a1-first", a1, 100);
  first.appraisal.set_previous_log_index(99);  // not the caller's to set: the store decides
  ASSERT_OK(this->store_->CommitAppraisal(first));                         // leaf 0
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("a2-first", a2, 110)));   // leaf 1
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("a1-second", a1, 120)));  // leaf 2
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("a2-second", a2, 130)));  // leaf 3
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("a1-third", a1, 140)));   // leaf 4

  auto chain = [&](const std::string& agent_id) {
    std::vector<std::string> out;  // newest first: "id@log_index<-previous"
    auto listed = this->store_->ListAppraisals(agent_id, 0, /*with_evidence=*/false);
    EXPECT_OK(listed);
    if (!listed.ok()) return out;
    for (const auto& stored : *listed) {
      const veu::v1::Appraisal& a = stored.appraisal();
      out.push_back(absl::StrCat(a.id(), "@", a.log_index(), "<-",
                                 a.has_previous_log_index()
                                     ? absl::StrCat(a.previous_log_index())
                                     : std::string("none")));
    }
    return out;
  };
  EXPECT_THAT(chain("a1"), ElementsAre("a1-third@4<-2", "a1-second@2<-0", "a1-first@0<-none"));
  EXPECT_THAT(chain("a2"), ElementsAre("a2-second@3<-1", "a2-first@1<-none"));

  // The leaf data (what the log proves) carries the link too.
  auto entries = this->store_->ListSiteAppraisals(
      {"fra-1", absl::FromUnixSeconds(0), absl::FromUnixSeconds(1000)});
  ASSERT_OK(entries);
  ASSERT_THAT(*entries, SizeIs(5));
  veu::v1::Appraisal leaf;
  ASSERT_TRUE(leaf.ParseFromString((*entries)[4].appraisal));
  EXPECT_EQ(leaf.id(), "a1-third");
  ASSERT_TRUE(leaf.has_previous_log_index());
  EXPECT_EQ(leaf.previous_log_index(), 2u);
}

// ---- Accelerator sightings ----------------------------------------------------------------

TYPED_TEST_P(StoreConformanceTest, SightingsKeepFirstSeenAndFollowTheLatestReportPerSite) {
  const veu::v1::AgentRecord a1 = this->Enrolled("a1", "fra-1");
  const veu::v1::AgentRecord a2 = this->Enrolled("a2", "fra-1");
  const veu::v1::AgentRecord a3 = this->Enrolled("a3", "muc-1");
  AppraisalCommit c1 = MakeCommit("ap-1", a1, 100);
  c1.sightings = {"serial:A", "serial:B"};
  ASSERT_OK(this->store_->CommitAppraisal(c1));
  AppraisalCommit c2 = MakeCommit("ap-2", a2, 200);
  c2.sightings = {"serial:A"};
  ASSERT_OK(this->store_->CommitAppraisal(c2));
  AppraisalCommit c3 = MakeCommit("ap-3", a3, 300);
  c3.sightings = {"serial:A"};
  ASSERT_OK(this->store_->CommitAppraisal(c3));

  auto sighting = [](const std::string& identity, const std::string& site,
                     const std::string& agent_id, int64_t first, int64_t last) {
    veu::v1::AcceleratorSighting s;
    s.set_identity(identity);
    s.set_site(site);
    s.set_agent_id(agent_id);
    *s.mutable_first_seen() = Ts(first);
    *s.mutable_last_seen() = Ts(last);
    return s;
  };
  EXPECT_THAT(this->store_->ListSightings({"serial:A"}),
              IsOkAndHolds(::testing::UnorderedElementsAre(
                  ProtoEq(sighting("serial:A", "fra-1", "a2", 100, 200)),
                  ProtoEq(sighting("serial:A", "muc-1", "a3", 300, 300)))));
  EXPECT_THAT(this->store_->ListSightings({"serial:B", "serial:unknown"}),
              IsOkAndHolds(ElementsAre(ProtoEq(sighting("serial:B", "fra-1", "a1", 100, 100)))));
  EXPECT_THAT(this->store_->ListSightings({"serial:A", "serial:B"}), IsOkAndHolds(SizeIs(3)));
  EXPECT_THAT(this->store_->ListSightings({}), IsOkAndHolds(IsEmpty()));
}

// ---- Diversions ---------------------------------------------------------------------------

inline veu::v1::Diversion MakeDiversion(const std::string& identity, const std::string& site,
                                        const std::string& agent_id,
                                        const std::string& other_site,
                                        const std::string& other_agent_id,
                                        int64_t detected_seconds) {
  veu::v1::Diversion d;
  d.set_identity(identity);
  d.set_site(site);
  d.set_agent_id(agent_id);
  d.set_other_site(other_site);
  d.set_other_agent_id(other_agent_id);
  *d.mutable_detected_at() = Ts(detected_seconds);
  *d.mutable_other_last_seen() = Ts(detected_seconds - 50);
  return d;
}

inline std::vector<std::string> DiversionIdentities(
    const absl::StatusOr<std::vector<veu::v1::Diversion>>& diversions) {
  std::vector<std::string> out;
  if (diversions.ok()) {
    for (const auto& d : *diversions) out.push_back(d.identity());
  }
  return out;
}

inline DiversionFilter Diversions(const std::string& site, bool open_only = true,
                                  uint32_t limit = 100) {
  DiversionFilter filter;
  filter.site = site;
  filter.open_only = open_only;
  filter.limit = limit;
  return filter;
}

TYPED_TEST_P(StoreConformanceTest, DiversionsOpenedByCommitsAreListedNewestFirstAndFiltered) {
  const veu::v1::AgentRecord muc = this->Enrolled("a-muc", "muc-1");
  const veu::v1::AgentRecord ber = this->Enrolled("a-ber", "ber-1");
  this->Enrolled("a-fra", "fra-1");
  AppraisalCommit c1 = MakeCommit("ap-1", muc, 300);
  c1.diversions.push_back(MakeDiversion("serial:A", "muc-1", "a-muc", "fra-1", "a-fra", 300));
  ASSERT_OK(this->store_->CommitAppraisal(c1));
  AppraisalCommit c2 = MakeCommit("ap-2", ber, 400);
  c2.diversions.push_back(MakeDiversion("serial:B", "ber-1", "a-ber", "muc-1", "a-muc", 400));
  ASSERT_OK(this->store_->CommitAppraisal(c2));

  auto all = this->store_->ListDiversions(Diversions(""));
  ASSERT_OK(all);
  ASSERT_THAT(*all, SizeIs(2));
  EXPECT_EQ((*all)[0].identity(), "serial:B");
  EXPECT_EQ((*all)[1].identity(), "serial:A");
  EXPECT_GT((*all)[0].id(), 0);
  EXPECT_GT((*all)[1].id(), 0);
  EXPECT_NE((*all)[0].id(), (*all)[1].id());
  veu::v1::Diversion expected = c1.diversions[0];
  expected.set_id((*all)[1].id());
  EXPECT_THAT((*all)[1], ProtoEq(expected));

  // A site's cases are those where it is either side.
  EXPECT_THAT(DiversionIdentities(this->store_->ListDiversions(Diversions("fra-1"))),
              ElementsAre("serial:A"));
  EXPECT_THAT(DiversionIdentities(this->store_->ListDiversions(Diversions("muc-1"))),
              ElementsAre("serial:B", "serial:A"));
  EXPECT_THAT(DiversionIdentities(this->store_->ListDiversions(Diversions("ber-1"))),
              ElementsAre("serial:B"));
  EXPECT_THAT(this->store_->ListDiversions(Diversions("nowhere")), IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(DiversionIdentities(this->store_->ListDiversions(Diversions("", true, 1))),
              ElementsAre("serial:B"));

  // Resolved cases drop out of the open ones but stay on record.
  ASSERT_OK(this->store_->ResolveDiversion((*all)[0].id(), "RMA shipment, papers checked",
                                           absl::FromUnixSeconds(500)));
  EXPECT_THAT(DiversionIdentities(this->store_->ListDiversions(Diversions(""))),
              ElementsAre("serial:A"));
  EXPECT_THAT(DiversionIdentities(this->store_->ListDiversions(Diversions("", false))),
              ElementsAre("serial:B", "serial:A"));
  EXPECT_THAT(this->store_->ListDiversions(Diversions("ber-1")), IsOkAndHolds(IsEmpty()));
}

TYPED_TEST_P(StoreConformanceTest, PolicyPacksAreStoredOncePerVersion) {
  veu::v1::PolicyPack pack;
  pack.set_id("veu-2025");
  pack.set_version("1");
  pack.set_regulation("90 FR 4544");
  pack.add_controls()->set_id("VEU-14.remote-access");
  ASSERT_OK(this->store_->PutPolicyPack(pack));
  ASSERT_OK(this->store_->PutPolicyPack(pack));  // the same again: fine
  auto read = this->store_->GetPolicyPack("veu-2025@1");
  ASSERT_OK(read);
  EXPECT_EQ(read->SerializeAsString(), pack.SerializeAsString());
  veu::v1::PolicyPack changed = pack;
  changed.add_controls()->set_id("VEU-99.new");
  EXPECT_THAT(this->store_->PutPolicyPack(changed),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  changed.set_version("2");
  ASSERT_OK(this->store_->PutPolicyPack(changed));
  EXPECT_EQ(this->store_->GetPolicyPack("veu-2025@1")->controls_size(), 1);
  EXPECT_EQ(this->store_->GetPolicyPack("veu-2025@2")->controls_size(), 2);
  EXPECT_THAT(this->store_->GetPolicyPack("veu-2025@3").status(),
              StatusIs(absl::StatusCode::kNotFound));
  veu::v1::PolicyPack unnamed;
  EXPECT_THAT(this->store_->PutPolicyPack(unnamed),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Two sites' reports can race: each sees the other's sighting before either commits, and both
// open a case for the same chip. The second is the same case and is not stored twice.
TYPED_TEST_P(StoreConformanceTest, ACaseAlreadyOpenBetweenTheSameTwoSitesIsNotOpenedTwice) {
  const veu::v1::AgentRecord muc = this->Enrolled("a-muc", "muc-1");
  const veu::v1::AgentRecord fra = this->Enrolled("a-fra", "fra-1");
  AppraisalCommit c1 = MakeCommit("ap-1", muc, 300);
  c1.diversions.push_back(MakeDiversion("serial:A", "muc-1", "a-muc", "fra-1", "a-fra", 300));
  ASSERT_OK(this->store_->CommitAppraisal(c1));
  AppraisalCommit c2 = MakeCommit("ap-2", fra, 301);
  c2.diversions.push_back(MakeDiversion("serial:A", "fra-1", "a-fra", "muc-1", "a-muc", 301));
  c2.diversions.push_back(MakeDiversion("serial:B", "fra-1", "a-fra", "muc-1", "a-muc", 301));
  ASSERT_OK(this->store_->CommitAppraisal(c2));
  auto open = this->store_->ListDiversions(Diversions(""));
  ASSERT_OK(open);
  ASSERT_THAT(*open, SizeIs(2));
  EXPECT_EQ((*open)[0].identity(), "serial:B");
  EXPECT_EQ((*open)[1].identity(), "serial:A");
  EXPECT_EQ((*open)[1].site(), "muc-1");  // the first case stands
  // Once resolved, the same chip at the same two sites is a new case.
  ASSERT_OK(this->store_->ResolveDiversion((*open)[1].id(), "checked", absl::FromUnixSeconds(400))
                .status());
  AppraisalCommit c3 = MakeCommit("ap-3", fra, 500);
  c3.diversions.push_back(MakeDiversion("serial:A", "fra-1", "a-fra", "muc-1", "a-muc", 500));
  ASSERT_OK(this->store_->CommitAppraisal(c3));
  auto again = this->store_->ListDiversions(Diversions("", /*open_only=*/true));
  ASSERT_OK(again);
  EXPECT_THAT(*again, SizeIs(2));
}

TYPED_TEST_P(StoreConformanceTest, ResolvingADiversionClosesItForgetsOtherSitesAndLogsBoth) {
  const veu::v1::AgentRecord fra = this->Enrolled("a-fra", "fra-1");
  const veu::v1::AgentRecord ber = this->Enrolled("a-ber", "ber-1");
  const veu::v1::AgentRecord muc = this->Enrolled("a-muc", "muc-1");
  AppraisalCommit c1 = MakeCommit("ap-1", fra, 100);
  c1.sightings = {"serial:A", "serial:B"};
  ASSERT_OK(this->store_->CommitAppraisal(c1));
  AppraisalCommit c2 = MakeCommit("ap-2", ber, 200);
  c2.sightings = {"serial:A"};
  ASSERT_OK(this->store_->CommitAppraisal(c2));
  AppraisalCommit c3 = MakeCommit("ap-3", muc, 300);
  c3.sightings = {"serial:A"};
  c3.diversions.push_back(MakeDiversion("serial:A", "muc-1", "a-muc", "fra-1", "a-fra", 300));
  ASSERT_OK(this->store_->CommitAppraisal(c3));
  auto open = this->store_->ListDiversions(Diversions(""));
  ASSERT_OK(open);
  ASSERT_THAT(*open, SizeIs(1));
  const int64_t id = (*open)[0].id();

  // An empty note is refused and changes nothing.
  EXPECT_THAT(this->store_->ResolveDiversion(id, "", absl::FromUnixSeconds(1000)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(this->store_->ListDiversions(Diversions("")), IsOkAndHolds(SizeIs(1)));

  const std::string note = "moved from fra-1 to muc-1 under licence 42";
  auto resolved = this->store_->ResolveDiversion(id, note, absl::FromUnixSeconds(1000));
  ASSERT_OK(resolved);
  veu::v1::Diversion expected = c3.diversions[0];
  expected.set_id(id);
  expected.set_resolved(true);
  *expected.mutable_resolved_at() = Ts(1000);
  expected.set_resolution(note);
  EXPECT_THAT(*resolved, ProtoEq(expected));

  // serial:A is now only where it was reported last; serial:B is untouched.
  EXPECT_THAT(this->store_->ListSightings({"serial:A"}),
              IsOkAndHolds(ElementsAre(::testing::Property(
                  &veu::v1::AcceleratorSighting::site, "muc-1"))));
  EXPECT_THAT(this->store_->ListSightings({"serial:B"}),
              IsOkAndHolds(ElementsAre(::testing::Property(
                  &veu::v1::AcceleratorSighting::site, "fra-1"))));

  // One EVENT_DIVERSION_RESOLVED per site, carrying the note.
  auto events = this->store_->ListEvents(Filter(""));
  ASSERT_OK(events);
  std::vector<std::string> logged;
  for (const auto& e : *events) {
    EXPECT_EQ(e.kind(), veu::v1::EVENT_DIVERSION_RESOLVED);
    EXPECT_EQ(e.detail(), note);
    EXPECT_THAT(e.at(), ProtoEq(Ts(1000)));
    logged.push_back(absl::StrCat(e.site(), "/", e.agent_id()));
  }
  EXPECT_THAT(logged, ::testing::UnorderedElementsAre("muc-1/a-muc", "fra-1/a-fra"));

  // Twice is refused and appends nothing; an unknown case is NotFound.
  EXPECT_THAT(this->store_->ResolveDiversion(id, "again", absl::FromUnixSeconds(2000)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(this->store_->ResolveDiversion(id + 1000, note, absl::FromUnixSeconds(2000)),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->store_->ListEvents(Filter("")), IsOkAndHolds(SizeIs(2)));

  ASSERT_NO_FATAL_FAILURE(this->Reopen());
  EXPECT_THAT(this->store_->ListDiversions(Diversions("", false)),
              IsOkAndHolds(ElementsAre(ProtoEq(expected))));
}

TYPED_TEST_P(StoreConformanceTest, FailedCommitLeavesNoSightingOrDiversion) {
  const veu::v1::AgentRecord agent = this->Enrolled("a1", "fra-1");
  AppraisalCommit commit = MakeCommit("ap-1", agent, 100);
  commit.sightings = {"serial:A"};
  commit.diversions.push_back(MakeDiversion("serial:A", "fra-1", "a1", "muc-1", "a9", 100));
  veu::v1::Diversion broken = MakeDiversion("serial:B", "fra-1", "a1", "muc-1", "a9", 100);
  broken.mutable_detected_at()->set_nanos(-1);  // fails after the sighting and first case
  commit.diversions.push_back(broken);
  EXPECT_THAT(this->store_->CommitAppraisal(commit), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(this->store_->ListSightings({"serial:A"}), IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(this->store_->ListDiversions(Diversions("", false)), IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(this->store_->LatestAppraisal("a1"), StatusIs(absl::StatusCode::kNotFound));

  commit.diversions.pop_back();
  ASSERT_OK(this->store_->CommitAppraisal(commit));
  EXPECT_THAT(this->store_->ListSightings({"serial:A"}), IsOkAndHolds(SizeIs(1)));
  EXPECT_THAT(this->store_->ListDiversions(Diversions("", false)), IsOkAndHolds(SizeIs(1)));
}

// ---- Period queries -----------------------------------------------------------------------

TYPED_TEST_P(StoreConformanceTest, SiteAppraisalsOfAPeriodAreListedOldestFirstByLogIndex) {
  const veu::v1::AgentRecord a1 = this->Enrolled("a1", "fra-1");
  const veu::v1::AgentRecord a2 = this->Enrolled("a2", "muc-1");
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("fra@100", a1, 100)));  // leaf 0
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("fra@200", a1, 200)));  // leaf 1
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("muc@200", a2, 200)));  // leaf 2
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("fra@300", a1, 300)));  // leaf 3
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("fra@150", a1, 150)));  // leaf 4, late

  auto listed = [&](const std::string& site, int64_t from, int64_t to) {
    std::vector<std::string> out;  // "id@leaf"
    auto entries = this->store_->ListSiteAppraisals(
        {site, absl::FromUnixSeconds(from), absl::FromUnixSeconds(to)});
    EXPECT_OK(entries);
    if (!entries.ok()) return out;
    for (const LogEntry& entry : *entries) {
      veu::v1::Appraisal a;
      EXPECT_TRUE(a.ParseFromString(entry.appraisal));
      EXPECT_EQ(a.log_index(), entry.index);
      out.push_back(absl::StrCat(a.id(), "@", entry.index));
    }
    return out;
  };
  // from is inclusive, to exclusive; the order is the log's, not appraised_at's.
  EXPECT_THAT(listed("fra-1", 100, 300), ElementsAre("fra@100@0", "fra@200@1", "fra@150@4"));
  EXPECT_THAT(listed("fra-1", 101, 301), ElementsAre("fra@200@1", "fra@300@3", "fra@150@4"));
  EXPECT_THAT(listed("fra-1", 100, 100), IsEmpty());
  EXPECT_THAT(listed("muc-1", 0, 1000), ElementsAre("muc@200@2"));
  EXPECT_THAT(listed("nowhere", 0, 1000), IsEmpty());
  // The entry is exactly the log's leaf.
  auto entries = this->store_->ListSiteAppraisals(
      {"muc-1", absl::InfinitePast(), absl::InfiniteFuture()});
  ASSERT_OK(entries);
  ASSERT_THAT(*entries, SizeIs(1));
  auto* log = dynamic_cast<AppraisalLog*>(this->store_.get());
  if (log != nullptr) {
    auto leaf = log->LogEntryByIndex(2);
    ASSERT_OK(leaf);
    EXPECT_EQ(leaf->appraisal, (*entries)[0].appraisal);
  }
}

TYPED_TEST_P(StoreConformanceTest, LastAppraisalBeforeIsTheNewestStrictlyEarlierOne) {
  const veu::v1::AgentRecord a1 = this->Enrolled("a1", "fra-1");
  const veu::v1::AgentRecord a2 = this->Enrolled("a2", "fra-1");
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("a1@100", a1, 100)));  // leaf 0
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("a1@200", a1, 200)));  // leaf 1
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("a2@150", a2, 150)));  // leaf 2
  ASSERT_OK(this->store_->CommitAppraisal(MakeCommit("a1@300", a1, 300)));  // leaf 3

  auto before = [&](const std::string& agent_id, int64_t t) -> std::string {
    auto entry = this->store_->LastAppraisalBefore(agent_id, absl::FromUnixSeconds(t));
    if (!entry.ok()) return entry.status().ToString();
    veu::v1::Appraisal a;
    if (!a.ParseFromString(entry->appraisal)) return "unparsable";
    return absl::StrCat(a.id(), "@", entry->index);
  };
  EXPECT_EQ(before("a1", 200), "a1@100@0");
  EXPECT_EQ(before("a1", 201), "a1@200@1");
  EXPECT_EQ(before("a1", 10000), "a1@300@3");
  EXPECT_EQ(before("a2", 200), "a2@150@2");
  EXPECT_THAT(this->store_->LastAppraisalBefore("a1", absl::FromUnixSeconds(100)),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->store_->LastAppraisalBefore("nobody", absl::FromUnixSeconds(10000)),
              StatusIs(absl::StatusCode::kNotFound));
}

// ---- Event time filters -------------------------------------------------------------------

TYPED_TEST_P(StoreConformanceTest, EventsAreFilteredByTimeAndListedInEitherOrder) {
  using veu::v1::EVENT_REBOOTED;
  ASSERT_OK(this->store_->AppendEvent(MakeEvent(EVENT_REBOOTED, "a1", "fra-1", 30)));
  ASSERT_OK(this->store_->AppendEvent(MakeEvent(EVENT_REBOOTED, "a1", "fra-1", 10)));
  ASSERT_OK(this->store_->AppendEvent(MakeEvent(EVENT_REBOOTED, "a2", "muc-1", 20)));
  ASSERT_OK(this->store_->AppendEvent(MakeEvent(EVENT_REBOOTED, "a1", "fra-1", 40)));

  EventFilter filter = Filter("");
  filter.from = absl::FromUnixSeconds(20);  // inclusive
  filter.to = absl::FromUnixSeconds(40);    // exclusive
  EXPECT_THAT(this->EventDetails(filter), ElementsAre("event at 30", "event at 20"));
  filter.oldest_first = true;
  EXPECT_THAT(this->EventDetails(filter), ElementsAre("event at 20", "event at 30"));
  filter.agent_id = "a1";
  EXPECT_THAT(this->EventDetails(filter), ElementsAre("event at 30"));
  filter = Filter("", "fra-1");
  filter.oldest_first = true;
  filter.limit = 2;
  EXPECT_THAT(this->EventDetails(filter), ElementsAre("event at 10", "event at 30"));
  filter = Filter("");
  filter.from = absl::FromUnixSeconds(41);
  EXPECT_THAT(this->EventDetails(filter), IsEmpty());
}

TYPED_TEST_P(StoreConformanceTest, EventLimitZeroMeansNoLimit) {
  for (int i = 0; i < 150; ++i) {
    ASSERT_OK(this->store_->AppendEvent(MakeEvent(veu::v1::EVENT_REBOOTED, "a1", "fra-1", i)));
  }
  EXPECT_THAT(this->store_->ListEvents(Filter("a1", "", 0)), IsOkAndHolds(SizeIs(150)));
  EXPECT_THAT(this->store_->ListEvents(EventFilter{}), IsOkAndHolds(SizeIs(100)));  // default
  EXPECT_THAT(this->store_->ListEvents(Filter("", "", 7)), IsOkAndHolds(SizeIs(7)));
}

// ---- Access records -----------------------------------------------------------------------

inline veu::v1::AccessRecord MakeAccess(const std::string& principal, int64_t at_seconds,
                                        bool allowed) {
  veu::v1::AccessRecord r;
  *r.mutable_at() = Ts(at_seconds);
  r.set_principal(principal);
  r.set_role("regulator");
  r.set_method("/veu.v1.Regulator/GetComplianceReport");
  r.set_resource("fra-1");
  r.set_allowed(allowed);
  r.set_detail(allowed ? "2026-Q3" : "role may not read other organisations");
  r.set_peer("ipv4:192.0.2.7:51234");
  return r;
}

TYPED_TEST_P(StoreConformanceTest, AccessRecordsAreKeptAndListedNewestFirst) {
  const veu::v1::AccessRecord r10 = MakeAccess("CN=bafa-1", 10, true);
  const veu::v1::AccessRecord r30 = MakeAccess("CN=bafa-2", 30, false);
  const veu::v1::AccessRecord r20 = MakeAccess("CN=bafa-1", 20, true);
  std::vector<int64_t> ids;
  for (const auto& r : {r10, r30, r20}) {
    auto id = this->store_->AppendAccessRecord(r);
    ASSERT_OK(id);
    ids.push_back(*id);
  }
  EXPECT_GT(ids[0], 0);
  EXPECT_GT(ids[1], ids[0]);
  EXPECT_GT(ids[2], ids[1]);
  auto with_id = [](veu::v1::AccessRecord r, int64_t id) {
    r.set_id(id);
    return r;
  };
  EXPECT_THAT(this->store_->ListAccessRecords(0),
              IsOkAndHolds(ElementsAre(ProtoEq(with_id(r30, ids[1])),
                                       ProtoEq(with_id(r20, ids[2])),
                                       ProtoEq(with_id(r10, ids[0])))));
  EXPECT_THAT(this->store_->ListAccessRecords(1),
              IsOkAndHolds(ElementsAre(ProtoEq(with_id(r30, ids[1])))));
  veu::v1::AccessRecord bad = MakeAccess("CN=x", 1, true);
  bad.mutable_at()->set_nanos(-1);
  EXPECT_THAT(this->store_->AppendAccessRecord(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_NO_FATAL_FAILURE(this->Reopen());
  EXPECT_THAT(this->store_->ListAccessRecords(0), IsOkAndHolds(SizeIs(3)));
}

TYPED_TEST_P(StoreConformanceTest, ListAccessRecordsDefaultsToAHundred) {
  for (int i = 0; i < 105; ++i) {
    ASSERT_OK(this->store_->AppendAccessRecord(MakeAccess("CN=bafa-1", i, true)).status());
  }
  EXPECT_THAT(this->store_->ListAccessRecords(0), IsOkAndHolds(SizeIs(100)));
  EXPECT_THAT(this->store_->ListAccessRecords(105), IsOkAndHolds(SizeIs(105)));
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreConformanceTest, AddedSiteReadsBackUnchanged, ListsSitesInNameOrder,
    RejectsSiteWhoseNameIsTaken, RejectsSiteWithoutName, UnknownSiteIsNotFound,
    EkIsAllowedOnlyForTheSiteItWasAllowedFor, RejectsEkAllowedTwiceForOneSite,
    RejectsEkAllowanceForUnknownSite, RejectsEkHashThatIsNotARawSha256,
    TokenIsConsumedOnceThenReportedAlreadyUsed, ExpiredTokenIsRefusedAndLeftUnused,
    TokenOfAnotherSiteIsRefusedAndNotConsumed, UnknownTokenIsReportedUnknown,
    RejectsTokenForUnknownSiteOrWithoutExpiry, ConcurrentUsersOfOneTokenConsumeItExactlyOnce,
    PutAgentStoresTheRecordAndItsEvents, PutAgentReplacesTheRecord,
    PutAgentForUnknownSiteFailsAndStoresNothing, UnknownAgentIsNotFound,
    ListsAgentsOfOneSiteOrOfAll, CommitStoresAppraisalEvidenceAgentAndEvents,
    CommitCarryingAnotherAgentsRecordFailsAndLeavesNothing,
    CommitForASiteTheAgentIsNotAtFailsAndLeavesNothing,
    CommitWithAnAppraisalIdAlreadyStoredFailsAndLeavesNothing,
    CommitThatFailsHalfWayThroughItsEventsLeavesNothing,
    CommitForAnAgentThatNeverEnrolledIsNotFound, CommitWithoutAppraisalIdIsInvalid,
    ListsAppraisalsNewestFirstUpToTheLimit, ListAppraisalsDefaultsToTwenty,
    ListAppraisalsWithoutEvidenceOmitsTheBytes, EvidenceBytesRoundTripExactly,
    LatestAppraisalOfAnAgentNeverAppraisedIsNotFound, AppendedEventsGetIncreasingIds,
    ListsEventsNewestFirstFilteredByAgentAndSite, ConcurrentCommitsAllLand,
    EverythingSurvivesClosingAndReopening, ReferenceValuesArePutPerClassReplacedAndReadBack,
    EachAgentsLoggedAppraisalsFormAChainAcrossAgents,
    SightingsKeepFirstSeenAndFollowTheLatestReportPerSite,
    DiversionsOpenedByCommitsAreListedNewestFirstAndFiltered,
    ACaseAlreadyOpenBetweenTheSameTwoSitesIsNotOpenedTwice, PolicyPacksAreStoredOncePerVersion,
    ResolvingADiversionClosesItForgetsOtherSitesAndLogsBoth,
    FailedCommitLeavesNoSightingOrDiversion, SiteAppraisalsOfAPeriodAreListedOldestFirstByLogIndex,
    LastAppraisalBeforeIsTheNewestStrictlyEarlierOne, EventsAreFilteredByTimeAndListedInEitherOrder,
    EventLimitZeroMeansNoLimit, AccessRecordsAreKeptAndListedNewestFirst,
    ListAccessRecordsDefaultsToAHundred);

}  // namespace veu::verifier::testing

#endif  // VEU_TESTS_VERIFIER_STORE_STORE_CONFORMANCE_TEST_H_
