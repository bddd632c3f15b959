// "A result is acknowledged only after it is committed" (README), proven by making the commit
// fail. The real stream path runs in process: AttestationService on a gRPC server on loopback,
// its GroupCommitter and TimerQueue, over a FaultyStore wrapping an in-memory SqliteStore; the
// agent side is the agent's own AnswerChallenge over a SoftwareTpm (real P-256 AK, real quotes).
// Each time an ack arrives the test looks the acknowledged appraisal up in the real store: it
// must already be there.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agent/attestation_client.h"
#include "agent/tpm/software_tpm.h"
#include "tests/support/faulty_store.h"
#include "tests/support/status_matchers.h"
#include "verifier/appraisal/nonce_book.h"
#include "verifier/service/attestation_service.h"
#include "verifier/service/group_committer.h"
#include "verifier/service/timer_queue.h"
#include "verifier/store/sqlite_store.h"
#include "veu/v1/attestation.grpc.pb.h"

namespace veu::verifier {
namespace {

using veu::v1::AgentMessage;
using veu::v1::VerifierMessage;

// What one stream saw, ack by ack.
struct StreamOutcome {
  int challenges = 0;
  std::vector<std::string> acked_ids;
  // For each ack: whether the appraisal it names was in the store when the ack arrived.
  std::vector<bool> stored_when_acked;
  veu::v1::ReasonCode ended_with = veu::v1::REASON_UNSPECIFIED;
  grpc::Status status;
};

class AckAfterCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(":memory:");
    ASSERT_OK(store);
    real_ = *std::move(store);
    faulty_ = std::make_unique<testing::FaultyStore>(real_.get());

    absl::StatusOr<agent::SoftwareEkCa> ca = agent::SoftwareEkCa::Create("ack test EK CA");
    ASSERT_OK(ca);
    absl::StatusOr<std::unique_ptr<agent::SoftwareTpm>> tpm = agent::SoftwareTpm::Create(*ca, 1);
    ASSERT_OK(tpm);
    tpm_ = *std::move(tpm);

    veu::v1::Site site;
    site.set_name("site-a");
    site.set_country("DE");
    ASSERT_OK(real_->AddSite(site));
    // The record enrolment would have written: what the stream checks the hello and quotes by.
    absl::StatusOr<agent::AkIdentity> ak = tpm_->Ak();
    ASSERT_OK(ak);
    absl::StatusOr<std::string> ek = tpm_->EkPublic();
    ASSERT_OK(ek);
    veu::v1::AgentRecord agent;
    agent.set_agent_id(agent_id_);
    agent.set_site("site-a");
    agent.set_status(veu::v1::AGENT_STATUS_ENROLLED);
    agent.set_ek_public(*ek);
    agent.set_ak_public(ak->public_area);
    agent.set_ak_name(ak->name);
    ASSERT_OK(real_->PutAgent(agent, {}));

    committer_ = std::make_unique<GroupCommitter>(faulty_.get(), GroupCommitterOptions{});
    StreamOptions options;
    options.challenge_interval = absl::Milliseconds(100);
    options.response_timeout = absl::Seconds(10);
    options.hello_timeout = absl::Seconds(10);
    veu::v1::PcrSelection sha256;
    sha256.set_hash_alg(0x000B);  // TPM_ALG_SHA256
    for (uint32_t pcr : {0, 1, 2, 3, 4, 5, 6, 7, 10}) sha256.add_pcrs(pcr);
    options.pcr_selection.push_back(sha256);
    service_ = std::make_unique<AttestationService>(faulty_.get(), &nonces_, committer_.get(),
                                                    &timers_, nullptr, AppraisalPolicy{},
                                                    options);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    stub_ = veu::v1::Attestation::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    source_.facts = [] { return veu::v1::Facts{}; };
    source_.event_log = []() -> absl::StatusOr<std::string> {
      return absl::NotFoundError("no event log on this test node");
    };
  }

  void TearDown() override {
    if (service_) service_->Shutdown();
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }

  // One stream: hello, then evidence for each challenge, until `max_acks` acks or the verifier
  // ends it. Each ack's appraisal is looked up in the real store the moment it arrives.
  StreamOutcome Stream(int max_acks) {
    StreamOutcome out;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    auto stream = stub_->Attest(&ctx);
    AgentMessage hello;
    hello.mutable_hello()->set_agent_id(agent_id_);
    hello.mutable_hello()->set_ak_name(tpm_->Ak()->name);
    hello.mutable_hello()->set_agent_version("veu-agent ack-after-commit test");
    EXPECT_TRUE(stream->Write(hello));
    std::string last_log_sent;
    VerifierMessage in;
    while (stream->Read(&in)) {
      if (in.has_error()) {
        out.ended_with = in.error().reason();
      } else if (in.has_ack()) {
        out.acked_ids.push_back(in.ack().appraisal_id());
        out.stored_when_acked.push_back(IsStored(in.ack().appraisal_id()));
        if (static_cast<int>(out.acked_ids.size()) >= max_acks) {
          ctx.TryCancel();
          break;
        }
      } else if (in.has_challenge()) {
        ++out.challenges;
        absl::StatusOr<veu::v1::Evidence> evidence =
            agent::AnswerChallenge(*tpm_, in.challenge(), source_, last_log_sent);
        EXPECT_OK(evidence);
        if (!evidence.ok()) break;
        AgentMessage m;
        *m.mutable_evidence() = *std::move(evidence);
        if (!stream->Write(m)) break;
      }
    }
    out.status = stream->Finish();
    return out;
  }

  bool IsStored(const std::string& appraisal_id) {
    absl::StatusOr<std::vector<veu::v1::StoredAppraisal>> list =
        real_->ListAppraisals(agent_id_, 1000, false);
    if (!list.ok()) return false;
    for (const veu::v1::StoredAppraisal& a : *list) {
      if (a.appraisal().id() == appraisal_id) return true;
    }
    return false;
  }
  size_t StoredCount() {
    absl::StatusOr<std::vector<veu::v1::StoredAppraisal>> list =
        real_->ListAppraisals(agent_id_, 1000, false);
    EXPECT_OK(list);
    return list.ok() ? list->size() : 0;
  }

  const std::string agent_id_ = std::string(64, 'a');
  std::unique_ptr<SqliteStore> real_;
  std::unique_ptr<testing::FaultyStore> faulty_;
  std::unique_ptr<agent::SoftwareTpm> tpm_;
  agent::ReportSource source_;
  NonceBook nonces_;
  TimerQueue timers_;
  std::unique_ptr<GroupCommitter> committer_;
  std::unique_ptr<AttestationService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<veu::v1::Attestation::Stub> stub_;
};

TEST_F(AckAfterCommitTest, EveryAckNamesAnAppraisalAlreadyInTheStore) {
  const StreamOutcome out = Stream(3);
  ASSERT_EQ(out.acked_ids.size(), 3u) << out.status.error_message();
  for (size_t i = 0; i < out.acked_ids.size(); ++i) {
    EXPECT_FALSE(out.acked_ids[i].empty());
    EXPECT_TRUE(out.stored_when_acked[i]) << "ack " << i << " for " << out.acked_ids[i]
                                          << " arrived before its appraisal was stored";
  }
  EXPECT_EQ(StoredCount(), 3u);
}

TEST_F(AckAfterCommitTest, ACommitThatFailsIsNeverAcknowledgedAndTheStreamSaysWhy) {
  faulty_->FailCommits(true);
  const StreamOutcome out = Stream(1);
  EXPECT_EQ(out.challenges, 1) << "the report was asked for, answered, appraised";
  EXPECT_GE(faulty_->commits_refused(), 1u) << "the appraisal reached the store and was refused";
  EXPECT_TRUE(out.acked_ids.empty()) << "acknowledged " << out.acked_ids.size()
                                     << " result(s) the store refused";
  EXPECT_EQ(out.ended_with, veu::v1::VERIFIER_UNAVAILABLE)
      << veu::v1::ReasonCode_Name(out.ended_with);
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::UNAVAILABLE) << out.status.error_message();
  EXPECT_EQ(StoredCount(), 0u);
}

TEST_F(AckAfterCommitTest, AfterTheStoreRecoversTheSameAgentIsAcknowledgedAgain) {
  faulty_->FailCommits(true);
  ASSERT_TRUE(Stream(1).acked_ids.empty());
  faulty_->FailCommits(false);
  const StreamOutcome out = Stream(2);
  ASSERT_EQ(out.acked_ids.size(), 2u) << out.status.error_message();
  EXPECT_TRUE(out.stored_when_acked[0] && out.stored_when_acked[1]);
  EXPECT_EQ(StoredCount(), 2u) << "only what was committed after recovery is there";
}

}  // namespace
}  // namespace veu::verifier
