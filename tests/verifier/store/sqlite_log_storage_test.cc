// SqliteStore as the transparency log's storage: the LogStorage conformance suite, and the
// guarantee that committing an appraisal and appending its leaf happen together or not at all.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "common/merkle/hasher.h"
#include "common/merkle/node_reader.h"
#include "tests/support/status_matchers.h"
#include "tests/verifier/store/store_conformance_fixture.h"
#include "tests/verifier/translog/log_storage_conformance.h"
#include "verifier/store/sqlite_store.h"

namespace veu::translog::testing {
namespace {

struct SqliteLogStorageFactory {
  static std::unique_ptr<LogStorage> Create() {
    auto store = veu::verifier::SqliteStore::Open(":memory:");
    if (!store.ok()) {
      ADD_FAILURE() << store.status();
      return nullptr;
    }
    return std::move(*store);
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, LogStorageConformanceTest, SqliteLogStorageFactory);

}  // namespace
}  // namespace veu::translog::testing


namespace veu::translog::testing {
namespace {}  // namespace
}  // namespace veu::translog::testing

namespace veu::verifier::testing {
namespace {

using ::veu::testing::IsOkAndHolds;
using ::veu::testing::StatusIs;

class SqliteAppraisalLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::Open(":memory:");
    ASSERT_OK(store);
    store_ = std::move(*store);
    ASSERT_OK(store_->AddSite(MakeSite("fra-1")));
    agent_ = MakeAgent("a1", "fra-1");
    ASSERT_OK(store_->PutAgent(agent_, {}));
  }

  std::unique_ptr<SqliteStore> store_;
  veu::v1::AgentRecord agent_;
};

TEST_F(SqliteAppraisalLogTest, EachCommittedAppraisalIsTheNextLeafWithItsIndexInside) {
  ASSERT_OK(store_->CommitAppraisal(MakeCommit("ap-0", agent_, 100)));
  ASSERT_OK(store_->CommitAppraisal(MakeCommit("ap-1", agent_, 110)));
  EXPECT_THAT(store_->TreeSize(), IsOkAndHolds(2u));

  auto entry = store_->LogEntryByAppraisalId("ap-1");
  ASSERT_OK(entry);
  EXPECT_EQ(entry->index, 1u);
  veu::v1::Appraisal leaf;
  ASSERT_TRUE(leaf.ParseFromString(entry->appraisal));
  EXPECT_EQ(leaf.id(), "ap-1");
  EXPECT_EQ(leaf.log_index(), 1u);
  // The leaf hash stored is RFC 9162's hash of exactly the bytes handed out.
  EXPECT_THAT(store_->ReadNode(0, 1), IsOkAndHolds(merkle::LeafHash(entry->appraisal)));
  EXPECT_EQ(store_->LatestAppraisal("a1")->log_index(), 1u);
  EXPECT_EQ(store_->LogEntryByIndex(0)->appraisal,
            store_->LogEntryByAppraisalId("ap-0")->appraisal);
  EXPECT_THAT(store_->LogEntryByAppraisalId("nope"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(SqliteAppraisalLogTest, AFailedCommitAddsNoLeaf) {
  ASSERT_OK(store_->CommitAppraisal(MakeCommit("ap-0", agent_, 100)));
  const std::string root = *merkle::RootAt(*store_, 1);
  // The duplicate id fails at the appraisal insert, after the leaf was written in the same
  // transaction: both must be rolled back.
  EXPECT_THAT(store_->CommitAppraisal(MakeCommit("ap-0", agent_, 200)),
              StatusIs(absl::StatusCode::kAlreadyExists));
  AppraisalCommit unknown = MakeCommit("ap-x", MakeAgent("ghost", "fra-1"), 300);
  EXPECT_THAT(store_->CommitAppraisal(unknown), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->TreeSize(), IsOkAndHolds(1u));
  EXPECT_THAT(store_->ReadNode(0, 1), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(merkle::RootAt(*store_, 1), IsOkAndHolds(root));
  // The next good commit takes index 1.
  ASSERT_OK(store_->CommitAppraisal(MakeCommit("ap-1", agent_, 400)));
  EXPECT_EQ(store_->LogEntryByAppraisalId("ap-1")->index, 1u);
}

TEST_F(SqliteAppraisalLogTest, KeepsEveryCheckpointAndFindsOneBySize) {
  translog::StoredCheckpoint c;
  c.checkpoint = translog::Checkpoint{"veu-verifier", 0, merkle::EmptyRoot(), 10};
  c.signed_note = "first";
  ASSERT_OK(store_->PutCheckpoint(c));
  ASSERT_OK(store_->CommitAppraisal(MakeCommit("ap-0", agent_, 100)));
  c.checkpoint.size = 1;
  c.checkpoint.root_hash = *merkle::RootAt(*store_, 1);
  c.checkpoint.timestamp_unix_seconds = 20;
  c.signed_note = "second";
  ASSERT_OK(store_->PutCheckpoint(c));
  EXPECT_EQ(store_->CheckpointWithSize(0)->signed_note, "first");
  EXPECT_EQ(store_->CheckpointWithSize(1)->checkpoint, c.checkpoint);
  EXPECT_EQ(store_->LatestCheckpoint()->signed_note, "second");
  EXPECT_THAT(store_->CheckpointWithSize(2), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace veu::verifier::testing
