// Enroller: the enrolment state machine over a fake identity check (the credential blob
// carries the secret in clear, so the test can "activate" it) and an in-memory SqliteStore.
#include "verifier/enrollment/enroller.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "absl/strings/str_cat.h"

#include "common/crypto/digest.h"
#include "common/proto_time.h"
#include "tests/support/status_matchers.h"
#include "verifier/store/sqlite_store.h"

namespace veu::verifier {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);
const absl::Duration kActivationTimeout = absl::Seconds(60);

// Accepts every identity unless told to fail with `refuse`. The EK's identity is the SHA-256
// of its public area; MakeCredential "encrypts" the secret by returning it.
class FakeIdentityChecks final : public IdentityChecks {
 public:
  CheckOutcome Verify(const veu::v1::TpmPublicIdentity& identity, absl::Time,
                      VerifiedIdentity* verified) const override {
    verified->ek_spki_sha256 = crypto::Sha256(identity.ek_public());
    if (refuse.reason != veu::v1::REASON_UNSPECIFIED) return refuse;
    verified->ek_certificate_der = identity.ek_certificate();
    verified->ek_chain = "CN=Fake EK Root";
    verified->ek_caveats = caveats;
    return {};
  }
  absl::Status MakeCredential(const std::string&, const std::string&, const std::string& secret,
                              std::string* credential_blob,
                              std::string* encrypted_secret) const override {
    *credential_blob = secret;
    *encrypted_secret = "sealed";
    return absl::OkStatus();
  }

  CheckOutcome refuse;
  std::vector<veu::v1::EkCaveat> caveats;
};

veu::v1::TpmPublicIdentity Identity(const std::string& ek, const std::string& ak) {
  veu::v1::TpmPublicIdentity id;
  id.set_ek_certificate("cert-of-" + ek);
  id.set_ek_public("ek-public-" + ek);
  id.set_ak_public("ak-public-" + ak);
  id.set_ak_name("ak-name-" + ak);
  return id;
}

class EnrollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(":memory:");
    ASSERT_OK(store);
    store_ = *std::move(store);
    for (const char* name : {"site-a", "site-b"}) {
      veu::v1::Site site;
      site.set_name(name);
      ASSERT_OK(store_->AddSite(site));
    }
    enroller_ = std::make_unique<Enroller>(store_.get(), &checks_, kActivationTimeout,
                                           [this] { return now_; });
  }

  std::string Token(const std::string& site, absl::Duration ttl = absl::Hours(1)) {
    absl::StatusOr<veu::v1::IssueEnrollmentTokenResponse> token = enroller_->IssueToken(site, ttl);
    EXPECT_OK(token);
    return token.ok() ? token->token() : "";
  }

  static veu::v1::BeginEnrollmentRequest Request(const std::string& site,
                                                 const veu::v1::TpmPublicIdentity& identity,
                                                 const std::string& token = "") {
    veu::v1::BeginEnrollmentRequest r;
    r.set_site(site);
    *r.mutable_identity() = identity;
    r.set_enrollment_token(token);
    r.set_hostname("node-1");
    return r;
  }

  // Begin, then answer with the secret the (fake) TPM activates, or `wrong_secret` if set.
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> Enrol(
      const veu::v1::BeginEnrollmentRequest& request, const std::string& wrong_secret = "") {
    absl::StatusOr<veu::v1::BeginEnrollmentResponse> begun = enroller_->Begin(request);
    if (!begun.ok()) return begun.status();
    veu::v1::CompleteEnrollmentRequest answer;
    answer.set_enrollment_id(begun->enrollment_id());
    answer.set_activated_secret(wrong_secret.empty() ? begun->credential_blob() : wrong_secret);
    return enroller_->Complete(answer);
  }

  std::vector<veu::v1::EventKind> EventKinds() {
    absl::StatusOr<std::vector<veu::v1::Event>> events = store_->ListEvents(EventFilter{});
    EXPECT_OK(events);
    std::vector<veu::v1::EventKind> kinds;
    if (events.ok()) {
      for (const veu::v1::Event& e : *events) kinds.push_back(e.kind());
    }
    return kinds;
  }

  std::unique_ptr<SqliteStore> store_;
  FakeIdentityChecks checks_;
  std::unique_ptr<Enroller> enroller_;
  absl::Time now_ = kT0;
};

TEST_F(EnrollerTest, EnrolsWithATokenAndStoresTheAgent) {
  const std::string token = Token("site-a");
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> done =
      Enrol(Request("site-a", Identity("ek1", "ak1"), token));
  ASSERT_OK(done);
  EXPECT_FALSE(done->re_enrolled());
  EXPECT_EQ(done->agent_id(), AgentIdForEk(crypto::Sha256("ek-public-ek1")));

  absl::StatusOr<veu::v1::AgentRecord> agent = store_->GetAgent(done->agent_id());
  ASSERT_OK(agent);
  EXPECT_EQ(agent->site(), "site-a");
  EXPECT_EQ(agent->status(), veu::v1::AGENT_STATUS_ENROLLED);
  EXPECT_EQ(agent->ak_public(), "ak-public-ak1");
  EXPECT_EQ(agent->ak_name(), "ak-name-ak1");
  EXPECT_EQ(agent->ek_chain(), "CN=Fake EK Root");
  EXPECT_EQ(FromProtoTime(agent->enrolled_at()), now_);
  EXPECT_THAT(EventKinds(), Contains(veu::v1::EVENT_ENROLLED));
  EXPECT_EQ(enroller_->pending(), 0u);
}

TEST_F(EnrollerTest, RefusesATokenUsedBefore) {
  const std::string token = Token("site-a");
  ASSERT_OK(Enrol(Request("site-a", Identity("ek1", "ak1"), token)));
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> again =
      Enrol(Request("site-a", Identity("ek2", "ak2"), token));
  EXPECT_THAT(again, veu::testing::StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(RefusalReason(again.status()), veu::v1::ENROLMENT_TOKEN_USED);
  EXPECT_THAT(store_->GetAgent(AgentIdForEk(crypto::Sha256("ek-public-ek2"))),
              veu::testing::StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(EventKinds(), Contains(veu::v1::EVENT_ENROLLMENT_REFUSED));
}

TEST_F(EnrollerTest, RefusesAnExpiredToken) {
  const std::string token = Token("site-a", absl::Minutes(10));
  now_ += absl::Minutes(11);
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> done =
      Enrol(Request("site-a", Identity("ek1", "ak1"), token));
  EXPECT_EQ(RefusalReason(done.status()), veu::v1::ENROLMENT_TOKEN_EXPIRED) << done.status();
}

TEST_F(EnrollerTest, RefusesATokenIssuedForAnotherSite) {
  const std::string token = Token("site-b");
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> done =
      Enrol(Request("site-a", Identity("ek1", "ak1"), token));
  EXPECT_EQ(RefusalReason(done.status()), veu::v1::ENROLMENT_TOKEN_INVALID) << done.status();
  // The token is left for the site it was issued for.
  EXPECT_OK(Enrol(Request("site-b", Identity("ek1", "ak1"), token)));
}

TEST_F(EnrollerTest, RefusesATokenItNeverIssued) {
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> done =
      Enrol(Request("site-a", Identity("ek1", "ak1"), "veu1.made-up"));
  EXPECT_EQ(RefusalReason(done.status()), veu::v1::ENROLMENT_TOKEN_INVALID) << done.status();
}

TEST_F(EnrollerTest, RefusesAnEkThatIsNeitherAllowedNorBringsAToken) {
  absl::StatusOr<veu::v1::BeginEnrollmentResponse> begun =
      enroller_->Begin(Request("site-a", Identity("ek1", "ak1")));
  EXPECT_THAT(begun, veu::testing::StatusIs(absl::StatusCode::kPermissionDenied,
                                            HasSubstr("veuctl agent allow")));
  EXPECT_EQ(RefusalReason(begun.status()), veu::v1::ENROLMENT_NOT_AUTHORISED);
  EXPECT_EQ(enroller_->pending(), 0u);
  EXPECT_THAT(EventKinds(), Contains(veu::v1::EVENT_ENROLLMENT_REFUSED));
}

TEST_F(EnrollerTest, RefusesAnUnknownSite) {
  absl::StatusOr<veu::v1::BeginEnrollmentResponse> begun =
      enroller_->Begin(Request("site-x", Identity("ek1", "ak1"), Token("site-a")));
  EXPECT_EQ(RefusalReason(begun.status()), veu::v1::ENROLMENT_NOT_AUTHORISED);
}

TEST_F(EnrollerTest, EnrolsAnAllowedEkWithoutAToken) {
  veu::v1::EkAllowance allowance;
  allowance.set_site("site-a");
  allowance.set_ek_public_sha256(crypto::Sha256("ek-public-ek1"));
  ASSERT_OK(store_->AddEkAllowance(allowance));
  EXPECT_OK(Enrol(Request("site-a", Identity("ek1", "ak1"))));
  // The allowance is for that site only.
  absl::StatusOr<veu::v1::BeginEnrollmentResponse> elsewhere =
      enroller_->Begin(Request("site-b", Identity("ek1", "ak1")));
  EXPECT_EQ(RefusalReason(elsewhere.status()), veu::v1::ENROLMENT_NOT_AUTHORISED);
}

TEST_F(EnrollerTest, RefusesAWrongActivatedSecretWithoutConsumingTheToken) {
  const std::string token = Token("site-a");
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> wrong =
      Enrol(Request("site-a", Identity("ek1", "ak1"), token), /*wrong_secret=*/"guess");
  EXPECT_EQ(RefusalReason(wrong.status()), veu::v1::ACTIVATION_SECRET_MISMATCH) << wrong.status();
  EXPECT_THAT(EventKinds(), Contains(veu::v1::EVENT_ENROLLMENT_REFUSED));
  EXPECT_OK(Enrol(Request("site-a", Identity("ek1", "ak1"), token)));
}

TEST_F(EnrollerTest, AllowsOneAnswerPerCredential) {
  absl::StatusOr<veu::v1::BeginEnrollmentResponse> begun =
      enroller_->Begin(Request("site-a", Identity("ek1", "ak1"), Token("site-a")));
  ASSERT_OK(begun);
  veu::v1::CompleteEnrollmentRequest guess;
  guess.set_enrollment_id(begun->enrollment_id());
  guess.set_activated_secret("guess");
  ASSERT_EQ(RefusalReason(enroller_->Complete(guess).status()),
            veu::v1::ACTIVATION_SECRET_MISMATCH);
  guess.set_activated_secret(begun->credential_blob());
  EXPECT_EQ(RefusalReason(enroller_->Complete(guess).status()), veu::v1::ACTIVATION_EXPIRED);
}

TEST_F(EnrollerTest, RefusesActivationAfterTheDeadline) {
  absl::StatusOr<veu::v1::BeginEnrollmentResponse> begun =
      enroller_->Begin(Request("site-a", Identity("ek1", "ak1"), Token("site-a")));
  ASSERT_OK(begun);
  EXPECT_EQ(FromProtoTime(begun->deadline()), now_ + kActivationTimeout);
  EXPECT_EQ(enroller_->pending(), 1u);
  now_ += kActivationTimeout + absl::Seconds(1);
  veu::v1::CompleteEnrollmentRequest late;
  late.set_enrollment_id(begun->enrollment_id());
  late.set_activated_secret(begun->credential_blob());
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> done = enroller_->Complete(late);
  EXPECT_EQ(RefusalReason(done.status()), veu::v1::ACTIVATION_EXPIRED) << done.status();
  EXPECT_EQ(enroller_->pending(), 0u);
}

TEST_F(EnrollerTest, AStalledEnrolmentIsNotPendingPastItsDeadline) {
  ASSERT_OK(enroller_->Begin(Request("site-a", Identity("ek1", "ak1"), Token("site-a"))));
  ASSERT_EQ(enroller_->pending(), 1u);
  now_ += kActivationTimeout + absl::Seconds(1);
  // No other enrolment call happens: the stalled peer still holds nothing.
  EXPECT_EQ(enroller_->pending(), 0u);
}

TEST_F(EnrollerTest, ReEnrolmentWithANewAkIsRecordedAndResetsTheClockHistory) {
  ASSERT_OK(Enrol(Request("site-a", Identity("ek1", "ak1"), Token("site-a"))));
  const std::string agent_id = AgentIdForEk(crypto::Sha256("ek-public-ek1"));
  absl::StatusOr<veu::v1::AgentRecord> before = store_->GetAgent(agent_id);
  ASSERT_OK(before);
  before->set_last_clock(5000);
  before->set_last_reset_count(7);
  ASSERT_OK(store_->PutAgent(*before, {}));

  now_ += absl::Hours(1);
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> again =
      Enrol(Request("site-a", Identity("ek1", "ak2"), Token("site-a")));
  ASSERT_OK(again);
  EXPECT_TRUE(again->re_enrolled());
  EXPECT_EQ(again->agent_id(), agent_id) << "the agent ID follows the EK, not the AK";

  EventFilter filter;
  filter.agent_id = agent_id;
  absl::StatusOr<std::vector<veu::v1::Event>> events = store_->ListEvents(filter);
  ASSERT_OK(events);
  ASSERT_FALSE(events->empty());
  EXPECT_EQ(events->front().kind(), veu::v1::EVENT_RE_ENROLLED) << "newest first";
  EXPECT_THAT(events->front().detail(), HasSubstr("new AK"));

  absl::StatusOr<veu::v1::AgentRecord> after = store_->GetAgent(agent_id);
  ASSERT_OK(after);
  EXPECT_EQ(after->ak_public(), "ak-public-ak2");
  EXPECT_EQ(after->last_clock(), 0u);
  EXPECT_EQ(after->last_reset_count(), 0u);
}

TEST_F(EnrollerTest, PropagatesAnUntrustedEkCertificateAndRecordsTheRefusal) {
  checks_.refuse = {veu::v1::EK_CERT_UNTRUSTED, "no path to a trusted root"};
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> done =
      Enrol(Request("site-a", Identity("ek1", "ak1"), Token("site-a")));
  EXPECT_THAT(done, veu::testing::StatusIs(absl::StatusCode::kPermissionDenied,
                                           HasSubstr("no path to a trusted root")));
  EXPECT_EQ(RefusalReason(done.status()), veu::v1::EK_CERT_UNTRUSTED);
  absl::StatusOr<std::vector<veu::v1::Event>> events = store_->ListEvents(EventFilter{});
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kind(), veu::v1::EVENT_ENROLLMENT_REFUSED);
  EXPECT_EQ((*events)[0].site(), "site-a");
  EXPECT_THAT((*events)[0].detail(), HasSubstr("EK_CERT_UNTRUSTED"));
}

TEST_F(EnrollerTest, PropagatesAnAkWithInvalidAttributes) {
  checks_.refuse = {veu::v1::AK_ATTRIBUTES_INVALID, "ak.attributes: not restricted"};
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> done =
      Enrol(Request("site-a", Identity("ek1", "ak1"), Token("site-a")));
  EXPECT_EQ(RefusalReason(done.status()), veu::v1::AK_ATTRIBUTES_INVALID);
  EXPECT_THAT(EventKinds(), Contains(veu::v1::EVENT_ENROLLMENT_REFUSED));
  EXPECT_EQ(enroller_->pending(), 0u);
}

// Issue 17: an unauthenticated request of several MB, or with newlines in its site name, was
// stored raw in the events table. Now it is REQUEST_MALFORMED, and nothing of it is kept.
TEST_F(EnrollerTest, RefusesAnOversizedOrForgedRequestWithoutStoringIt) {
  veu::v1::BeginEnrollmentRequest huge = Request(std::string(4 << 20, 's'), Identity("ek1", "ak1"));
  absl::StatusOr<veu::v1::BeginEnrollmentResponse> r = enroller_->Begin(huge, "ipv4:10.0.0.9:4000");
  EXPECT_THAT(r, veu::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("REQUEST_MALFORMED: BeginEnrollmentRequest.site (")));
  EXPECT_EQ(RefusalReason(r.status()), veu::v1::REQUEST_MALFORMED);
  veu::v1::BeginEnrollmentRequest forged =
      Request("site-a\n2026-01-01T00:00:00.000Z enrol: agent 0123 re-enrolled", Identity("ek1", "ak1"));
  EXPECT_THAT(enroller_->Begin(forged, "ipv4:10.0.0.9:4001"),
              veu::testing::StatusIs(absl::StatusCode::kInvalidArgument));
  absl::StatusOr<std::vector<veu::v1::Event>> events = store_->ListEvents(EventFilter{});
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);  // the second from the same host is counted, not written yet
  EXPECT_EQ((*events)[0].kind(), veu::v1::EVENT_ENROLLMENT_REFUSED);
  EXPECT_EQ((*events)[0].site(), "");
  EXPECT_LT((*events)[0].ByteSizeLong(), 300u);
  EXPECT_EQ((*events)[0].detail().find('\n'), std::string::npos);
  enroller_->FlushRefusals();
  events = store_->ListEvents(EventFilter{});
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 2u);
  for (const veu::v1::Event& e : *events) {
    EXPECT_EQ(e.detail().find('\n'), std::string::npos) << e.detail();
    EXPECT_LT(e.ByteSizeLong(), 400u);
  }
}

TEST_F(EnrollerTest, AFloodOfRefusalsFromOnePeerIsOneRowWithACount) {
  for (int i = 0; i < 500; ++i) {
    EXPECT_FALSE(enroller_->Begin(Request("no-such-site", Identity("ek1", "ak1")),
                                  absl::StrCat("ipv4:10.0.0.9:", 1000 + i)).ok());
  }
  enroller_->FlushRefusals();
  absl::StatusOr<std::vector<veu::v1::Event>> events = store_->ListEvents(EventFilter{});
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 2u);
  uint64_t counted = 0;
  for (const veu::v1::Event& e : *events) counted += e.count();
  EXPECT_EQ(counted, 500u);
}

TEST_F(EnrollerTest, SaysTheReasonOnceWhenTheDetailAlreadyNamesIt) {
  checks_.refuse = {veu::v1::EK_CERT_MALFORMED, "EK_CERT_MALFORMED: truncated at byte 12"};
  absl::StatusOr<veu::v1::BeginEnrollmentResponse> r =
      enroller_->Begin(Request("site-a", Identity("ek1", "ak1"), Token("site-a")));
  EXPECT_EQ(r.status().message(), "EK_CERT_MALFORMED: truncated at byte 12");
  EXPECT_EQ(Refusal(absl::StatusCode::kPermissionDenied, veu::v1::EK_CERT_EXPIRED, "x").message(),
            "EK_CERT_EXPIRED: x");
}

TEST_F(EnrollerTest, KeepsTheEkChainsCaveatsWithTheAgentForEveryVerdict) {
  veu::v1::EkCaveat& expired = checks_.caveats.emplace_back();
  expired.set_reason(veu::v1::EK_CERT_EXPIRED);
  expired.set_detail("EK certificate 'x' expired on 2024-01-01");
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> done =
      Enrol(Request("site-a", Identity("ek1", "ak1"), Token("site-a")));
  ASSERT_OK(done);
  absl::StatusOr<veu::v1::AgentRecord> agent = store_->GetAgent(done->agent_id());
  ASSERT_OK(agent);
  ASSERT_EQ(agent->ek_caveats_size(), 1);
  EXPECT_EQ(agent->ek_caveats(0).reason(), veu::v1::EK_CERT_EXPIRED);
  // Re-enrolment with a clean chain clears them.
  checks_.caveats.clear();
  ASSERT_OK(Enrol(Request("site-a", Identity("ek1", "ak2"), Token("site-a"))));
  agent = store_->GetAgent(done->agent_id());
  ASSERT_OK(agent);
  EXPECT_EQ(agent->ek_caveats_size(), 0);
}

TEST(RefusalReasonTest, ReadsTheReasonBackAndIgnoresOtherStatuses) {
  EXPECT_EQ(RefusalReason(Refusal(absl::StatusCode::kPermissionDenied, veu::v1::EK_PUBLIC_MISMATCH,
                                  "detail: with colon")),
            veu::v1::EK_PUBLIC_MISMATCH);
  EXPECT_EQ(RefusalReason(absl::InternalError("disk: full")), veu::v1::REASON_UNSPECIFIED);
  EXPECT_EQ(RefusalReason(absl::OkStatus()), veu::v1::REASON_UNSPECIFIED);
}

// ---- Revocation ------------------------------------------------------------------------

veu::v1::Event RevocationEvent(veu::v1::EventKind kind, const std::string& agent_id) {
  veu::v1::Event e;
  e.set_kind(kind);
  e.set_agent_id(agent_id);
  e.set_site("site-a");
  *e.mutable_at() = ToProtoTime(kT0);
  return e;
}

TEST_F(EnrollerTest, RefusesAnEnrolmentOfARevokedEkWithAgentRevokedAndRecordsIt) {
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> done =
      Enrol(Request("site-a", Identity("ek1", "ak1"), Token("site-a")));
  ASSERT_OK(done);
  veu::v1::Revocation r;
  r.set_agent_id(done->agent_id());
  r.set_reason("AK leaked");
  *r.mutable_revoked_at() = ToProtoTime(kT0);
  ASSERT_OK(store_->RevokeAgent(r, RevocationEvent(veu::v1::EVENT_AGENT_REVOKED, r.agent_id())));

  // A fresh token and a new AK do not bring it back.
  absl::StatusOr<veu::v1::BeginEnrollmentResponse> again =
      enroller_->Begin(Request("site-a", Identity("ek1", "ak2"), Token("site-a")));
  EXPECT_THAT(again, veu::testing::StatusIs(absl::StatusCode::kPermissionDenied,
                                            HasSubstr("AK leaked")));
  EXPECT_EQ(RefusalReason(again.status()), veu::v1::AGENT_REVOKED);
  EXPECT_THAT(again.status().message(), HasSubstr("veuctl agent allow"));
  EXPECT_EQ(enroller_->pending(), 0u) << "no credential is made for a revoked EK";
  EXPECT_THAT(EventKinds(), Contains(veu::v1::EVENT_ENROLLMENT_REFUSED));
  EXPECT_EQ(store_->GetAgent(r.agent_id())->status(), veu::v1::AGENT_STATUS_REVOKED);

  // Allowed again, it enrols.
  ASSERT_OK(store_->ReinstateAgent(r.agent_id(),
                                   RevocationEvent(veu::v1::EVENT_AGENT_REINSTATED, r.agent_id())));
  EXPECT_OK(Enrol(Request("site-a", Identity("ek1", "ak2"), Token("site-a"))));
}

TEST_F(EnrollerTest, AnEkRevokedWhileItsEnrolmentIsPendingIsRefusedAtCompletion) {
  ASSERT_OK(Enrol(Request("site-a", Identity("ek1", "ak1"), Token("site-a"))));
  absl::StatusOr<veu::v1::BeginEnrollmentResponse> begun =
      enroller_->Begin(Request("site-a", Identity("ek1", "ak2"), Token("site-a")));
  ASSERT_OK(begun);
  veu::v1::Revocation r;
  r.set_agent_id(AgentIdForEk(crypto::Sha256("ek-public-ek1")));
  r.set_reason("decommissioned");
  *r.mutable_revoked_at() = ToProtoTime(kT0);
  ASSERT_OK(store_->RevokeAgent(r, RevocationEvent(veu::v1::EVENT_AGENT_REVOKED, r.agent_id())));
  veu::v1::CompleteEnrollmentRequest answer;
  answer.set_enrollment_id(begun->enrollment_id());
  answer.set_activated_secret(begun->credential_blob());
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> done = enroller_->Complete(answer);
  EXPECT_EQ(RefusalReason(done.status()), veu::v1::AGENT_REVOKED) << done.status();
  auto agent = store_->GetAgent(r.agent_id());
  ASSERT_OK(agent);
  EXPECT_EQ(agent->status(), veu::v1::AGENT_STATUS_REVOKED);
  EXPECT_EQ(agent->ak_name(), "ak-name-ak1") << "the refused AK was not recorded";
}

}  // namespace
}  // namespace veu::verifier
