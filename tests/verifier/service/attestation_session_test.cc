// AttestationSession, step by step with a hand-moved clock: every transition, every deadline,
// and what reaches the store (nothing before a report proves the enrolled AK). Real signed
// quotes (software AK) over the replay of a real firmware event log; an in-memory SqliteStore.
#include "verifier/service/attestation_session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "tests/support/status_matchers.h"
#include "tests/verifier/appraisal/appraisal_fixture.h"
#include "verifier/store/sqlite_store.h"

namespace veu::verifier {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::kT0;
using testing::TestAk;

class FakeClock final : public Clock {
 public:
  absl::Time Now() const override { return now; }
  absl::Time now = kT0;
};

class SessionTest : public testing::AppraiseTest {
 protected:
  void SetUp() override {
    agent_.set_agent_id(std::string(64, 'a'));  // agent ids are SHA-256 hex of the EK
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(":memory:");
    ASSERT_OK(store);
    store_ = *std::move(store);
    veu::v1::Site site;
    site.set_name("site-a");
    site.set_country("DE");
    ASSERT_OK(store_->AddSite(site));
    ASSERT_OK(store_->PutAgent(agent_, {}));
    options_.challenge_interval = absl::Seconds(60);
    options_.response_timeout = absl::Seconds(10);
    options_.hello_timeout = absl::Seconds(5);
    options_.network_grace = absl::Seconds(2);
    options_.pcr_selection.push_back(testing::Sel(crypto::kAlgSha256, {0, 1, 2, 3, 4, 5, 6, 7}));
    session_ = MakeSession();
  }

  std::unique_ptr<AttestationSession> MakeSession() {
    SessionDeps deps;
    deps.store = store_.get();
    deps.nonces = &nonces_;
    deps.policy = &policy_;
    deps.clock = &clock_;
    deps.random = [this](size_t n) -> absl::StatusOr<std::string> {
      std::string bytes = absl::StrCat("random-", ++randoms_);
      bytes.resize(n, '.');
      return bytes;
    };
    deps.first_challenge_delay = [this] { return first_delay_; };
    return std::make_unique<AttestationSession>(deps, options_, "ipv4:127.0.0.1:5000");
  }

  static veu::v1::AgentMessage Hello(const std::string& agent_id) {
    veu::v1::AgentMessage m;
    m.mutable_hello()->set_agent_id(agent_id);
    m.mutable_hello()->set_agent_version("veu-agent test");
    return m;
  }
  // Honest evidence for `c`; each report's TPM clock is later than the one before, as a real
  // TPM's is.
  veu::v1::AgentMessage EvidenceFor(const veu::v1::Challenge& c, bool with_log = true) {
    const std::string facts = FactsFor(with_log ? log_ : "");
    testing::QuoteSpec spec = HonestSpec(c, facts);
    spec.clock = 100000 + 1000 * (++reports_);
    veu::v1::AgentMessage m;
    *m.mutable_evidence() = EvidenceOf(c.nonce(), testing::BuildQuote(ak_, spec), facts);
    if (with_log) m.mutable_evidence()->mutable_event_log()->set_content(log_);
    return m;
  }
  // Hello, then the first challenge (the timer fires when it asks).
  veu::v1::Challenge Connect(AttestationSession& s) {
    SessionStep start = s.Start();
    SessionStep hello = s.OnMessage(Hello(agent_.agent_id()));
    EXPECT_EQ(s.state(), SessionState::kIdle);
    EXPECT_TRUE(hello.wake_at.has_value());
    clock_.now = *hello.wake_at;
    SessionStep challenge = s.OnTimer();
    EXPECT_EQ(s.state(), SessionState::kAwaitingEvidence);
    EXPECT_EQ(challenge.send.size(), 1u);
    return challenge.send.empty() ? veu::v1::Challenge{} : challenge.send[0].challenge();
  }
  static veu::v1::StreamError ErrorIn(const SessionStep& step) {
    EXPECT_EQ(step.send.size(), 1u);
    EXPECT_TRUE(step.end.has_value());
    return step.send.empty() ? veu::v1::StreamError{} : step.send[0].error();
  }
  size_t AppraisalsStored() {
    absl::StatusOr<std::vector<veu::v1::StoredAppraisal>> list =
        store_->ListAppraisals(agent_.agent_id(), 100, false);
    EXPECT_OK(list);
    return list.ok() ? list->size() : 0;
  }

  std::unique_ptr<SqliteStore> store_;
  FakeClock clock_;
  SessionOptions options_;
  std::unique_ptr<AttestationSession> session_;
  int randoms_ = 0;
  int reports_ = 0;
  absl::Duration first_delay_ = absl::ZeroDuration();
};

TEST_F(SessionTest, StartArmsTheHelloDeadline) {
  SessionStep step = session_->Start();
  EXPECT_TRUE(step.send.empty());
  ASSERT_TRUE(step.wake_at.has_value());
  EXPECT_EQ(*step.wake_at, kT0 + absl::Seconds(5));
  EXPECT_EQ(session_->state(), SessionState::kAwaitingHello);
}

TEST_F(SessionTest, SilentPeerIsEndedAtTheHelloDeadlineWithItsReason) {
  session_->Start();
  clock_.now += absl::Seconds(5);
  SessionStep step = session_->OnTimer();
  EXPECT_EQ(ErrorIn(step).reason(), veu::v1::DEADLINE_EXCEEDED);
  EXPECT_EQ(step.end->code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(SessionEndReason(*step.end), veu::v1::DEADLINE_EXCEEDED);
  EXPECT_EQ(session_->state(), SessionState::kEnded);
}

TEST_F(SessionTest, FirstMessageOtherThanHelloIsAProtocolViolation) {
  session_->Start();
  veu::v1::AgentMessage evidence;
  evidence.mutable_evidence()->set_nonce("n");
  SessionStep step = session_->OnMessage(evidence);
  EXPECT_EQ(ErrorIn(step).reason(), veu::v1::STREAM_PROTOCOL_VIOLATION);
  EXPECT_EQ(step.end->code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SessionTest, HelloFromUnknownAgentIsRefusedWithAgentUnknown) {
  session_->Start();
  SessionStep step = session_->OnMessage(Hello(std::string(64, 'b')));
  EXPECT_EQ(ErrorIn(step).reason(), veu::v1::AGENT_UNKNOWN);
  EXPECT_EQ(step.end->code(), absl::StatusCode::kNotFound);
}

TEST_F(SessionTest, MalformedHelloIsRefusedBeforeAnyLookup) {
  session_->Start();
  SessionStep step = session_->OnMessage(Hello("agent\n2026-01-01 forged log line"));
  EXPECT_EQ(ErrorIn(step).reason(), veu::v1::STREAM_PROTOCOL_VIOLATION);
  EXPECT_EQ(step.end->code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(session_->agent_id(), "");
}

TEST_F(SessionTest, HelloFromRevokedAgentIsRefusedWithAgentRevoked) {
  agent_.set_status(veu::v1::AGENT_STATUS_REVOKED);
  ASSERT_OK(store_->PutAgent(agent_, {}));
  session_->Start();
  SessionStep step = session_->OnMessage(Hello(agent_.agent_id()));
  EXPECT_EQ(ErrorIn(step).reason(), veu::v1::AGENT_REVOKED);
  EXPECT_EQ(step.end->code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(SessionTest, AgentRevokedWhileAChallengeIsOutIsClosedAndNothingIsCommitted) {
  const veu::v1::Challenge c = Connect(*session_);
  veu::v1::Revocation revocation;
  revocation.set_agent_id(agent_.agent_id());
  revocation.set_reason("AK leaked");
  *revocation.mutable_revoked_at() = ToProtoTime(clock_.now);
  veu::v1::Event event;
  event.set_kind(veu::v1::EVENT_AGENT_REVOKED);
  event.set_agent_id(agent_.agent_id());
  event.set_site(agent_.site());
  *event.mutable_at() = ToProtoTime(clock_.now);
  ASSERT_OK(store_->RevokeAgent(revocation, event));
  SessionStep step = session_->OnMessage(EvidenceFor(c));
  EXPECT_FALSE(step.commit.has_value());
  EXPECT_EQ(ErrorIn(step).reason(), veu::v1::AGENT_REVOKED);
  EXPECT_EQ(step.end->code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(SessionTest, FirstChallengeWaitsForTheDelayTheTransportPaces) {
  first_delay_ = absl::Seconds(5);
  session_->Start();
  SessionStep step = session_->OnMessage(Hello(agent_.agent_id()));
  EXPECT_TRUE(step.send.empty()) << "no challenge before the timer";
  ASSERT_TRUE(step.wake_at.has_value());
  EXPECT_EQ(*step.wake_at, kT0 + absl::Seconds(5));
}

TEST_F(SessionTest, ChallengeCarriesAFreshNonceTheSelectionAndADeadline) {
  const veu::v1::Challenge c = Connect(*session_);
  EXPECT_EQ(c.nonce().size(), 32u);
  EXPECT_EQ(c.sequence(), 1u);
  ASSERT_EQ(c.pcr_selection_size(), 1);
  EXPECT_EQ(c.pcr_selection(0).pcrs_size(), 8);
  EXPECT_EQ(FromProtoTime(c.deadline()), clock_.now + absl::Seconds(10));
  EXPECT_TRUE(c.send_full_event_log()) << "nothing accepted yet";
}

TEST_F(SessionTest, HonestEvidenceIsCommittedThenAckedThenTheNextChallengeWaitsAnInterval) {
  const veu::v1::Challenge c = Connect(*session_);
  SessionStep appraised = session_->OnMessage(EvidenceFor(c));
  EXPECT_TRUE(appraised.send.empty()) << "no ack before the commit is durable";
  ASSERT_TRUE(appraised.commit.has_value());
  EXPECT_EQ(session_->state(), SessionState::kCommitting);
  EXPECT_EQ(appraised.commit->appraisal.verdict(), veu::v1::VERDICT_ACCEPT)
      << appraised.commit->appraisal.DebugString();
  EXPECT_EQ(AppraisalsStored(), 0u) << "the session itself never writes the appraisal";
  ASSERT_OK(store_->CommitAppraisal(*appraised.commit));

  SessionStep acked = session_->OnCommitted(absl::OkStatus());
  ASSERT_EQ(acked.send.size(), 1u);
  ASSERT_TRUE(acked.send[0].has_ack());
  EXPECT_EQ(acked.send[0].ack().sequence(), 1u);
  EXPECT_EQ(acked.send[0].ack().appraisal_id(), appraised.commit->appraisal.id());
  EXPECT_EQ(acked.send[0].ack().verdict(), veu::v1::VERDICT_ACCEPT);
  ASSERT_TRUE(acked.wake_at.has_value());
  EXPECT_EQ(*acked.wake_at, clock_.now + absl::Seconds(60));
  EXPECT_EQ(session_->state(), SessionState::kIdle);
  EXPECT_TRUE(session_->authenticated());
  EXPECT_EQ(session_->last_committed().id(), appraised.commit->appraisal.id());

  clock_.now = *acked.wake_at;
  SessionStep next = session_->OnTimer();
  ASSERT_EQ(next.send.size(), 1u);
  EXPECT_EQ(next.send[0].challenge().sequence(), 2u);
  EXPECT_FALSE(next.send[0].challenge().send_full_event_log())
      << "the log accepted by the first report is kept for the unchanged case";
}

TEST_F(SessionTest, UnchangedLogAfterAnAcceptedOneIsAppraisedAgainstIt) {
  veu::v1::Challenge c = Connect(*session_);
  SessionStep first = session_->OnMessage(EvidenceFor(c));
  ASSERT_OK(store_->CommitAppraisal(*first.commit));
  SessionStep acked = session_->OnCommitted(absl::OkStatus());
  clock_.now = *acked.wake_at;
  c = session_->OnTimer().send[0].challenge();
  veu::v1::AgentMessage m = EvidenceFor(c, true);
  m.mutable_evidence()->mutable_event_log()->clear_content();
  m.mutable_evidence()->mutable_event_log()->set_unchanged(true);
  SessionStep second = session_->OnMessage(m);
  ASSERT_TRUE(second.commit.has_value());
  EXPECT_EQ(second.commit->appraisal.verdict(), veu::v1::VERDICT_ACCEPT)
      << second.commit->appraisal.DebugString();
}

TEST_F(SessionTest, FailedCommitEndsTheSessionWithoutAnAck) {
  const veu::v1::Challenge c = Connect(*session_);
  session_->OnMessage(EvidenceFor(c));
  SessionStep step = session_->OnCommitted(absl::UnavailableError("disk full"));
  EXPECT_EQ(ErrorIn(step).reason(), veu::v1::VERIFIER_UNAVAILABLE);
  EXPECT_FALSE(step.send[0].has_ack());
  EXPECT_EQ(step.end->code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(step.end->message()), Not(HasSubstr("disk full")))
      << "store internals stay in the verifier's log";
}

// Compare-and-set (issue 10): the commit names the record version the appraisal read; when the
// record changed meanwhile the store refuses it, and the session challenges again at once.
TEST_F(SessionTest, ACommitRefusedBecauseTheRecordChangedIsAnsweredWithAFreshChallenge) {
  veu::v1::Challenge c = Connect(*session_);
  SessionStep appraised = session_->OnMessage(EvidenceFor(c));
  ASSERT_TRUE(appraised.commit.has_value());
  const uint64_t read = appraised.commit->expected_version;
  EXPECT_GE(read, 1u) << "the session must say which version it appraised against";
  // Another writer (an operator, a second stream, another replica) writes the record now.
  auto record = store_->GetAgent(appraised.commit->agent.agent_id());
  ASSERT_OK(record);
  ASSERT_OK(store_->PutAgent(*record, {}));
  const absl::Status refused = store_->CommitAppraisal(*appraised.commit);
  ASSERT_EQ(refused.code(), absl::StatusCode::kAborted) << refused;
  EXPECT_EQ(AppraisalsStored(), 0u);

  SessionStep again = session_->OnCommitted(refused);
  EXPECT_FALSE(again.end.has_value()) << "the stream carries on";
  EXPECT_TRUE(again.send.empty()) << "no ack for what was not stored";
  ASSERT_TRUE(again.wake_at.has_value());
  EXPECT_EQ(*again.wake_at, clock_.now) << "challenged again at once, not after an interval";
  c = session_->OnTimer().send.at(0).challenge();
  SessionStep second = session_->OnMessage(EvidenceFor(c, true));
  ASSERT_TRUE(second.commit.has_value());
  EXPECT_EQ(second.commit->expected_version, read + 1);
  ASSERT_OK(store_->CommitAppraisal(*second.commit));
  SessionStep acked = session_->OnCommitted(absl::OkStatus());
  ASSERT_EQ(acked.send.size(), 1u);
  EXPECT_TRUE(acked.send[0].has_ack());
}

TEST_F(SessionTest, RecordConflictsThatKeepComingEndTheStream) {
  for (int i = 0; i < 3; ++i) {
    const veu::v1::Challenge c =
        i == 0 ? Connect(*session_) : session_->OnTimer().send.at(0).challenge();
    ASSERT_TRUE(session_->OnMessage(EvidenceFor(c, i > 0)).commit.has_value());
    SessionStep step = session_->OnCommitted(absl::AbortedError("record changed"));
    ASSERT_FALSE(step.end.has_value()) << "conflict " << i + 1;
  }
  const veu::v1::Challenge c = session_->OnTimer().send.at(0).challenge();
  ASSERT_TRUE(session_->OnMessage(EvidenceFor(c, true)).commit.has_value());
  SessionStep step = session_->OnCommitted(absl::AbortedError("record changed"));
  ASSERT_TRUE(step.end.has_value());
  EXPECT_EQ(ErrorIn(step).reason(), veu::v1::VERIFIER_UNAVAILABLE);
}

TEST_F(SessionTest, EvidenceAfterTheDeadlineTimerIsNeverAppraised) {
  const veu::v1::Challenge c = Connect(*session_);
  clock_.now += absl::Seconds(12);  // deadline + grace
  SessionStep step = session_->OnTimer();
  EXPECT_EQ(ErrorIn(step).reason(), veu::v1::DEADLINE_EXCEEDED);
  EXPECT_FALSE(step.commit.has_value());
  EXPECT_TRUE(session_->OnMessage(EvidenceFor(c)).send.empty()) << "an ended session is inert";
}

TEST_F(SessionTest, TimerWhileCommittingDoesNothing) {
  const veu::v1::Challenge c = Connect(*session_);
  SessionStep appraised = session_->OnMessage(EvidenceFor(c));
  EXPECT_EQ(appraised.wake_at, absl::InfiniteFuture()) << "no deadline runs during a commit";
  SessionStep step = session_->OnTimer();
  EXPECT_TRUE(step.send.empty());
  EXPECT_FALSE(step.end.has_value());
  EXPECT_EQ(session_->state(), SessionState::kCommitting);
}

TEST_F(SessionTest, UnsolicitedMessageWhileIdleIsAProtocolViolation) {
  const veu::v1::Challenge c = Connect(*session_);
  session_->OnMessage(EvidenceFor(c));
  session_->OnCommitted(absl::OkStatus());
  SessionStep step = session_->OnMessage(EvidenceFor(c));
  EXPECT_EQ(ErrorIn(step).reason(), veu::v1::STREAM_PROTOCOL_VIOLATION);
}

TEST_F(SessionTest, ForgedFirstReportRecordsImpersonationAndLeavesTheVerdictAlone) {
  const veu::v1::Challenge c = Connect(*session_);
  veu::v1::AgentMessage forged = EvidenceFor(c);
  // Signed by a key that is not the enrolled AK.
  testing::QuoteSpec spec = HonestSpec(c, forged.evidence().facts());
  testing::BuiltQuote q = testing::BuildQuote(TestAk::Make(TestAk::kRsa2048), spec);
  forged.mutable_evidence()->mutable_quote()->set_signature(q.evidence.signature);
  SessionStep step = session_->OnMessage(forged);
  EXPECT_FALSE(step.commit.has_value());
  EXPECT_EQ(step.end->code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(ErrorIn(step).reason(), veu::v1::REASON_UNSPECIFIED);
  EventFilter filter;
  filter.agent_id = agent_.agent_id();
  absl::StatusOr<std::vector<veu::v1::Event>> events = store_->ListEvents(filter);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kind(), veu::v1::EVENT_IMPERSONATION_SUSPECTED);
  EXPECT_EQ(AppraisalsStored(), 0u);
  absl::StatusOr<veu::v1::AgentRecord> stored = store_->GetAgent(agent_.agent_id());
  ASSERT_OK(stored);
  EXPECT_EQ(stored->last_verdict(), agent_.last_verdict());
}

TEST_F(SessionTest, ReplayedNonceInTheFirstReportProvesNothing) {
  const veu::v1::Challenge c = Connect(*session_);
  const veu::v1::AgentMessage evidence = EvidenceFor(c);
  // Another session answered this nonce first (the agent's genuine quote, relayed).
  ASSERT_EQ(nonces_.Consume(c.nonce(), agent_.agent_id(), clock_.now),
            veu::v1::REASON_UNSPECIFIED);
  SessionStep step = session_->OnMessage(evidence);
  EXPECT_FALSE(step.commit.has_value());
  EXPECT_EQ(ErrorIn(step).reason(), veu::v1::NONCE_REPLAYED);
}

TEST_F(SessionTest, LaterFailingReportIsCommittedAsARejection) {
  veu::v1::Challenge c = Connect(*session_);
  ASSERT_OK(store_->CommitAppraisal(*session_->OnMessage(EvidenceFor(c)).commit));
  clock_.now = *session_->OnCommitted(absl::OkStatus()).wake_at;
  c = session_->OnTimer().send[0].challenge();
  veu::v1::AgentMessage m = EvidenceFor(c);
  m.mutable_evidence()->mutable_event_log()->set_content("not an event log");
  SessionStep step = session_->OnMessage(m);
  ASSERT_TRUE(step.commit.has_value()) << "a proven agent's failures are results to keep";
  EXPECT_EQ(step.commit->appraisal.verdict(), veu::v1::VERDICT_REJECT);
}

TEST_F(SessionTest, TerminateTellsThePeerWhyAndEnds) {
  Connect(*session_);
  SessionStep step = session_->Terminate(SessionEnd(
      absl::StatusCode::kAborted, veu::v1::STREAM_REPLACED, "a newer stream took over"));
  EXPECT_EQ(ErrorIn(step).reason(), veu::v1::STREAM_REPLACED);
  EXPECT_EQ(session_->state(), SessionState::kEnded);
  EXPECT_TRUE(session_->Terminate(absl::CancelledError("again")).send.empty());
}

TEST_F(SessionTest, PeerGoneEndsSilently) {
  Connect(*session_);
  SessionStep step = session_->OnPeerGone();
  EXPECT_TRUE(step.send.empty());
  ASSERT_TRUE(step.end.has_value());
  EXPECT_EQ(step.end->code(), absl::StatusCode::kCancelled);
}

TEST(SessionEndTest, CarriesItsReasonInThePayloadNotTheMessage) {
  absl::Status s = SessionEnd(absl::StatusCode::kAborted, veu::v1::STREAM_REPLACED, "taken over");
  EXPECT_EQ(s.message(), "taken over");
  EXPECT_EQ(SessionEndReason(s), veu::v1::STREAM_REPLACED);
  EXPECT_EQ(SessionEndReason(absl::AbortedError("STREAM_REPLACED")), veu::v1::REASON_UNSPECIFIED);
}


// --- Offline quotes (issue 10): an upload before the first challenge -------------------------

class OfflineUploadTest : public SessionTest {
 protected:
  // One acknowledged online report, so the agent's record holds the chain's anchor.
  std::string AttestOnce() {
    auto s = MakeSession();
    veu::v1::Challenge c = Connect(*s);
    veu::v1::AgentMessage m = EvidenceFor(c);
    SessionStep appraised = s->OnMessage(m);
    EXPECT_TRUE(appraised.commit.has_value());
    if (!appraised.commit) return "";
    EXPECT_OK(store_->CommitAppraisal(*appraised.commit));
    s->OnCommitted(absl::OkStatus());
    return crypto::Sha256(m.evidence().quote().attest());
  }
  // An offline quote chained to `previous` at TPM clock `clock`.
  veu::v1::OfflineQuote Offline(const std::string& previous, uint64_t clock,
                                uint32_t reset = 3) {
    veu::v1::OfflineQuote q;
    q.set_facts(FactsFor(""));
    q.set_previous(previous);
    testing::QuoteSpec spec;
    spec.extra_data = tpm::QualifyingData(previous, q.facts());
    spec.selection = options_.pcr_selection;
    spec.pcr_values = pcrs_;
    spec.clock = clock;
    spec.reset_count = reset;
    testing::BuiltQuote built = testing::BuildQuote(ak_, spec);
    q.mutable_quote()->set_attest(built.evidence.attest);
    q.mutable_quote()->set_signature(built.evidence.signature);
    q.mutable_quote()->mutable_pcr_values()->Assign(built.evidence.pcr_values.begin(),
                                                    built.evidence.pcr_values.end());
    *q.mutable_taken_at() = ToProtoTime(clock_.now);
    return q;
  }
  std::vector<veu::v1::OfflineQuote> Chain(std::string previous, int n, uint64_t clock) {
    std::vector<veu::v1::OfflineQuote> out;
    for (int i = 0; i < n; ++i) {
      out.push_back(Offline(previous, clock + 30000 * i));
      previous = crypto::Sha256(out.back().quote().attest());
    }
    return out;
  }
  static veu::v1::AgentMessage Upload(const std::vector<veu::v1::OfflineQuote>& quotes,
                                      bool last, uint64_t dropped = 0) {
    veu::v1::AgentMessage m;
    for (const auto& q : quotes) *m.mutable_offline_upload()->add_quotes() = q;
    m.mutable_offline_upload()->set_dropped(dropped);
    m.mutable_offline_upload()->set_last(last);
    return m;
  }
  static veu::v1::AgentMessage PendingHello(const std::string& agent_id) {
    veu::v1::AgentMessage m = Hello(agent_id);
    m.mutable_hello()->set_offline_pending(true);
    return m;
  }
  std::vector<veu::v1::Event> OfflineEvents() {
    EventFilter filter;
    filter.agent_id = agent_.agent_id();
    absl::StatusOr<std::vector<veu::v1::Event>> events = store_->ListEvents(filter);
    EXPECT_OK(events);
    std::vector<veu::v1::Event> out;
    if (!events.ok()) return out;
    for (const auto& e : *events) {
      if (e.kind() == veu::v1::EVENT_OFFLINE_CONTINUOUS ||
          e.kind() == veu::v1::EVENT_OFFLINE_BROKEN) {
        out.push_back(e);
      }
    }
    return out;
  }
  // Uploads `batches` after a pending hello, then answers the first challenge and commits.
  // Returns what the commit step sent (OfflineAck, Ack).
  std::vector<veu::v1::VerifierMessage> UploadThenAttest(
      const std::vector<veu::v1::AgentMessage>& batches) {
    const size_t before = OfflineEvents().size();
    auto s = MakeSession();
    s->Start();
    s->OnMessage(PendingHello(agent_.agent_id()));
    EXPECT_EQ(s->state(), SessionState::kAwaitingUpload);
    SessionStep step;
    for (const auto& b : batches) step = s->OnMessage(b);
    EXPECT_EQ(s->state(), SessionState::kIdle);
    EXPECT_EQ(OfflineEvents().size(), before) << "nothing is stored before a fresh quote";
    clock_.now = *step.wake_at;
    SessionStep challenge = s->OnTimer();
    EXPECT_EQ(challenge.send.size(), 1u);
    if (challenge.send.empty()) return {};
    SessionStep appraised = s->OnMessage(EvidenceFor(challenge.send[0].challenge()));
    EXPECT_TRUE(appraised.commit.has_value());
    if (!appraised.commit) return {};
    EXPECT_OK(store_->CommitAppraisal(*appraised.commit));
    return s->OnCommitted(absl::OkStatus()).send;
  }
};

TEST_F(OfflineUploadTest, AnUnbrokenChainIsRecordedContinuousWithTheFirstFreshReport) {
  const std::string anchor = AttestOnce();
  ASSERT_FALSE(anchor.empty());
  EXPECT_EQ(store_->GetAgent(agent_.agent_id())->chain_anchor(), anchor);
  const auto chain = Chain(anchor, 4, 200000);
  const std::vector<veu::v1::VerifierMessage> sent = UploadThenAttest(
      {Upload({chain[0], chain[1]}, false), Upload({chain[2], chain[3]}, true)});
  ASSERT_EQ(sent.size(), 2u);
  ASSERT_TRUE(sent[0].has_offline_ack()) << "OfflineAck goes first, then the report's Ack";
  EXPECT_TRUE(sent[1].has_ack());
  EXPECT_EQ(sent[0].offline_ack().received(), 4u);
  EXPECT_EQ(sent[0].offline_ack().verified(), 4u);
  EXPECT_TRUE(sent[0].offline_ack().continuous());
  const auto events = OfflineEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind(), veu::v1::EVENT_OFFLINE_CONTINUOUS);
  EXPECT_THAT(events[0].detail(), HasSubstr("offline, continuous: 4 quotes, 4 verified"));
  EXPECT_THAT(events[0].detail(), HasSubstr("no verifier freshness"));
  // The anchor moved on to the fresh report: the same upload again no longer links.
  EXPECT_NE(store_->GetAgent(agent_.agent_id())->chain_anchor(), anchor);
}

TEST_F(OfflineUploadTest, ARebootInTheGapIsRecordedAsBroken) {
  const std::string anchor = AttestOnce();
  auto chain = Chain(anchor, 2, 200000);
  chain.push_back(Offline(crypto::Sha256(chain[1].quote().attest()), 5000, /*reset=*/4));
  const auto sent = UploadThenAttest({Upload(chain, true)});
  ASSERT_FALSE(sent.empty());
  EXPECT_FALSE(sent[0].offline_ack().continuous());
  const auto events = OfflineEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind(), veu::v1::EVENT_OFFLINE_BROKEN);
  EXPECT_THAT(events[0].detail(), HasSubstr("broken (reboot at entry 2"));
  EXPECT_THAT(events[0].detail(), HasSubstr("OFFLINE_TPM_REBOOTED"));
}

TEST_F(OfflineUploadTest, AReplayedUploadNoLongerLinksToTheAnchor) {
  const std::string anchor = AttestOnce();
  const auto chain = Chain(anchor, 2, 200000);
  UploadThenAttest({Upload(chain, true)});
  UploadThenAttest({Upload(chain, true)});
  const auto events = OfflineEvents();
  ASSERT_EQ(events.size(), 2u);
  int broken = 0;
  for (const auto& e : events) {
    if (e.kind() == veu::v1::EVENT_OFFLINE_BROKEN) {
      ++broken;
      EXPECT_THAT(e.detail(), HasSubstr("not to the anchor"));
    }
  }
  EXPECT_EQ(broken, 1);
}

TEST_F(OfflineUploadTest, DroppedEntriesAreNeverSilent) {
  const std::string anchor = AttestOnce();
  const auto chain = Chain(anchor, 3, 200000);
  UploadThenAttest({Upload({chain[2]}, true, /*dropped=*/2)});
  const auto events = OfflineEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind(), veu::v1::EVENT_OFFLINE_BROKEN);
  EXPECT_THAT(events[0].detail(), HasSubstr("2 oldest entries dropped"));
}

TEST_F(OfflineUploadTest, AnUploadThatProvesNothingWritesNothingAndEndsAtTheFirstBadReport) {
  AttestOnce();
  auto s = MakeSession();
  s->Start();
  s->OnMessage(PendingHello(agent_.agent_id()));
  veu::v1::OfflineQuote forged = Offline(crypto::Sha256("x"), 1);
  forged.mutable_quote()->set_signature("not a signature");
  SessionStep step = s->OnMessage(Upload({forged}, true));
  clock_.now = *step.wake_at;
  SessionStep challenge = s->OnTimer();
  ASSERT_EQ(challenge.send.size(), 1u);
  veu::v1::AgentMessage wrong = EvidenceFor(challenge.send[0].challenge());
  wrong.mutable_evidence()->set_nonce("another nonce");
  SessionStep refused = s->OnMessage(wrong);
  EXPECT_FALSE(refused.commit.has_value());
  EXPECT_TRUE(OfflineEvents().empty());
}

TEST_F(OfflineUploadTest, EvidenceInsteadOfTheAnnouncedUploadIsAProtocolViolation) {
  session_->Start();
  session_->OnMessage(PendingHello(agent_.agent_id()));
  veu::v1::AgentMessage evidence;
  evidence.mutable_evidence()->set_nonce("n");
  EXPECT_EQ(ErrorIn(session_->OnMessage(evidence)).reason(), veu::v1::STREAM_PROTOCOL_VIOLATION);
}

TEST_F(OfflineUploadTest, AStalledUploadEndsAtItsDeadline) {
  session_->Start();
  SessionStep hello = session_->OnMessage(PendingHello(agent_.agent_id()));
  clock_.now = *hello.wake_at;
  EXPECT_EQ(ErrorIn(session_->OnTimer()).reason(), veu::v1::DEADLINE_EXCEEDED);
}

TEST_F(OfflineUploadTest, AnOversizedUploadIsRefused) {
  session_->Start();
  session_->OnMessage(PendingHello(agent_.agent_id()));
  veu::v1::AgentMessage m;
  for (int i = 0; i < 20001; ++i) m.mutable_offline_upload()->add_quotes();
  EXPECT_EQ(ErrorIn(session_->OnMessage(m)).reason(), veu::v1::REQUEST_MALFORMED);
}

// Before anything is proven an upload is bounded in bytes too, not only in count: batches of a
// few large quotes (each message under the transport's 8 MiB) stop at 64 MiB in all.
TEST_F(OfflineUploadTest, UploadBatchesBeyondTheByteBoundAreRefusedBeforeAnythingIsProven) {
  session_->Start();
  session_->OnMessage(PendingHello(agent_.agent_id()));
  veu::v1::AgentMessage batch;
  batch.mutable_offline_upload()->add_quotes()->set_facts(std::string(7 << 20, 'f'));
  int accepted = 0;
  SessionStep step;
  for (; accepted < 20; ++accepted) {
    step = session_->OnMessage(batch);
    if (step.end.has_value()) break;
  }
  EXPECT_EQ(accepted, 9) << "nine 7 MiB batches fit in 64 MiB, the tenth does not";
  EXPECT_EQ(ErrorIn(step).reason(), veu::v1::REQUEST_MALFORMED);
  EXPECT_THAT(step.send.at(0).error().message(), HasSubstr("64 MiB"));
  EXPECT_EQ(AppraisalsStored(), 0u);
}

}  // namespace
}  // namespace veu::verifier
