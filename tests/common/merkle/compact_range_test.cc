// CompactRange: O(log n) appends whose completed nodes feed a store, and restart from a
// stored frontier.
#include "common/merkle/compact_range.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <string>
#include <vector>

#include "common/merkle/hasher.h"
#include "common/merkle/memory_node_store.h"
#include "common/merkle/tree.h"
#include "tests/support/status_matchers.h"

namespace veu::merkle {
namespace {

using ::testing::HasSubstr;
using ::veu::testing::StatusIs;

std::string Leaf(uint64_t i) { return LeafHash("entry " + std::to_string(i)); }

TEST(CompactRangeTest, EmptyRangeHasTheEmptyRoot) {
  CompactRange range;
  EXPECT_EQ(range.size(), 0u);
  EXPECT_TRUE(range.frontier().empty());
  EXPECT_EQ(range.Root(), EmptyRoot());
}

TEST(CompactRangeTest, KeepsOneHashPerSetBitOfTheSizeAndTheRightRoot) {
  CompactRange range;
  std::vector<std::string> leaves;
  for (uint64_t n = 1; n <= 130; ++n) {
    leaves.push_back(Leaf(n - 1));
    ASSERT_TRUE(range.Append(leaves.back()).ok());
    EXPECT_EQ(range.size(), n);
    EXPECT_EQ(range.frontier().size(), static_cast<size_t>(std::popcount(n)));
    EXPECT_EQ(range.Root(), RootFromLeafHashes(leaves)) << "size " << n;
  }
}

TEST(CompactRangeTest, AppendReportsTheLeafAndEveryParentItCompletes) {
  CompactRange range;
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(range.Append(Leaf(i)).ok());
  // Leaf 7 completes nodes (1, 3), (2, 1) and (3, 0): the whole tree of 8.
  absl::StatusOr<std::vector<Node>> completed = range.Append(Leaf(7));
  ASSERT_TRUE(completed.ok()) << completed.status();
  ASSERT_EQ(completed->size(), 4u);
  EXPECT_EQ((*completed)[0].level, 0u);
  EXPECT_EQ((*completed)[0].index, 7u);
  EXPECT_EQ((*completed)[0].hash, Leaf(7));
  EXPECT_EQ((*completed)[1].level, 1u);
  EXPECT_EQ((*completed)[1].index, 3u);
  EXPECT_EQ((*completed)[1].hash, NodeHash(Leaf(6), Leaf(7)));
  EXPECT_EQ((*completed)[3].level, 3u);
  EXPECT_EQ((*completed)[3].index, 0u);
  EXPECT_EQ((*completed)[3].hash, range.Root());
  // Leaf 8 completes only itself.
  completed = range.Append(Leaf(8));
  ASSERT_TRUE(completed.ok());
  EXPECT_EQ(completed->size(), 1u);
}

TEST(CompactRangeTest, RejectsAMalformedLeafHashAndStaysUnchanged) {
  CompactRange range;
  ASSERT_TRUE(range.Append(Leaf(0)).ok());
  const std::string root = range.Root();
  EXPECT_THAT(range.Append("not a hash"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed leaf hash")));
  EXPECT_EQ(range.size(), 1u);
  EXPECT_EQ(range.Root(), root);
}

TEST(CompactRangeTest, FrontierIdsNameThePerfectSubtreesLargestFirst) {
  const std::vector<Node> ids = CompactRange::FrontierIds(13);  // 8 + 4 + 1
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0].level, 3u);
  EXPECT_EQ(ids[0].index, 0u);
  EXPECT_EQ(ids[1].level, 2u);
  EXPECT_EQ(ids[1].index, 2u);
  EXPECT_EQ(ids[2].level, 0u);
  EXPECT_EQ(ids[2].index, 12u);
  EXPECT_TRUE(CompactRange::FrontierIds(0).empty());
}

TEST(CompactRangeTest, ResumesFromAStoreAndContinuesAppending) {
  MemoryNodeStore store;
  std::vector<std::string> leaves;
  for (uint64_t i = 0; i < 45; ++i) {
    leaves.push_back(Leaf(i));
    ASSERT_OK(store.Append(leaves.back()));
  }
  absl::StatusOr<CompactRange> resumed = CompactRange::Load(store, 45);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->Root(), store.Root());
  for (uint64_t i = 45; i < 70; ++i) {
    leaves.push_back(Leaf(i));
    ASSERT_TRUE(resumed->Append(leaves.back()).ok());
  }
  EXPECT_EQ(resumed->Root(), RootFromLeafHashes(leaves));
}

TEST(CompactRangeTest, RejectsAFrontierOfTheWrongShape) {
  EXPECT_THAT(CompactRange::FromFrontier(3, {Leaf(0)}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("a tree of 3 leaves has 2 perfect subtrees, but 1")));
  EXPECT_THAT(CompactRange::FromFrontier(1, {"short"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed frontier hash")));
  EXPECT_OK(CompactRange::FromFrontier(0, {}).status());
}

TEST(CompactRangeTest, LoadFailsWhenTheStoreLacksTheNodes) {
  MemoryNodeStore store;
  ASSERT_OK(store.Append(Leaf(0)));
  EXPECT_THAT(CompactRange::Load(store, 2), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace veu::merkle
