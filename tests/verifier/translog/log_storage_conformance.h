// The behaviour every LogStorage backend must show, as a typed GoogleTest suite. A backend's
// test instantiates it with a factory type that has
//   static std::unique_ptr<veu::translog::LogStorage> Create();   // a fresh, empty log
// like this (see log_storage_conformance_test.cc):
//   INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, LogStorageConformanceTest, SqliteLogStorageFactory);
#ifndef VEU_TESTS_VERIFIER_TRANSLOG_LOG_STORAGE_CONFORMANCE_H_
#define VEU_TESTS_VERIFIER_TRANSLOG_LOG_STORAGE_CONFORMANCE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/merkle/compact_range.h"
#include "common/merkle/hasher.h"
#include "common/merkle/node_reader.h"
#include "common/merkle/tree.h"
#include "tests/support/status_matchers.h"
#include "verifier/translog/log_storage.h"

namespace veu::translog::testing {

template <typename Factory>
class LogStorageConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = Factory::Create();
    ASSERT_NE(storage_, nullptr);
  }

  // Appends leaves [from, to) the way TransparencyLog does.
  void Append(uint64_t from, uint64_t to) {
    for (uint64_t i = from; i < to; ++i) {
      leaves_.push_back(merkle::LeafHash("leaf " + std::to_string(i)));
      auto nodes = range_.Append(leaves_.back());
      ASSERT_TRUE(nodes.ok()) << nodes.status();
      ASSERT_OK(storage_->AppendLeaf(i, *nodes));
    }
  }

  static StoredCheckpoint MakeCheckpoint(uint64_t size, uint64_t time) {
    StoredCheckpoint c;
    c.checkpoint =
        Checkpoint{"veu.example/log", size, merkle::LeafHash(std::to_string(size)), time};
    c.signed_note = "note for size " + std::to_string(size) + "\n\n\xE2\x80\x94 k AAAA\n";
    return c;
  }

  std::unique_ptr<LogStorage> storage_;
  merkle::CompactRange range_;
  std::vector<std::string> leaves_;
};

TYPED_TEST_SUITE_P(LogStorageConformanceTest);

TYPED_TEST_P(LogStorageConformanceTest, StartsEmpty) {
  EXPECT_THAT(this->storage_->TreeSize(), ::veu::testing::IsOkAndHolds(0u));
  EXPECT_THAT(this->storage_->ReadNode(0, 0),
              ::veu::testing::StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->storage_->LatestCheckpoint(),
              ::veu::testing::StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST_P(LogStorageConformanceTest, ServesEveryCompletedNodeAndNoOther) {
  this->Append(0, 13);
  EXPECT_THAT(this->storage_->TreeSize(), ::veu::testing::IsOkAndHolds(13u));
  for (uint64_t i = 0; i < 13; ++i) {
    EXPECT_THAT(this->storage_->ReadNode(0, i), ::veu::testing::IsOkAndHolds(this->leaves_[i]));
  }
  // Level 2 has the complete subtrees [0,4), [4,8), [8,12); [12,16) is not complete.
  const auto level2 = [&](uint64_t k) {
    return merkle::RootFromLeafHashes(absl::MakeConstSpan(this->leaves_).subspan(4 * k, 4));
  };
  for (uint64_t k = 0; k < 3; ++k) {
    EXPECT_THAT(this->storage_->ReadNode(2, k), ::veu::testing::IsOkAndHolds(level2(k)));
  }
  EXPECT_THAT(this->storage_->ReadNode(2, 3),
              ::veu::testing::StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(this->storage_->ReadNode(4, 0),
              ::veu::testing::StatusIs(absl::StatusCode::kNotFound));
  for (uint64_t n = 0; n <= 13; ++n) {
    EXPECT_THAT(merkle::RootAt(*this->storage_, n),
                ::veu::testing::IsOkAndHolds(
                    merkle::RootFromLeafHashes(absl::MakeConstSpan(this->leaves_).subspan(0, n))));
  }
}

TYPED_TEST_P(LogStorageConformanceTest, RefusesAnAppendAtTheWrongIndexAndWritesNothing) {
  this->Append(0, 3);
  merkle::CompactRange copy = this->range_;
  auto nodes = copy.Append(merkle::LeafHash("x")).value();  // nodes for leaf 3
  EXPECT_THAT(this->storage_->AppendLeaf(4, nodes),
              ::veu::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(this->storage_->AppendLeaf(2, nodes),
              ::veu::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(this->storage_->TreeSize(), ::veu::testing::IsOkAndHolds(3u));
  this->Append(3, 4);  // the right append still works
  EXPECT_THAT(this->storage_->TreeSize(), ::veu::testing::IsOkAndHolds(4u));
}

TYPED_TEST_P(LogStorageConformanceTest, RefusesNodesThatLeafDoesNotCompleteAndWritesNothing) {
  this->Append(0, 3);
  const std::string h = merkle::LeafHash("x");
  // Leaf 3 completes (0,3), (1,1) and (2,0): too few, misplaced or malformed nodes are refused.
  for (const std::vector<merkle::Node>& bad :
       std::vector<std::vector<merkle::Node>>{{{0, 3, h}},
                                              {{0, 3, h}, {1, 1, h}, {2, 1, h}},
                                              {{0, 3, h}, {1, 1, h}, {2, 0, "short"}},
                                              {{0, 3, h}, {1, 1, h}, {2, 0, h}, {3, 0, h}}}) {
    EXPECT_THAT(this->storage_->AppendLeaf(3, bad),
                ::veu::testing::StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(this->storage_->TreeSize(), ::veu::testing::IsOkAndHolds(3u));
    EXPECT_THAT(this->storage_->ReadNode(0, 3),
                ::veu::testing::StatusIs(absl::StatusCode::kNotFound));
  }
}

TYPED_TEST_P(LogStorageConformanceTest, KeepsTheLatestCheckpointByteForByte) {
  const StoredCheckpoint first = this->MakeCheckpoint(5, 100);
  ASSERT_OK(this->storage_->PutCheckpoint(first));
  auto latest = this->storage_->LatestCheckpoint();
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->checkpoint, first.checkpoint);
  EXPECT_EQ(latest->signed_note, first.signed_note);
  const StoredCheckpoint second = this->MakeCheckpoint(9, 160);
  ASSERT_OK(this->storage_->PutCheckpoint(second));
  EXPECT_EQ(this->storage_->LatestCheckpoint()->signed_note, second.signed_note);
}

TYPED_TEST_P(LogStorageConformanceTest, CheckpointsOnlyMoveForward) {
  ASSERT_OK(this->storage_->PutCheckpoint(this->MakeCheckpoint(9, 160)));
  EXPECT_THAT(this->storage_->PutCheckpoint(this->MakeCheckpoint(8, 200)),
              ::veu::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(this->storage_->PutCheckpoint(this->MakeCheckpoint(10, 159)),
              ::veu::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(this->storage_->LatestCheckpoint()->checkpoint.size, 9u);
  EXPECT_OK(this->storage_->PutCheckpoint(this->MakeCheckpoint(9, 160)));  // same again is fine
}

TYPED_TEST_P(LogStorageConformanceTest, ReadersSeeAConsistentPrefixWhileOneWriterAppends) {
  this->Append(0, 1);
  std::thread writer([&] { this->Append(1, 300); });
  for (int i = 0; i < 200; ++i) {
    auto size = this->storage_->TreeSize();
    ASSERT_TRUE(size.ok()) << size.status();
    ASSERT_GE(*size, 1u);
    // Every leaf below the size read is there.
    EXPECT_OK(this->storage_->ReadNode(0, *size - 1).status());
  }
  writer.join();
  EXPECT_THAT(this->storage_->TreeSize(), ::veu::testing::IsOkAndHolds(300u));
  EXPECT_THAT(merkle::RootAt(*this->storage_, 300),
              ::veu::testing::IsOkAndHolds(merkle::RootFromLeafHashes(this->leaves_)));
}

REGISTER_TYPED_TEST_SUITE_P(LogStorageConformanceTest, StartsEmpty,
                            ServesEveryCompletedNodeAndNoOther,
                            RefusesAnAppendAtTheWrongIndexAndWritesNothing,
                            RefusesNodesThatLeafDoesNotCompleteAndWritesNothing,
                            KeepsTheLatestCheckpointByteForByte, CheckpointsOnlyMoveForward,
                            ReadersSeeAConsistentPrefixWhileOneWriterAppends);

}  // namespace veu::translog::testing

#endif  // VEU_TESTS_VERIFIER_TRANSLOG_LOG_STORAGE_CONFORMANCE_H_
