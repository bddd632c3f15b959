// Peers that misbehave on the wire hold nothing past their deadlines, and enrolment refuses
// what it must: raw gRPC clients against a real veu-verifier, with the TPM side played by
// swtpm through the agent's own TPM adapter.
#include <grpcpp/grpcpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "agent/enrollment_client.h"
#include "agent/tpm/esys_tpm.h"
#include "common/rpc/tls.h"
#include "common/tpm/quote.h"
#include "tests/integration/deployment.h"
#include "tests/support/status_matchers.h"
#include "veu/v1/attestation.grpc.pb.h"
#include "veu/v1/enrollment.grpc.pb.h"
#include "veu/v1/facts.pb.h"

namespace veu::testing {
namespace {

using ::testing::HasSubstr;

class StreamDeadlineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Create();
    ASSERT_OK(d.status());
    deployment_ = *std::move(d);
    VerifierOptions options;
    options.timeout_seconds = 2;
    options.enrollment_timeout_seconds = 2;
    options.interval_seconds = 1;
    ASSERT_OK(deployment_->StartVerifier(options));
    absl::StatusOr<std::string> token = deployment_->AddSiteWithToken("fra1");
    ASSERT_OK(token.status());
    token_ = *token;
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds =
        PinnedCaCredentials(deployment_->ca_pem());
    ASSERT_OK(creds.status());
    channel_ = grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", deployment_->verifier_port()), *creds, args);
    agent::EsysTpmOptions tpm_options;
    tpm_options.tcti = deployment_->swtpm().Tcti();
    absl::StatusOr<std::unique_ptr<agent::EsysTpm>> tpm = agent::EsysTpm::Open(tpm_options);
    ASSERT_OK(tpm.status());
    tpm_ = *std::move(tpm);
  }

  veu::v1::BeginEnrollmentRequest BeginRequest() {
    veu::v1::BeginEnrollmentRequest request;
    request.set_site("fra1");
    request.set_enrollment_token(token_);
    absl::StatusOr<agent::EkCertificate> cert = tpm_->ReadEkCertificate();
    absl::StatusOr<std::string> ek = tpm_->EkPublic();
    absl::StatusOr<agent::AkIdentity> ak = tpm_->Ak();
    EXPECT_OK(cert.status());
    EXPECT_OK(ek.status());
    EXPECT_OK(ak.status());
    if (cert.ok()) request.mutable_identity()->set_ek_certificate(cert->der);
    if (ek.ok()) request.mutable_identity()->set_ek_public(*ek);
    if (ak.ok()) {
      request.mutable_identity()->set_ak_public(ak->public_area);
      request.mutable_identity()->set_ak_name(ak->name);
    }
    return request;
  }

  std::unique_ptr<Deployment> deployment_;
  std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<agent::EsysTpm> tpm_;
};

TEST_F(StreamDeadlineTest, PeerThatConnectsAndStaysSilentIsCutOffAtTheDeadline) {
  auto stub = veu::v1::Attestation::NewStub(channel_);
  grpc::ClientContext ctx;
  auto stream = stub->Attest(&ctx);
  const absl::Time start = absl::Now();
  veu::v1::VerifierMessage in;
  // The verifier says why, then ends the call; we never said hello.
  ASSERT_TRUE(stream->Read(&in));
  ASSERT_TRUE(in.has_error()) << in.DebugString();
  EXPECT_EQ(in.error().reason(), veu::v1::DEADLINE_EXCEEDED);
  EXPECT_FALSE(stream->Read(&in));
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(6));
  EXPECT_GE(absl::Now() - start, absl::Seconds(1));
}

TEST_F(StreamDeadlineTest, AgentThatStopsAnsweringChallengesIsCutOff) {
  agent::EnrollmentRequestOptions options;
  options.site = "fra1";
  options.token = token_;
  auto enrollment = veu::v1::Enrollment::NewStub(channel_);
  absl::StatusOr<std::string> agent_id = agent::Enrol(*tpm_, *enrollment, options);
  ASSERT_OK(agent_id.status());

  auto stub = veu::v1::Attestation::NewStub(channel_);
  grpc::ClientContext ctx;
  auto stream = stub->Attest(&ctx);
  veu::v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_id(*agent_id);
  ASSERT_TRUE(stream->Write(hello));
  veu::v1::VerifierMessage in;
  ASSERT_TRUE(stream->Read(&in));
  ASSERT_TRUE(in.has_challenge());
  EXPECT_GE(in.challenge().nonce().size(), 32u);
  const absl::Time start = absl::Now();
  // Never answer: the nonce's deadline (2 s) plus the network grace (2 s) ends the call, with
  // the reason.
  ASSERT_TRUE(stream->Read(&in));
  ASSERT_TRUE(in.has_error()) << in.DebugString();
  EXPECT_EQ(in.error().reason(), veu::v1::DEADLINE_EXCEEDED);
  EXPECT_FALSE(stream->Read(&in));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));
  // The verifier logs the cut after the client already sees the call end: wait for the line.
  EXPECT_TRUE(WaitFor(
      [&] {
        return deployment_->VerifierLog().find("no evidence for challenge #1") != std::string::npos;
      },
      absl::Seconds(5)))
      << deployment_->VerifierLog();
}

TEST_F(StreamDeadlineTest, HelloFromAnUnknownAgentIsRefused) {
  auto stub = veu::v1::Attestation::NewStub(channel_);
  grpc::ClientContext ctx;
  auto stream = stub->Attest(&ctx);
  veu::v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_id(std::string(64, 'a'));
  ASSERT_TRUE(stream->Write(hello));
  veu::v1::VerifierMessage in;
  ASSERT_TRUE(stream->Read(&in));
  ASSERT_TRUE(in.has_error());
  EXPECT_EQ(in.error().reason(), veu::v1::AGENT_UNKNOWN);
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(StreamDeadlineTest, EnrolmentStalledPastItsDeadlineIsForgotten) {
  auto stub = veu::v1::Enrollment::NewStub(channel_);
  veu::v1::BeginEnrollmentResponse credential;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub->BeginEnrollment(&ctx, BeginRequest(), &credential).ok());
  }
  absl::StatusOr<std::string> secret =
      tpm_->ActivateCredential(credential.credential_blob(), credential.encrypted_secret());
  ASSERT_OK(secret.status());
  absl::SleepFor(absl::Seconds(3));  // past the 2 s activation deadline
  veu::v1::CompleteEnrollmentRequest complete;
  complete.set_enrollment_id(credential.enrollment_id());
  complete.set_activated_secret(*secret);
  veu::v1::CompleteEnrollmentResponse done;
  grpc::ClientContext ctx;
  grpc::Status status = stub->CompleteEnrollment(&ctx, complete, &done);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("ACTIVATION_EXPIRED"));
}

TEST_F(StreamDeadlineTest, WrongActivatedSecretIsRefusedAndDoesNotBurnTheToken) {
  auto stub = veu::v1::Enrollment::NewStub(channel_);
  veu::v1::BeginEnrollmentResponse credential;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub->BeginEnrollment(&ctx, BeginRequest(), &credential).ok());
  }
  veu::v1::CompleteEnrollmentRequest complete;
  complete.set_enrollment_id(credential.enrollment_id());
  complete.set_activated_secret(std::string(32, 'x'));
  veu::v1::CompleteEnrollmentResponse done;
  {
    grpc::ClientContext ctx;
    grpc::Status status = stub->CompleteEnrollment(&ctx, complete, &done);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(), HasSubstr("ACTIVATION_SECRET_MISMATCH"));
  }
  // The token still works for an honest activation.
  agent::EnrollmentRequestOptions options;
  options.site = "fra1";
  options.token = token_;
  EXPECT_OK(agent::Enrol(*tpm_, *stub, options).status());
}

}  // namespace
}  // namespace veu::testing

namespace veu::testing {
namespace {

// Answers the challenge on `stream` with a real quote from `tpm` over empty facts.
veu::v1::AgentMessage GenuineEvidence(agent::Tpm& tpm, const veu::v1::Challenge& challenge) {
  veu::v1::AgentMessage out;
  veu::v1::Evidence* evidence = out.mutable_evidence();
  evidence->set_nonce(challenge.nonce());
  evidence->set_facts("");
  absl::StatusOr<veu::v1::Quote> quote =
      tpm.Quote(tpm::QualifyingData(challenge.nonce(), ""), challenge.pcr_selection(0));
  EXPECT_OK(quote.status());
  if (quote.ok()) *evidence->mutable_quote() = *quote;
  return out;
}

class ImpersonationTest : public StreamDeadlineTest {
 protected:
  std::string EnrolAgent() {
    agent::EnrollmentRequestOptions options;
    options.site = "fra1";
    options.token = token_;
    auto enrollment = veu::v1::Enrollment::NewStub(channel_);
    absl::StatusOr<std::string> id = agent::Enrol(*tpm_, *enrollment, options);
    EXPECT_OK(id.status());
    return id.ok() ? *id : "";
  }
  // Opens a stream as `agent_id` and returns the first challenge.
  std::unique_ptr<grpc::ClientReaderWriter<veu::v1::AgentMessage, veu::v1::VerifierMessage>>
  Open(grpc::ClientContext* ctx, const std::string& agent_id, veu::v1::Challenge* challenge) {
    auto stub = veu::v1::Attestation::NewStub(channel_);
    stubs_.push_back(std::move(stub));
    auto stream = stubs_.back()->Attest(ctx);
    veu::v1::AgentMessage hello;
    hello.mutable_hello()->set_agent_id(agent_id);
    EXPECT_TRUE(stream->Write(hello));
    veu::v1::VerifierMessage in;
    EXPECT_TRUE(stream->Read(&in));
    *challenge = in.challenge();
    return stream;
  }
  std::vector<std::unique_ptr<veu::v1::Attestation::Stub>> stubs_;
};

TEST_F(ImpersonationTest, ForgedReportClaimingAnEnrolledAgentIsRefusedAndNotRecordedAgainstIt) {
  const std::string agent_id = EnrolAgent();
  grpc::ClientContext ctx;
  veu::v1::Challenge challenge;
  auto stream = Open(&ctx, agent_id, &challenge);
  veu::v1::AgentMessage forged = GenuineEvidence(*tpm_, challenge);
  // An impostor without the AK cannot sign: it sends the TPM's bytes with a signature that is
  // not the AK's (one bit of the genuine one flipped).
  forged.mutable_evidence()->mutable_quote()->mutable_signature()->back() ^= 0x01;
  ASSERT_TRUE(stream->Write(forged));
  veu::v1::VerifierMessage in;
  ASSERT_TRUE(stream->Read(&in));
  ASSERT_TRUE(in.has_error());
  EXPECT_EQ(in.error().reason(), veu::v1::QUOTE_SIGNATURE_INVALID) << in.DebugString();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);

  RunResult events = deployment_->Veuctl({"events", "--json"});
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_THAT(events.out, HasSubstr("EVENT_IMPERSONATION_SUSPECTED"));
  // Issue 17: the output alone passed even when veuctl failed. The agent has no appraisal at
  // all: the forged report is recorded nowhere against it.
  RunResult history = deployment_->Veuctl({"history", agent_id, "--json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_THAT(history.out, HasSubstr("\"appraisals\""));
  EXPECT_THAT(history.out, ::testing::Not(HasSubstr("\"verdict\""))) << history.out;
}

TEST_F(ImpersonationTest, GenuineReportReplayedOnANewStreamProvesNothing) {
  const std::string agent_id = EnrolAgent();
  veu::v1::AgentMessage recorded;
  {
    grpc::ClientContext ctx;
    veu::v1::Challenge challenge;
    auto stream = Open(&ctx, agent_id, &challenge);
    recorded = GenuineEvidence(*tpm_, challenge);
    ASSERT_TRUE(stream->Write(recorded));
    veu::v1::VerifierMessage ack;
    ASSERT_TRUE(stream->Read(&ack));
    ASSERT_TRUE(ack.has_ack());
    EXPECT_EQ(ack.ack().verdict(), veu::v1::VERDICT_WARN);  // no event log, nothing failed
    ctx.TryCancel();
  }
  // An eavesdropper replays the recorded report on a stream of its own.
  grpc::ClientContext ctx;
  veu::v1::Challenge challenge;
  auto stream = Open(&ctx, agent_id, &challenge);
  ASSERT_TRUE(stream->Write(recorded));
  veu::v1::VerifierMessage in;
  ASSERT_TRUE(stream->Read(&in));
  ASSERT_TRUE(in.has_error()) << in.DebugString();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  RunResult history = deployment_->Veuctl({"history", agent_id, "--json"});
  EXPECT_THAT(history.out, ::testing::Not(HasSubstr("VERDICT_REJECT"))) << history.out;
  EXPECT_THAT(deployment_->VerifierLog(), HasSubstr("does not prove the enrolled AK"));
}

TEST_F(ImpersonationTest, FactsAlteredInTransitAfterQuotingAreRejected) {
  const std::string agent_id = EnrolAgent();
  grpc::ClientContext ctx;
  veu::v1::Challenge challenge;
  auto stream = Open(&ctx, agent_id, &challenge);
  ASSERT_TRUE(stream->Write(GenuineEvidence(*tpm_, challenge)));
  veu::v1::VerifierMessage in;
  ASSERT_TRUE(stream->Read(&in));
  ASSERT_TRUE(in.has_ack());
  ASSERT_TRUE(stream->Read(&in));  // the next challenge
  ASSERT_TRUE(in.has_challenge());

  // The TPM quoted one set of facts; a man in the middle swaps in another (e.g. fewer GPUs).
  veu::v1::Facts quoted;
  quoted.mutable_host()->set_hostname("node-7");
  veu::v1::Facts swapped = quoted;
  swapped.mutable_host()->set_hostname("node-7-with-fewer-gpus");
  veu::v1::AgentMessage out;
  veu::v1::Evidence* evidence = out.mutable_evidence();
  evidence->set_nonce(in.challenge().nonce());
  absl::StatusOr<veu::v1::Quote> quote = tpm_->Quote(
      tpm::QualifyingData(in.challenge().nonce(), quoted.SerializeAsString()),
      in.challenge().pcr_selection(0));
  ASSERT_OK(quote.status());
  *evidence->mutable_quote() = *quote;
  evidence->set_facts(swapped.SerializeAsString());
  ASSERT_TRUE(stream->Write(out));
  ASSERT_TRUE(stream->Read(&in));
  ASSERT_TRUE(in.has_ack()) << in.DebugString();
  EXPECT_EQ(in.ack().verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(in.ack().reasons(), ::testing::Contains(veu::v1::QUOTE_QUALIFYING_DATA_MISMATCH));
  ctx.TryCancel();
}

}  // namespace
}  // namespace veu::testing
