// The verifier's gRPC handlers called directly (no server, no process): they translate
// requests, call the Enroller and the Store, and map refusals and errors to gRPC codes a
// client can act on.
#include <gmock/gmock.h>
#include <grpcpp/server_context.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/digest.h"
#include "common/proto_time.h"
#include "common/rpc/limits.h"
#include "tests/support/status_matchers.h"
#include "verifier/enrollment/enroller.h"
#include "verifier/service/enrollment_service.h"
#include "verifier/service/query_service.h"
#include "verifier/store/sqlite_store.h"

namespace veu::verifier {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Accepts every identity; the EK's key hash is SHA-256 of its public area, and the
// "credential" is the secret itself.
class AcceptingIdentityChecks final : public IdentityChecks {
 public:
  CheckOutcome Verify(const veu::v1::TpmPublicIdentity& identity, absl::Time,
                      VerifiedIdentity* verified) const override {
    verified->ek_spki_sha256 = crypto::Sha256(identity.ek_public());
    verified->ek_certificate_der = identity.ek_certificate();
    return {};
  }
  absl::Status MakeCredential(const std::string&, const std::string&, const std::string& secret,
                              std::string* blob, std::string* encrypted) const override {
    *blob = secret;
    *encrypted = "sealed";
    return absl::OkStatus();
  }
};

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(":memory:");
    ASSERT_OK(store);
    store_ = *std::move(store);
    enroller_ = std::make_unique<Enroller>(store_.get(), &checks_, absl::Seconds(60),
                                           [this] { return now_; });
    admin_ = std::make_unique<AdminService>(
        store_.get(), enroller_.get(), [](const std::string& cert) -> absl::StatusOr<std::string> {
          if (!absl::StartsWith(cert, "cert:")) {
            return absl::InvalidArgumentError("not an EK certificate");
          }
          return crypto::Sha256(cert.substr(5));
        });
    query_ = std::make_unique<QueryService>(store_.get(), absl::Minutes(5));
    enrollment_ = std::make_unique<EnrollmentService>(enroller_.get());
    veu::v1::Site site;
    site.set_name("site-a");
    veu::v1::Site added;
    ASSERT_TRUE(admin_->AddSite(&ctx_, &site, &added).ok());
  }

  // Enrols an agent whose EK public area is `ek` into site-a via an allowance; returns its id.
  std::string EnrolAllowed(const std::string& ek) {
    veu::v1::AllowEkRequest allow;
    allow.set_site("site-a");
    allow.set_ek_certificate("cert:" + ek);
    veu::v1::AllowEkResponse allowed;
    EXPECT_TRUE(admin_->AllowEk(&ctx_, &allow, &allowed).ok());
    veu::v1::BeginEnrollmentRequest begin;
    begin.set_site("site-a");
    begin.mutable_identity()->set_ek_public(ek);
    begin.mutable_identity()->set_ak_public("ak");
    begin.mutable_identity()->set_ak_name("ak-name");
    veu::v1::BeginEnrollmentResponse begun;
    EXPECT_TRUE(enrollment_->BeginEnrollment(&ctx_, &begin, &begun).ok());
    veu::v1::CompleteEnrollmentRequest complete;
    complete.set_enrollment_id(begun.enrollment_id());
    complete.set_activated_secret(begun.credential_blob());
    veu::v1::CompleteEnrollmentResponse done;
    grpc::Status s = enrollment_->CompleteEnrollment(&ctx_, &complete, &done);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return done.agent_id();
  }

  void CommitAppraisal(const std::string& agent_id, veu::v1::Verdict verdict, absl::Time seen) {
    absl::StatusOr<veu::v1::AgentRecord> agent = store_->GetAgent(agent_id);
    ASSERT_OK(agent);
    AppraisalCommit commit;
    commit.appraisal.set_id(absl::StrCat("appraisal-", ++appraisals_));
    commit.appraisal.set_agent_id(agent_id);
    commit.appraisal.set_site(agent->site());
    commit.appraisal.set_verdict(verdict);
    *commit.appraisal.mutable_appraised_at() = ToProtoTime(seen);
    commit.agent = *agent;
    commit.agent.set_last_verdict(verdict);
    *commit.agent.mutable_last_seen() = ToProtoTime(seen);
    ASSERT_OK(store_->CommitAppraisal(commit));
  }

  grpc::ServerContext ctx_;
  std::unique_ptr<SqliteStore> store_;
  AcceptingIdentityChecks checks_;
  std::unique_ptr<Enroller> enroller_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<QueryService> query_;
  std::unique_ptr<EnrollmentService> enrollment_;
  absl::Time now_ = absl::Now();
  int appraisals_ = 0;
};

TEST_F(ServiceTest, EnrolmentRefusalReachesTheClientAsPermissionDeniedNamingTheReason) {
  veu::v1::BeginEnrollmentRequest begin;
  begin.set_site("site-a");
  begin.mutable_identity()->set_ek_public("unknown-ek");
  veu::v1::BeginEnrollmentResponse begun;
  grpc::Status s = enrollment_->BeginEnrollment(&ctx_, &begin, &begun);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), StartsWith("ENROLMENT_NOT_AUTHORISED: "));
  EXPECT_EQ(RefusalReason(absl::PermissionDeniedError(s.error_message())),
            veu::v1::ENROLMENT_NOT_AUTHORISED);
}

TEST_F(ServiceTest, AnUnknownEnrolmentIdIsAFailedPreconditionToBeginAgain) {
  veu::v1::CompleteEnrollmentRequest complete;
  complete.set_enrollment_id("never-begun");
  veu::v1::CompleteEnrollmentResponse done;
  grpc::Status s = enrollment_->CompleteEnrollment(&ctx_, &complete, &done);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), StartsWith("ACTIVATION_EXPIRED: "));
}

TEST_F(ServiceTest, AnAllowedEkEnrolsThroughTheServices) {
  const std::string id = EnrolAllowed("ek-1");
  EXPECT_EQ(id, AgentIdForEk(crypto::Sha256("ek-1")));
  veu::v1::ListAgentsRequest list;
  list.set_site("site-a");
  veu::v1::ListAgentsResponse agents;
  ASSERT_TRUE(query_->ListAgents(&ctx_, &list, &agents).ok());
  ASSERT_EQ(agents.agents_size(), 1);
  EXPECT_EQ(agents.agents(0).agent_id(), id);
}

TEST_F(ServiceTest, AddSiteRequiresANameAndRefusesDuplicates) {
  veu::v1::Site nameless, out;
  EXPECT_EQ(admin_->AddSite(&ctx_, &nameless, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  veu::v1::Site again;
  again.set_name("site-a");
  EXPECT_EQ(admin_->AddSite(&ctx_, &again, &out).error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(ServiceTest, AllowEkRefusesAnUnknownSiteAndAnUnreadableCertificate) {
  veu::v1::AllowEkRequest allow;
  allow.set_site("site-x");
  allow.set_ek_certificate("cert:ek");
  veu::v1::AllowEkResponse allowed;
  EXPECT_EQ(admin_->AllowEk(&ctx_, &allow, &allowed).error_code(), grpc::StatusCode::NOT_FOUND);
  allow.set_site("site-a");
  allow.set_ek_certificate("garbage");
  EXPECT_EQ(admin_->AllowEk(&ctx_, &allow, &allowed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  absl::StatusOr<bool> any = store_->IsEkAllowed("site-a", crypto::Sha256("garbage"));
  ASSERT_OK(any);
  EXPECT_FALSE(*any);
}

TEST_F(ServiceTest, IssuesTokensValidForAnHourByDefaultAndOnlyForKnownSites) {
  veu::v1::IssueEnrollmentTokenRequest request;
  request.set_site("site-a");
  veu::v1::IssueEnrollmentTokenResponse token;
  ASSERT_TRUE(admin_->IssueEnrollmentToken(&ctx_, &request, &token).ok());
  EXPECT_THAT(token.token(), StartsWith("veu1."));
  EXPECT_EQ(FromProtoTime(token.expires_at()), now_ + absl::Hours(1));
  request.set_site("site-x");
  EXPECT_EQ(admin_->IssueEnrollmentToken(&ctx_, &request, &token).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServiceTest, SiteStatusIsTheWorstOfItsAgentsLatestAppraisals) {
  const std::string a = EnrolAllowed("ek-a");
  const std::string b = EnrolAllowed("ek-b");
  CommitAppraisal(a, veu::v1::VERDICT_ACCEPT, absl::Now());
  CommitAppraisal(b, veu::v1::VERDICT_REJECT, absl::Now() - absl::Seconds(30));
  CommitAppraisal(b, veu::v1::VERDICT_WARN, absl::Now());
  veu::v1::GetSiteStatusRequest request;
  request.set_site("site-a");
  veu::v1::SiteStatus status;
  ASSERT_TRUE(query_->GetSiteStatus(&ctx_, &request, &status).ok());
  EXPECT_EQ(status.verdict(), veu::v1::VERDICT_WARN) << "b's latest is WARN, not its older REJECT";
  EXPECT_EQ(status.agents_size(), 2);
}

TEST_F(ServiceTest, SiteStatusIsStaleWhenAnAgentStoppedReporting) {
  const std::string a = EnrolAllowed("ek-a");
  CommitAppraisal(a, veu::v1::VERDICT_ACCEPT, absl::Now() - absl::Minutes(6));
  veu::v1::GetSiteStatusRequest request;
  request.set_site("site-a");
  veu::v1::SiteStatus status;
  ASSERT_TRUE(query_->GetSiteStatus(&ctx_, &request, &status).ok());
  EXPECT_EQ(status.verdict(), veu::v1::VERDICT_STALE);
  request.set_site("site-x");
  EXPECT_EQ(query_->GetSiteStatus(&ctx_, &request, &status).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServiceTest, AppraisalsAreFoundByAUniqueAgentIdPrefix) {
  const std::string a = EnrolAllowed("ek-a");
  CommitAppraisal(a, veu::v1::VERDICT_ACCEPT, absl::Now());
  veu::v1::ListAppraisalsRequest request;
  request.set_agent_id(a.substr(0, 12));
  veu::v1::ListAppraisalsResponse response;
  grpc::Status s = query_->ListAppraisals(&ctx_, &request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(response.appraisals_size(), 1);
  EXPECT_EQ(response.appraisals(0).appraisal().agent_id(), a);
}

TEST_F(ServiceTest, AgentIdPrefixesMustBeGivenUniqueAndKnown) {
  const std::string a = EnrolAllowed("ek-a");
  // Another EK whose agent id starts with the same hex digit as a's.
  std::string twin;
  for (int i = 0; twin.empty(); ++i) {
    const std::string ek = absl::StrCat("ek-", i);
    if (AgentIdForEk(crypto::Sha256(ek))[0] == a[0]) twin = ek;
  }
  EnrolAllowed(twin);

  veu::v1::ListAppraisalsRequest request;
  veu::v1::ListAppraisalsResponse response;
  EXPECT_EQ(query_->ListAppraisals(&ctx_, &request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "an empty id would match every agent";
  request.set_agent_id("zz-not-hex");
  EXPECT_EQ(query_->ListAppraisals(&ctx_, &request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.set_agent_id(a.substr(0, 1));
  grpc::Status s = query_->ListAppraisals(&ctx_, &request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("ambiguous"));
}

TEST_F(ServiceTest, EventsCanBeFilteredByAgent) {
  const std::string a = EnrolAllowed("ek-a");
  EnrolAllowed("ek-b");
  veu::v1::ListEventsRequest request;
  request.set_agent_id(a);
  veu::v1::ListEventsResponse response;
  ASSERT_TRUE(query_->ListEvents(&ctx_, &request, &response).ok());
  ASSERT_EQ(response.events_size(), 1);
  EXPECT_EQ(response.events(0).kind(), veu::v1::EVENT_ENROLLED);
  EXPECT_EQ(response.events(0).agent_id(), a);
}

// Issue 17: a malformed unauthenticated request is INVALID_ARGUMENT naming the field.
TEST_F(ServiceTest, AMalformedEnrolmentRequestIsInvalidArgumentNamingTheField) {
  veu::v1::BeginEnrollmentRequest begin;
  begin.set_site("site-a");
  begin.set_hostname(std::string(2 << 20, 'h'));
  veu::v1::BeginEnrollmentResponse begun;
  grpc::Status s = enrollment_->BeginEnrollment(&ctx_, &begin, &begun);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("REQUEST_MALFORMED: BeginEnrollmentRequest.hostname ("));
  EXPECT_LT(s.error_message().size(), 200u);
}

// Issue 17: a history or event list larger than the message limit failed whole in veuctl.
// Now a reply holds the newest records that fit and says how many it left out.
TEST_F(ServiceTest, RepliesStopBeforeTheMessageLimitAndSayWhatTheyLeftOut) {
  const std::string id = EnrolAllowed("ek-big");
  const size_t per_event = 1 << 20;
  const size_t n = kMaxReplyBytes / per_event + 3;
  for (size_t i = 0; i < n; ++i) {
    veu::v1::Event e;
    e.set_kind(veu::v1::EVENT_VERDICT_CHANGED);
    e.set_agent_id(id);
    e.set_site("site-a");
    *e.mutable_at() = ToProtoTime(now_ + absl::Seconds(static_cast<int64_t>(i)));
    e.set_detail(std::string(per_event, 'd'));
    ASSERT_OK(store_->AppendEvent(e));
  }
  veu::v1::ListEventsRequest request;
  request.set_agent_id(id);
  request.set_limit(1000);
  veu::v1::ListEventsResponse response;
  ASSERT_TRUE(query_->ListEvents(&ctx_, &request, &response).ok());
  EXPECT_LE(response.ByteSizeLong(), static_cast<size_t>(kMaxMessageBytes));
  EXPECT_GT(response.omitted(), 0u);
  EXPECT_EQ(response.events_size() + response.omitted(), n + 1);  // + the enrolment event
  // Newest first: what is left out is the oldest.
  EXPECT_EQ(FromProtoTime(response.events(0).at()),
            now_ + absl::Seconds(static_cast<int64_t>(n - 1)));

  // Issue 17: what did not fit is not lost: the token fetches it, page after page, each event
  // exactly once, until a reply without a token.
  std::set<int64_t> ids;
  for (const auto& e : response.events()) ids.insert(e.id());
  size_t pages = 1;
  while (!response.next_page_token().empty() && pages < 10) {
    request.set_page_token(response.next_page_token());
    response.Clear();
    ASSERT_TRUE(query_->ListEvents(&ctx_, &request, &response).ok());
    EXPECT_LE(response.ByteSizeLong(), static_cast<size_t>(kMaxMessageBytes));
    for (const auto& e : response.events()) {
      EXPECT_TRUE(ids.insert(e.id()).second) << "event " << e.id() << " came twice";
    }
    ++pages;
  }
  EXPECT_TRUE(response.next_page_token().empty());
  EXPECT_EQ(ids.size(), n + 1) << "in " << pages << " pages";
  EXPECT_GE(pages, 2u);
}

TEST_F(ServiceTest, AppraisalPagesEndAtTheOldestAndAFullPageSaysMoreMayFollow) {
  const std::string id = EnrolAllowed("ek-paged");
  veu::v1::ListAppraisalsRequest request;
  request.set_agent_id(id);
  request.set_limit(2);
  veu::v1::ListAppraisalsResponse response;
  ASSERT_TRUE(query_->ListAppraisals(&ctx_, &request, &response).ok());
  EXPECT_EQ(response.appraisals_size(), 0);
  EXPECT_TRUE(response.next_page_token().empty()) << "nothing stored, nothing follows";
}

TEST_F(ServiceTest, APageTokenTheVerifierDidNotGiveOutIsInvalidArgument) {
  const std::string id = EnrolAllowed("ek-token");
  for (const std::string& token : std::vector<std::string>{"garbage", "p1.12", "p2.1.2", "p1.x.2", "p1.1.2.3",
                                  std::string(100, '9')}) {
    veu::v1::ListEventsRequest events;
    events.set_page_token(token);
    veu::v1::ListEventsResponse listed;
    const grpc::Status s = query_->ListEvents(&ctx_, &events, &listed);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << token;
    EXPECT_THAT(s.error_message(), HasSubstr("next_page_token")) << s.error_message();
    veu::v1::ListAppraisalsRequest appraisals;
    appraisals.set_agent_id(id);
    appraisals.set_page_token(token);
    veu::v1::ListAppraisalsResponse page;
    EXPECT_EQ(query_->ListAppraisals(&ctx_, &appraisals, &page).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << token;
  }
}

}  // namespace
}  // namespace veu::verifier
