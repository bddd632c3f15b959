// Checkpoint publishing and the Query log RPCs over an in-memory SqliteStore: what a regulator
// fetches verifies with the published key.
#include "verifier/service/transparency.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/merkle/hasher.h"
#include "tests/support/status_matchers.h"
#include "tests/verifier/store/store_conformance_fixture.h"
#include "verifier/service/query_service.h"
#include "verifier/store/sqlite_store.h"
#include "verifier/translog/checkpoint_verifier.h"

namespace veu::verifier::testing {
namespace {

using ::veu::testing::IsOkAndHolds;

class TransparencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::Open(":memory:");
    ASSERT_OK(store);
    store_ = std::move(*store);
    ASSERT_OK(store_->AddSite(MakeSite("fra-1")));
    agent_ = MakeAgent("a1", "fra-1");
    ASSERT_OK(store_->PutAgent(agent_, {}));
    auto signer = translog::NoteSigner::Generate("veu.test/log");
    ASSERT_OK(signer);
    signer_.emplace(*std::move(signer));
  }

  std::unique_ptr<SqliteStore> store_;
  veu::v1::AgentRecord agent_;
  std::optional<translog::NoteSigner> signer_;
};

TEST_F(TransparencyTest, PublishesOnlyWhenTheLogGrewAndNeverGoesBackInTime) {
  EXPECT_THAT(PublishCheckpointIfGrown(*store_, *signer_, "veu.test/log", 100), IsOkAndHolds(true));
  EXPECT_THAT(PublishCheckpointIfGrown(*store_, *signer_, "veu.test/log", 110),
              IsOkAndHolds(false));
  ASSERT_OK(store_->CommitAppraisal(MakeCommit("ap-0", agent_, 100)));
  // A clock that stepped back still yields a checkpoint, stamped no earlier than the last.
  EXPECT_THAT(PublishCheckpointIfGrown(*store_, *signer_, "veu.test/log", 50), IsOkAndHolds(true));
  auto latest = store_->LatestCheckpoint();
  ASSERT_OK(latest);
  EXPECT_EQ(latest->checkpoint.size, 1u);
  EXPECT_EQ(latest->checkpoint.timestamp_unix_seconds, 100u);
}

TEST_F(TransparencyTest, ProofFromTheQueryServiceVerifiesAgainstTheSignedCheckpoint) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(store_->CommitAppraisal(MakeCommit("ap-" + std::to_string(i), agent_, 100 + i)));
  }
  ASSERT_OK(PublishCheckpointIfGrown(*store_, *signer_, "veu.test/log", 200).status());
  ASSERT_OK(store_->CommitAppraisal(MakeCommit("ap-late", agent_, 300)));
  QueryService query(store_.get(), absl::Seconds(60), store_.get());
  grpc::ServerContext ctx;

  const veu::v1::GetCheckpointRequest latest;
  veu::v1::GetCheckpointResponse checkpoint;
  ASSERT_TRUE(query.GetCheckpoint(&ctx, &latest, &checkpoint).ok());
  auto key = translog::NoteVerifier::FromPublicKeyDer("veu.test/log", signer_->public_key_der());
  ASSERT_OK(key);
  auto opened = translog::CheckpointVerifier(*key, "veu.test/log").Open(checkpoint.signed_note());
  ASSERT_OK(opened);
  EXPECT_EQ(opened->size, 5u);

  veu::v1::GetInclusionProofRequest request;
  request.set_appraisal_id("ap-3");
  veu::v1::GetInclusionProofResponse proof;
  ASSERT_TRUE(query.GetInclusionProof(&ctx, &request, &proof).ok());
  EXPECT_EQ(proof.leaf_index(), 3u);
  EXPECT_EQ(proof.tree_size(), 5u);
  EXPECT_EQ(proof.leaf_hash(), merkle::LeafHash(proof.appraisal()));
  std::vector<std::string> hashes(proof.proof().begin(), proof.proof().end());
  EXPECT_OK(translog::VerifyEntryInCheckpoint(*opened, merkle::LeafHash(proof.appraisal()),
                                              proof.leaf_index(), hashes));

  // Logged, but not yet covered by a published checkpoint.
  request.set_appraisal_id("ap-late");
  EXPECT_EQ(query.GetInclusionProof(&ctx, &request, &proof).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  request.set_appraisal_id("unknown");
  EXPECT_EQ(query.GetInclusionProof(&ctx, &request, &proof).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace veu::verifier::testing
