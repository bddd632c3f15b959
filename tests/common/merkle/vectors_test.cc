// The RFC 6962/9162 reference vectors (transparency-dev/merkle, originally the C++
// certificate-transparency tests) reproduced by every part of common/merkle.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/hex.h"
#include "common/merkle/compact_range.h"
#include "common/merkle/hasher.h"
#include "common/merkle/memory_node_store.h"
#include "common/merkle/node_reader.h"
#include "common/merkle/tree.h"
#include "common/merkle/verify.h"
#include "tests/common/merkle/fixtures.h"
#include "tests/common/merkle/mini_json.h"
#include "tests/support/status_matchers.h"

namespace veu::merkle {
namespace {

using ::testing::ElementsAreArray;
using ::veu::testing::IsOkAndHolds;

std::string Unhex(const std::string& hex) { return FromHex(hex).value(); }

std::vector<std::string> Hexes(const std::vector<std::string>& bytes) {
  std::vector<std::string> out;
  for (const auto& b : bytes) out.push_back(ToHex(b));
  return out;
}

class ReferenceVectorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<testing::ReferenceTree> loaded = testing::LoadReferenceTree();
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    tree_ = *std::move(loaded);
    ASSERT_EQ(tree_.leaf_inputs.size(), 8u);
    for (const auto& input : tree_.leaf_inputs) leaf_hashes_.push_back(LeafHash(input));
    for (const auto& hash : leaf_hashes_) ASSERT_OK(store_.Append(hash));
  }

  std::vector<std::string> Leaves(uint64_t n) const {
    return {leaf_hashes_.begin(), leaf_hashes_.begin() + static_cast<long>(n)};
  }

  testing::ReferenceTree tree_;
  std::vector<std::string> leaf_hashes_;
  MemoryNodeStore store_;
};

TEST(HasherVectorsTest, MatchesRfc6962HasherVectors) {
  absl::StatusOr<testing::Json> doc =
      testing::ReadJsonFile(testing::MerkleFixture("rfc6962_hasher_vectors.json"));
  ASSERT_TRUE(doc.ok()) << doc.status();
  const std::vector<testing::Json>& vectors = *doc->Get("vectors").value()->Array().value();
  ASSERT_EQ(vectors.size(), 4u);
  int checked = 0;
  for (const testing::Json& v : vectors) {
    const std::string desc = v.Get("desc").value()->String().value();
    const std::string want = v.Get("want").value()->String().value();
    SCOPED_TRACE(desc);
    if (v.Get("leaf_hex").ok()) {
      EXPECT_EQ(ToHex(LeafHash(Unhex(v.Get("leaf_hex").value()->String().value()))), want);
    } else if (v.Get("left_hex").ok()) {
      EXPECT_EQ(ToHex(NodeHash(Unhex(v.Get("left_hex").value()->String().value()),
                               Unhex(v.Get("right_hex").value()->String().value()))),
                want);
    } else {
      EXPECT_EQ(ToHex(EmptyRoot()), want);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

TEST(HasherTest, SeparatesLeavesFromNodes) {
  // A leaf whose data is left||right must not hash like the node (left, right).
  const std::string left(kHashSize, 'L');
  const std::string right(kHashSize, 'R');
  EXPECT_NE(LeafHash(left + right), NodeHash(left, right));
  EXPECT_EQ(LeafHash("").size(), kHashSize);
}

TEST_F(ReferenceVectorsTest, LeafHashesMatchLevelZero) {
  EXPECT_THAT(Hexes(leaf_hashes_), ElementsAreArray(Hexes(tree_.node_hashes_by_level[0])));
}

TEST_F(ReferenceVectorsTest, StoredPerfectSubtreesMatchEveryLevel) {
  for (uint32_t level = 0; level < tree_.node_hashes_by_level.size(); ++level) {
    const auto& want = tree_.node_hashes_by_level[level];
    for (uint64_t index = 0; index < want.size(); ++index) {
      SCOPED_TRACE(::testing::Message() << "level " << level << " index " << index);
      absl::StatusOr<std::string> got = store_.ReadNode(level, index);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(ToHex(*got), ToHex(want[index]));
    }
  }
}

TEST_F(ReferenceVectorsTest, RootsMatchForEveryTreeSizeFromZeroToEight) {
  ASSERT_EQ(tree_.roots_by_size.size(), 9u);
  CompactRange range;
  for (const auto& [size, want] : tree_.roots_by_size) {
    SCOPED_TRACE(::testing::Message() << "tree size " << size);
    while (range.size() < size) ASSERT_TRUE(range.Append(leaf_hashes_[range.size()]).ok());
    EXPECT_EQ(ToHex(RootFromLeafHashes(Leaves(size))), ToHex(want));
    EXPECT_EQ(ToHex(range.Root()), ToHex(want));
    EXPECT_THAT(RootAt(store_, size), IsOkAndHolds(want));
  }
}

TEST_F(ReferenceVectorsTest, GeneratesTheReferenceInclusionProofs) {
  ASSERT_EQ(tree_.inclusion.size(), 5u);
  for (const auto& v : tree_.inclusion) {
    SCOPED_TRACE(::testing::Message() << "leaf " << v.index << " of " << v.tree_size);
    absl::StatusOr<std::vector<std::string>> from_leaves =
        InclusionProof(v.index, Leaves(v.tree_size));
    ASSERT_TRUE(from_leaves.ok()) << from_leaves.status();
    EXPECT_THAT(Hexes(*from_leaves), ElementsAreArray(Hexes(v.proof)));
    absl::StatusOr<std::vector<std::string>> from_store =
        InclusionProof(store_, v.index, v.tree_size);
    ASSERT_TRUE(from_store.ok()) << from_store.status();
    EXPECT_THAT(Hexes(*from_store), ElementsAreArray(Hexes(v.proof)));
    EXPECT_EQ(InclusionProofSize(v.index, v.tree_size), v.proof.size());
  }
}

TEST_F(ReferenceVectorsTest, VerifiesTheReferenceInclusionProofs) {
  for (const auto& v : tree_.inclusion) {
    SCOPED_TRACE(::testing::Message() << "leaf " << v.index << " of " << v.tree_size);
    EXPECT_OK(VerifyInclusion(leaf_hashes_[v.index], v.index, v.tree_size, v.proof,
                              tree_.roots_by_size.at(v.tree_size)));
  }
}

TEST_F(ReferenceVectorsTest, GeneratesTheReferenceConsistencyProofs) {
  ASSERT_EQ(tree_.consistency.size(), 5u);
  for (const auto& v : tree_.consistency) {
    SCOPED_TRACE(::testing::Message() << "sizes " << v.size1 << " -> " << v.size2);
    absl::StatusOr<std::vector<std::string>> from_leaves =
        ConsistencyProof(v.size1, Leaves(v.size2));
    ASSERT_TRUE(from_leaves.ok()) << from_leaves.status();
    EXPECT_THAT(Hexes(*from_leaves), ElementsAreArray(Hexes(v.proof)));
    absl::StatusOr<std::vector<std::string>> from_store =
        ConsistencyProof(store_, v.size1, v.size2);
    ASSERT_TRUE(from_store.ok()) << from_store.status();
    EXPECT_THAT(Hexes(*from_store), ElementsAreArray(Hexes(v.proof)));
    EXPECT_EQ(ConsistencyProofSize(v.size1, v.size2), v.proof.size());
  }
}

TEST_F(ReferenceVectorsTest, VerifiesTheReferenceConsistencyProofs) {
  for (const auto& v : tree_.consistency) {
    SCOPED_TRACE(::testing::Message() << "sizes " << v.size1 << " -> " << v.size2);
    EXPECT_OK(VerifyConsistency(v.size1, v.size2, v.proof, tree_.roots_by_size.at(v.size1),
                                tree_.roots_by_size.at(v.size2)));
  }
}

}  // namespace
}  // namespace veu::merkle
