// TransparencyLog over MemoryLogStorage: appends, signed checkpoints, proofs that a client
// checks against checkpoints only, restart, and failure of the storage underneath.
#include "verifier/translog/transparency_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/merkle/hasher.h"
#include "common/merkle/tree.h"
#include "tests/support/status_matchers.h"
#include "verifier/translog/checkpoint_verifier.h"
#include "verifier/translog/memory_log_storage.h"

namespace veu::translog {
namespace {

using ::testing::HasSubstr;
using ::veu::testing::IsOkAndHolds;
using ::veu::testing::StatusIs;

constexpr char kOrigin[] = "veu.example/attest-log";

std::string Entry(uint64_t i) { return "appraisal record " + std::to_string(i); }

class TransparencyLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signer_.emplace(NoteSigner::Generate(kOrigin).value());
    client_.emplace(NoteVerifier::FromPublicKeyDer(kOrigin, signer_->public_key_der()).value(),
                    kOrigin);
    auto log = TransparencyLog::Open(storage_, *signer_, kOrigin);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }

  void AppendEntries(uint64_t from, uint64_t to) {
    for (uint64_t i = from; i < to; ++i) {
      ASSERT_THAT(log_->AppendEntry(Entry(i)), IsOkAndHolds(i));
      leaf_hashes_.push_back(merkle::LeafHash(Entry(i)));
    }
  }

  // What a client does: open the published note, never trusting the parsed struct we hold.
  Checkpoint PublishAndOpen(uint64_t time) {
    absl::StatusOr<StoredCheckpoint> published = log_->PublishCheckpoint(time);
    EXPECT_TRUE(published.ok()) << published.status();
    absl::StatusOr<Checkpoint> opened = client_->Open(published->signed_note);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return *opened;
  }

  MemoryLogStorage storage_;
  std::optional<NoteSigner> signer_;
  std::optional<CheckpointVerifier> client_;
  std::unique_ptr<TransparencyLog> log_;
  std::vector<std::string> leaf_hashes_;
};

TEST_F(TransparencyLogTest, StartsEmptyWithTheEmptyRoot) {
  EXPECT_EQ(log_->size(), 0u);
  EXPECT_EQ(log_->root(), merkle::EmptyRoot());
  const Checkpoint c = PublishAndOpen(1000);
  EXPECT_EQ(c.size, 0u);
  EXPECT_EQ(c.root_hash, merkle::EmptyRoot());
}

TEST_F(TransparencyLogTest, RootIsTheRfc9162RootOfTheEntries) {
  AppendEntries(0, 37);
  EXPECT_EQ(log_->size(), 37u);
  EXPECT_EQ(log_->root(), merkle::RootFromLeafHashes(leaf_hashes_));
}

TEST_F(TransparencyLogTest, EveryEntryIsProvablyInThePublishedCheckpoint) {
  AppendEntries(0, 21);
  const Checkpoint c = PublishAndOpen(1000);
  EXPECT_EQ(c.size, 21u);
  EXPECT_EQ(c.origin, kOrigin);
  EXPECT_EQ(c.timestamp_unix_seconds, 1000u);
  for (uint64_t i = 0; i < 21; ++i) {
    absl::StatusOr<std::vector<std::string>> proof = log_->InclusionProof(i, c.size);
    ASSERT_TRUE(proof.ok()) << proof.status();
    EXPECT_OK(VerifyEntryInCheckpoint(c, merkle::LeafHash(Entry(i)), i, *proof)) << "entry " << i;
  }
  const std::vector<std::string> proof = log_->InclusionProof(3, c.size).value();
  EXPECT_THAT(VerifyEntryInCheckpoint(c, merkle::LeafHash("forged record"), 3, proof),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not hold")));
}

TEST_F(TransparencyLogTest, LaterCheckpointsProvablyExtendEarlierOnes) {
  std::vector<Checkpoint> checkpoints;
  uint64_t time = 1000;
  for (uint64_t to : {1, 2, 7, 8, 9, 30}) {
    AppendEntries(log_->size(), to);
    checkpoints.push_back(PublishAndOpen(time += 60));
  }
  for (size_t a = 0; a < checkpoints.size(); ++a) {
    for (size_t b = a; b < checkpoints.size(); ++b) {
      const std::vector<std::string> proof =
          log_->ConsistencyProof(checkpoints[a].size, checkpoints[b].size).value();
      EXPECT_OK(VerifyCheckpointExtends(checkpoints[a], checkpoints[b], proof))
          << checkpoints[a].size << " -> " << checkpoints[b].size;
    }
  }
  // Older and newer swapped: the log would have shrunk, and time run backwards.
  EXPECT_THAT(VerifyCheckpointExtends(checkpoints[2], checkpoints[1], {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("before the older one's")));
}

TEST_F(TransparencyLogTest, DetectsALogThatRewroteHistory) {
  AppendEntries(0, 5);
  const Checkpoint before = PublishAndOpen(1000);
  // A second log under the same key whose entry 2 differs, then grows past the first.
  MemoryLogStorage forked_storage;
  auto forked = TransparencyLog::Open(forked_storage, *signer_, kOrigin).value();
  for (uint64_t i = 0; i < 9; ++i) {
    ASSERT_OK(forked->AppendEntry(i == 2 ? "rewritten record" : Entry(i)).status());
  }
  const Checkpoint after = client_->Open(forked->PublishCheckpoint(2000)->signed_note).value();
  const std::vector<std::string> proof = forked->ConsistencyProof(5, 9).value();
  EXPECT_THAT(
      VerifyCheckpointExtends(before, after, proof),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("consistency proof does not hold")));
}

TEST_F(TransparencyLogTest, ReopeningTheStorageContinuesTheSameTree) {
  AppendEntries(0, 13);
  const std::string root13 = log_->root();
  log_.reset();
  auto reopened = TransparencyLog::Open(storage_, *signer_, kOrigin);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  log_ = *std::move(reopened);
  EXPECT_EQ(log_->size(), 13u);
  EXPECT_EQ(log_->root(), root13);
  AppendEntries(13, 40);
  EXPECT_EQ(log_->root(), merkle::RootFromLeafHashes(leaf_hashes_));
}

TEST_F(TransparencyLogTest, RefusesCheckpointsDatedBeforeTheLatest) {
  AppendEntries(0, 2);
  PublishAndOpen(2000);
  EXPECT_THAT(log_->PublishCheckpoint(1999),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("would go back")));
  EXPECT_EQ(storage_.LatestCheckpoint()->checkpoint.timestamp_unix_seconds, 2000u);
  EXPECT_OK(log_->PublishCheckpoint(2000).status());
}

TEST_F(TransparencyLogTest, RefusesProofsBeyondTheLog) {
  AppendEntries(0, 4);
  EXPECT_THAT(log_->InclusionProof(0, 5),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("beyond the log")));
  EXPECT_THAT(log_->ConsistencyProof(2, 5), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(log_->InclusionProof(4, 4), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TransparencyLogTest, RejectsACheckpointOfAnotherLog) {
  MemoryLogStorage other_storage;
  auto other = TransparencyLog::Open(other_storage, *signer_, "veu.example/other-log").value();
  const std::string note = other->PublishCheckpoint(1)->signed_note;
  EXPECT_THAT(client_->Open(note), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("is for log 'veu.example/other-log'")));
}

TEST_F(TransparencyLogTest, RefusesAnOriginThatCannotBeInACheckpoint) {
  MemoryLogStorage storage;
  EXPECT_THAT(TransparencyLog::Open(storage, *signer_, "two\nlines"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Storage whose next append fails on demand, to check the log stays consistent with it.
class FailingAppendStorage final : public LogStorage {
 public:
  absl::StatusOr<std::string> ReadNode(uint32_t level, uint64_t index) const override {
    return inner_.ReadNode(level, index);
  }
  absl::StatusOr<uint64_t> TreeSize() const override { return inner_.TreeSize(); }
  absl::Status AppendLeaf(uint64_t index, absl::Span<const merkle::Node> nodes) override {
    if (fail_next_) {
      fail_next_ = false;
      return absl::UnavailableError("disk full");
    }
    return inner_.AppendLeaf(index, nodes);
  }
  absl::Status PutCheckpoint(const StoredCheckpoint& c) override { return inner_.PutCheckpoint(c); }
  absl::StatusOr<StoredCheckpoint> LatestCheckpoint() const override {
    return inner_.LatestCheckpoint();
  }
  void FailNextAppend() { fail_next_ = true; }
  MemoryLogStorage& inner() { return inner_; }

 private:
  MemoryLogStorage inner_;
  bool fail_next_ = false;
};

TEST_F(TransparencyLogTest, AFailedStorageAppendLeavesTheLogUnchanged) {
  FailingAppendStorage storage;
  auto log = TransparencyLog::Open(storage, *signer_, kOrigin).value();
  std::vector<std::string> leaves;
  for (uint64_t i = 0; i < 3; ++i) {
    ASSERT_OK(log->AppendEntry(Entry(i)).status());
    leaves.push_back(merkle::LeafHash(Entry(i)));
  }
  storage.FailNextAppend();
  EXPECT_THAT(log->AppendEntry(Entry(3)), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(log->size(), 3u);
  EXPECT_EQ(log->root(), merkle::RootFromLeafHashes(leaves));
  EXPECT_THAT(log->AppendEntry(Entry(3)), IsOkAndHolds(3u));
  leaves.push_back(merkle::LeafHash(Entry(3)));
  EXPECT_EQ(log->root(), merkle::RootFromLeafHashes(leaves));
}

TEST_F(TransparencyLogTest, AnotherWriterMakesAppendsFailUntilReopened) {
  AppendEntries(0, 3);
  auto second = TransparencyLog::Open(storage_, *signer_, kOrigin).value();
  ASSERT_THAT(second->AppendEntry("from the second writer"), IsOkAndHolds(3u));
  EXPECT_THAT(log_->AppendEntry(Entry(3)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("another writer")));
}

TEST(MemoryLogStorageTest, RejectsNodesThatDoNotBelongToTheLeaf) {
  MemoryLogStorage storage;
  const std::string h = merkle::LeafHash("x");
  EXPECT_THAT(storage.AppendLeaf(1, {merkle::Node{0, 1, h}}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(storage.AppendLeaf(0, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(storage.AppendLeaf(0, {merkle::Node{0, 0, "short"}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(storage.AppendLeaf(0, {merkle::Node{0, 0, h}}));
  // Leaf 1 completes (0, 1) and (1, 0).
  EXPECT_THAT(storage.AppendLeaf(1, {merkle::Node{0, 1, h}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("completes 2 nodes")));
  EXPECT_THAT(storage.TreeSize(), IsOkAndHolds(1u));
  EXPECT_THAT(storage.LatestCheckpoint(), StatusIs(absl::StatusCode::kNotFound));
}

TEST(TransparencyLogConcurrencyTest, ConcurrentAppendsGetDistinctIndicesAndOneTree) {
  MemoryLogStorage storage;
  NoteSigner signer = NoteSigner::Generate(kOrigin).value();
  auto log = TransparencyLog::Open(storage, signer, kOrigin).value();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::vector<uint64_t>> indices(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        indices[t].push_back(log->AppendEntry(Entry(t * kPerThread + i)).value());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<uint64_t> all;
  for (const auto& v : indices) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(log->size(), static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_THAT(merkle::RootAt(storage, log->size()), IsOkAndHolds(log->root()));
}

}  // namespace
}  // namespace veu::translog
