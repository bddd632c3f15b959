// The Store conformance suite, second part: the records behind the organisation controls and
// the regulator API — each agent's chain of log leaves, accelerator sightings, diversion cases,
// policy packs, period queries, event time filters and access records. Instantiated like
// store_conformance_test.h (see there); include it from exactly one .cc per test binary.
#ifndef VEU_TESTS_VERIFIER_STORE_STORE_RECORDS_CONFORMANCE_TEST_H_
#define VEU_TESTS_VERIFIER_STORE_STORE_RECORDS_CONFORMANCE_TEST_H_

#include "tests/verifier/store/store_conformance_fixture.h"

namespace veu::verifier::testing {

template <typename Backend>
class StoreRecordsConformanceTest : public StoreFixture<Backend> {};

TYPED_TEST_SUITE_P(StoreRecordsConformanceTest);

// ---- Log chain (previous_log_index) -------------------------------------------------------

TYPED_TEST_P(StoreRecordsConformanceTest, EachAgentsLoggedAppraisalsFormAChainAcrossAgents) {
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

TYPED_TEST_P(StoreRecordsConformanceTest, SightingsKeepFirstSeenAndFollowTheLatestReportPerSite) {
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

TYPED_TEST_P(StoreRecordsConformanceTest, DiversionsOpenedByCommitsAreListedNewestFirstAndFiltered) {
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

TYPED_TEST_P(StoreRecordsConformanceTest, PolicyPacksAreStoredOncePerVersion) {
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
TYPED_TEST_P(StoreRecordsConformanceTest, ACaseAlreadyOpenBetweenTheSameTwoSitesIsNotOpenedTwice) {
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

TYPED_TEST_P(StoreRecordsConformanceTest, ResolvingADiversionClosesItForgetsOtherSitesAndLogsBoth) {
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

TYPED_TEST_P(StoreRecordsConformanceTest, FailedCommitLeavesNoSightingOrDiversion) {
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

TYPED_TEST_P(StoreRecordsConformanceTest, SiteAppraisalsOfAPeriodAreListedOldestFirstByLogIndex) {
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

TYPED_TEST_P(StoreRecordsConformanceTest, LastAppraisalBeforeIsTheNewestStrictlyEarlierOne) {
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

TYPED_TEST_P(StoreRecordsConformanceTest, EventsAreFilteredByTimeAndListedInEitherOrder) {
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

TYPED_TEST_P(StoreRecordsConformanceTest, EventLimitZeroMeansNoLimit) {
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

TYPED_TEST_P(StoreRecordsConformanceTest, AccessRecordsAreKeptAndListedNewestFirst) {
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

TYPED_TEST_P(StoreRecordsConformanceTest, ListAccessRecordsDefaultsToAHundred) {
  for (int i = 0; i < 105; ++i) {
    ASSERT_OK(this->store_->AppendAccessRecord(MakeAccess("CN=bafa-1", i, true)).status());
  }
  EXPECT_THAT(this->store_->ListAccessRecords(0), IsOkAndHolds(SizeIs(100)));
  EXPECT_THAT(this->store_->ListAccessRecords(105), IsOkAndHolds(SizeIs(105)));
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreRecordsConformanceTest, EachAgentsLoggedAppraisalsFormAChainAcrossAgents, SightingsKeepFirstSeenAndFollowTheLatestReportPerSite, DiversionsOpenedByCommitsAreListedNewestFirstAndFiltered, PolicyPacksAreStoredOncePerVersion, ACaseAlreadyOpenBetweenTheSameTwoSitesIsNotOpenedTwice, ResolvingADiversionClosesItForgetsOtherSitesAndLogsBoth, FailedCommitLeavesNoSightingOrDiversion, SiteAppraisalsOfAPeriodAreListedOldestFirstByLogIndex, LastAppraisalBeforeIsTheNewestStrictlyEarlierOne, EventsAreFilteredByTimeAndListedInEitherOrder, EventLimitZeroMeansNoLimit, AccessRecordsAreKeptAndListedNewestFirst, ListAccessRecordsDefaultsToAHundred);

}  // namespace veu::verifier::testing

#endif  // VEU_TESTS_VERIFIER_STORE_STORE_RECORDS_CONFORMANCE_TEST_H_
