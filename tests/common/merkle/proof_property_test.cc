// Properties of proof generation and verification over random trees of 1..70 leaves:
// every honest proof verifies, every tampered proof or claim is rejected, and the
// in-memory and node-store generators agree.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/merkle/compact_range.h"
#include "common/merkle/hasher.h"
#include "common/merkle/memory_node_store.h"
#include "common/merkle/node_reader.h"
#include "common/merkle/tree.h"
#include "common/merkle/verify.h"
#include "tests/support/status_matchers.h"

namespace veu::merkle {
namespace {

constexpr uint64_t kMaxSize = 70;

// Random leaves; the tree of size n is the first n of them.
class RandomTreeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::mt19937_64 rng(20261125);
    leaves_ = new std::vector<std::string>();
    store_ = new MemoryNodeStore();
    for (uint64_t i = 0; i < kMaxSize + 3; ++i) {
      std::string data(8 + i % 5, '\0');
      for (char& c : data) c = static_cast<char>(rng());
      leaves_->push_back(LeafHash(data));
      ASSERT_OK(store_->Append(leaves_->back()));
    }
    roots_ = new std::vector<std::string>();
    for (uint64_t n = 0; n <= kMaxSize + 3; ++n) roots_->push_back(RootFromLeafHashes(Prefix(n)));
  }
  static void TearDownTestSuite() {
    delete leaves_;
    delete store_;
    delete roots_;
  }

  static std::vector<std::string> Prefix(uint64_t n) {
    return {leaves_->begin(), leaves_->begin() + static_cast<long>(n)};
  }
  static const std::string& Root(uint64_t n) { return (*roots_)[n]; }
  static const std::string& Leaf(uint64_t i) { return (*leaves_)[i]; }

  static std::vector<std::string>* leaves_;
  static MemoryNodeStore* store_;
  static std::vector<std::string>* roots_;
  std::mt19937_64 rng_{7};

  std::string FlipRandomBit(std::string hash) {
    const size_t bit = rng_() % (hash.size() * 8);
    hash[bit / 8] = static_cast<char>(hash[bit / 8] ^ (1 << (bit % 8)));
    return hash;
  }
  std::string RandomHash() { return LeafHash(std::to_string(rng_())); }
};

std::vector<std::string>* RandomTreeTest::leaves_ = nullptr;
MemoryNodeStore* RandomTreeTest::store_ = nullptr;
std::vector<std::string>* RandomTreeTest::roots_ = nullptr;

// Which side each inclusion proof hash sits on, leaf upwards, from the RFC 9162 PATH
// recursion (independent of the verifier's bit arithmetic). Two (index, size) claims with
// the same shape make the verifier compute the same root from the same proof.
std::string InclusionShape(uint64_t m, uint64_t n) {
  if (n <= 1) return "";
  const uint64_t k = std::bit_floor(n - 1);
  return m < k ? InclusionShape(m, k) + "R" : InclusionShape(m - k, n - k) + "L";
}

// The role of each consistency proof hash from the RFC 9162 SUBPROOF recursion: S the seed
// (a subtree root of the first tree), L a left sibling (in both trees), R a right one (new).
std::string ConsistencyShape(uint64_t m, uint64_t n, bool complete = true) {
  if (m == n) return complete ? "" : "S";
  const uint64_t k = std::bit_floor(n - 1);
  return m <= k ? ConsistencyShape(m, k, complete) + "R"
                : ConsistencyShape(m - k, n - k, false) + "L";
}

TEST_F(RandomTreeTest, AllRootComputationsAgreeForEverySize) {
  CompactRange range;
  for (uint64_t n = 0; n <= kMaxSize; ++n) {
    SCOPED_TRACE(::testing::Message() << "size " << n);
    EXPECT_EQ(range.Root(), Root(n));
    EXPECT_THAT(RootAt(*store_, n), ::veu::testing::IsOkAndHolds(Root(n)));
    ASSERT_TRUE(range.Append(Leaf(n)).ok());
  }
}

TEST_F(RandomTreeTest, EveryInclusionProofOfEveryLeafVerifies) {
  int verified = 0;
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    const std::vector<std::string> leaves = Prefix(n);
    for (uint64_t i = 0; i < n; ++i) {
      SCOPED_TRACE(::testing::Message() << "leaf " << i << " of " << n);
      absl::StatusOr<std::vector<std::string>> proof = InclusionProof(i, leaves);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_EQ(proof->size(), InclusionProofSize(i, n));
      EXPECT_EQ(proof->size(), InclusionShape(i, n).size());
      EXPECT_THAT(InclusionProof(*store_, i, n), ::veu::testing::IsOkAndHolds(*proof));
      EXPECT_OK(VerifyInclusion(Leaf(i), i, n, *proof, Root(n)));
      ++verified;
    }
  }
  EXPECT_EQ(verified, kMaxSize * (kMaxSize + 1) / 2);
}

TEST_F(RandomTreeTest, EveryConsistencyProofBetweenSizesVerifies) {
  int verified = 0;
  for (uint64_t n = 0; n <= kMaxSize; ++n) {
    const std::vector<std::string> leaves = Prefix(n);
    for (uint64_t m = 0; m <= n; ++m) {
      SCOPED_TRACE(::testing::Message() << "sizes " << m << " -> " << n);
      absl::StatusOr<std::vector<std::string>> proof = ConsistencyProof(m, leaves);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_EQ(proof->size(), ConsistencyProofSize(m, n));
      if (m > 0) {
        EXPECT_EQ(proof->size(), ConsistencyShape(m, n).size());
      }
      EXPECT_THAT(ConsistencyProof(*store_, m, n), ::veu::testing::IsOkAndHolds(*proof));
      EXPECT_OK(VerifyConsistency(m, n, *proof, Root(m), Root(n)));
      ++verified;
    }
  }
  EXPECT_EQ(verified, (kMaxSize + 1) * (kMaxSize + 2) / 2);
}

TEST_F(RandomTreeTest, RejectsInclusionProofsWithAnyTamperedHash) {
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    const std::vector<std::string> leaves = Prefix(n);
    for (uint64_t i = 0; i < n; ++i) {
      SCOPED_TRACE(::testing::Message() << "leaf " << i << " of " << n);
      const std::vector<std::string> proof = InclusionProof(i, leaves).value();
      for (size_t e = 0; e < proof.size(); ++e) {
        std::vector<std::string> bad = proof;
        bad[e] = FlipRandomBit(bad[e]);
        EXPECT_FALSE(VerifyInclusion(Leaf(i), i, n, bad, Root(n)).ok()) << "element " << e;
      }
      EXPECT_FALSE(VerifyInclusion(FlipRandomBit(Leaf(i)), i, n, proof, Root(n)).ok());
      EXPECT_FALSE(VerifyInclusion(Leaf(i), i, n, proof, FlipRandomBit(Root(n))).ok());
    }
  }
}

TEST_F(RandomTreeTest, RejectsEverySingleBitFlipInSmallTrees) {
  for (uint64_t n = 1; n <= 8; ++n) {
    const std::vector<std::string> leaves = Prefix(n);
    for (uint64_t i = 0; i < n; ++i) {
      const std::vector<std::string> proof = InclusionProof(i, leaves).value();
      for (size_t e = 0; e < proof.size(); ++e) {
        for (size_t bit = 0; bit < kHashSize * 8; ++bit) {
          std::vector<std::string> bad = proof;
          bad[e][bit / 8] = static_cast<char>(bad[e][bit / 8] ^ (1 << (bit % 8)));
          EXPECT_FALSE(VerifyInclusion(Leaf(i), i, n, bad, Root(n)).ok())
              << "leaf " << i << " of " << n << ", element " << e << ", bit " << bit;
        }
      }
    }
    for (uint64_t m = 1; m < n; ++m) {
      const std::vector<std::string> proof = ConsistencyProof(m, leaves).value();
      for (size_t e = 0; e < proof.size(); ++e) {
        for (size_t bit = 0; bit < kHashSize * 8; ++bit) {
          std::vector<std::string> bad = proof;
          bad[e][bit / 8] = static_cast<char>(bad[e][bit / 8] ^ (1 << (bit % 8)));
          EXPECT_FALSE(VerifyConsistency(m, n, bad, Root(m), Root(n)).ok())
              << "sizes " << m << " -> " << n << ", element " << e << ", bit " << bit;
        }
      }
    }
  }
}

TEST_F(RandomTreeTest, RejectsInclusionProofsWithADroppedOrAnExtraHash) {
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    const std::vector<std::string> leaves = Prefix(n);
    for (uint64_t i = 0; i < n; ++i) {
      SCOPED_TRACE(::testing::Message() << "leaf " << i << " of " << n);
      const std::vector<std::string> proof = InclusionProof(i, leaves).value();
      for (size_t e = 0; e < proof.size(); ++e) {
        std::vector<std::string> dropped = proof;
        dropped.erase(dropped.begin() + static_cast<long>(e));
        EXPECT_FALSE(VerifyInclusion(Leaf(i), i, n, dropped, Root(n)).ok()) << "dropped " << e;
      }
      for (size_t e = 0; e <= proof.size(); ++e) {
        std::vector<std::string> extra = proof;
        extra.insert(extra.begin() + static_cast<long>(e), RandomHash());
        EXPECT_FALSE(VerifyInclusion(Leaf(i), i, n, extra, Root(n)).ok()) << "extra at " << e;
      }
    }
  }
}

TEST_F(RandomTreeTest, RejectsInclusionProofsClaimedForAnotherIndex) {
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    const std::vector<std::string> leaves = Prefix(n);
    for (uint64_t i = 0; i < n; ++i) {
      const std::vector<std::string> proof = InclusionProof(i, leaves).value();
      // Every other index in trees up to 32 leaves; the neighbours and the ends beyond.
      for (uint64_t j = 0; j <= n; ++j) {
        if (j == i || (n > 32 && j + 1 != i && j != i + 1 && j != 0 && j + 1 < n)) continue;
        EXPECT_FALSE(VerifyInclusion(Leaf(i), j, n, proof, Root(n)).ok())
            << "proof of leaf " << i << " of " << n << " claimed for index " << j;
      }
    }
  }
}

TEST_F(RandomTreeTest, RejectsInclusionProofsClaimedForAnotherTreeSizeOfDifferentShape) {
  int rejected = 0;
  int same_shape = 0;
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    const std::vector<std::string> leaves = Prefix(n);
    for (uint64_t i = 0; i < n; ++i) {
      const std::vector<std::string> proof = InclusionProof(i, leaves).value();
      for (uint64_t claimed = (n > 4 ? n - 4 : 0); claimed <= n + 4; ++claimed) {
        if (claimed == n) continue;
        const absl::Status status = VerifyInclusion(Leaf(i), i, claimed, proof, Root(n));
        // The proof cannot tell two sizes apart when the leaf's path has the same shape in
        // both; the size is bound by the signed checkpoint carrying root and size together.
        if (i < claimed && InclusionShape(i, claimed) == InclusionShape(i, n)) {
          EXPECT_OK(status);
          ++same_shape;
        } else {
          EXPECT_FALSE(status.ok())
              << "leaf " << i << " of " << n << " claimed in size " << claimed;
          ++rejected;
        }
      }
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(same_shape, 0);
}

TEST_F(RandomTreeTest, InclusionProofAloneDoesNotBindTheTreeSize) {
  // Leaf 0 has the path (right, right, right) in trees of 5 and of 6 leaves alike.
  const std::vector<std::string> proof = InclusionProof(0, Prefix(5)).value();
  EXPECT_OK(VerifyInclusion(Leaf(0), 0, 5, proof, Root(5)));
  EXPECT_OK(VerifyInclusion(Leaf(0), 0, 6, proof, Root(5)));
  EXPECT_FALSE(VerifyInclusion(Leaf(0), 0, 4, proof, Root(5)).ok());
}

TEST_F(RandomTreeTest, RejectsConsistencyProofsWithAnyTamperedHashOrRoot) {
  for (uint64_t n = 2; n <= kMaxSize; ++n) {
    const std::vector<std::string> leaves = Prefix(n);
    for (uint64_t m = 1; m < n; ++m) {
      SCOPED_TRACE(::testing::Message() << "sizes " << m << " -> " << n);
      const std::vector<std::string> proof = ConsistencyProof(m, leaves).value();
      for (size_t e = 0; e < proof.size(); ++e) {
        std::vector<std::string> bad = proof;
        bad[e] = FlipRandomBit(bad[e]);
        EXPECT_FALSE(VerifyConsistency(m, n, bad, Root(m), Root(n)).ok()) << "element " << e;
      }
      EXPECT_FALSE(VerifyConsistency(m, n, proof, FlipRandomBit(Root(m)), Root(n)).ok());
      EXPECT_FALSE(VerifyConsistency(m, n, proof, Root(m), FlipRandomBit(Root(n))).ok());
    }
  }
}

TEST_F(RandomTreeTest, RejectsConsistencyProofsWithADroppedOrAnExtraHash) {
  for (uint64_t n = 2; n <= kMaxSize; ++n) {
    const std::vector<std::string> leaves = Prefix(n);
    for (uint64_t m = 1; m < n; ++m) {
      SCOPED_TRACE(::testing::Message() << "sizes " << m << " -> " << n);
      const std::vector<std::string> proof = ConsistencyProof(m, leaves).value();
      for (size_t e = 0; e < proof.size(); ++e) {
        std::vector<std::string> dropped = proof;
        dropped.erase(dropped.begin() + static_cast<long>(e));
        EXPECT_FALSE(VerifyConsistency(m, n, dropped, Root(m), Root(n)).ok()) << "dropped " << e;
      }
      for (size_t e = 0; e <= proof.size(); ++e) {
        std::vector<std::string> extra = proof;
        extra.insert(extra.begin() + static_cast<long>(e), RandomHash());
        EXPECT_FALSE(VerifyConsistency(m, n, extra, Root(m), Root(n)).ok()) << "extra at " << e;
      }
    }
  }
}

TEST_F(RandomTreeTest, RejectsConsistencyProofsClaimedForOtherSizesOfDifferentShape) {
  int rejected = 0;
  for (uint64_t n = 2; n <= kMaxSize; ++n) {
    const std::vector<std::string> leaves = Prefix(n);
    for (uint64_t m = 1; m < n; ++m) {
      const std::vector<std::string> proof = ConsistencyProof(m, leaves).value();
      const std::string shape = ConsistencyShape(m, n);
      for (uint64_t m2 = (m > 3 ? m - 3 : 0); m2 <= m + 3; ++m2) {
        for (uint64_t n2 = n - 1; n2 <= n + 3; ++n2) {
          if ((m2 == m && n2 == n) || m2 > n2) continue;
          const absl::Status status = VerifyConsistency(m2, n2, proof, Root(m), Root(n));
          if (m2 > 0 && m2 < n2 && ConsistencyShape(m2, n2) == shape) {
            EXPECT_OK(status) << "same shape as " << m << " -> " << n << ": " << m2 << " -> " << n2;
          } else {
            EXPECT_FALSE(status.ok())
                << "proof " << m << " -> " << n << " claimed for " << m2 << " -> " << n2;
            ++rejected;
          }
        }
      }
    }
  }
  EXPECT_GT(rejected, 0);
}

// Counts node reads, to check that proofs for a stored tree read O(log n) nodes.
class CountingReader : public NodeReader {
 public:
  explicit CountingReader(const NodeReader& inner) : inner_(inner) {}
  absl::StatusOr<std::string> ReadNode(uint32_t level, uint64_t index) const override {
    ++reads_;
    return inner_.ReadNode(level, index);
  }
  int TakeReads() const { return std::exchange(reads_, 0); }

 private:
  const NodeReader& inner_;
  mutable int reads_ = 0;
};

TEST(StoredTreeTest, ProofsForALargeTreeReadLogarithmicallyManyNodes) {
  constexpr uint64_t kLeaves = 100000;
  MemoryNodeStore store;
  for (uint64_t i = 0; i < kLeaves; ++i) ASSERT_OK(store.Append(LeafHash(std::to_string(i))));
  CountingReader reader(store);
  const int log_n = std::bit_width(kLeaves);  // 17
  for (uint64_t size : {kLeaves, kLeaves - 1, uint64_t{65537}, uint64_t{99999}}) {
    for (uint64_t index : {uint64_t{0}, size / 3, size - 1}) {
      absl::StatusOr<std::vector<std::string>> proof = InclusionProof(reader, index, size);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_LE(reader.TakeReads(), 2 * log_n) << "leaf " << index << " of " << size;
      ASSERT_OK(RootAt(reader, size).status());
      EXPECT_LE(reader.TakeReads(), log_n);
      EXPECT_OK(VerifyInclusion(LeafHash(std::to_string(index)), index, size, *proof,
                                RootAt(store, size).value()));
    }
    for (uint64_t size1 : {uint64_t{1}, size / 2, size - 1}) {
      absl::StatusOr<std::vector<std::string>> proof = ConsistencyProof(reader, size1, size);
      ASSERT_TRUE(proof.ok()) << proof.status();
      EXPECT_LE(reader.TakeReads(), 2 * log_n + 1) << "sizes " << size1 << " -> " << size;
      EXPECT_OK(VerifyConsistency(size1, size, *proof, RootAt(store, size1).value(),
                                  RootAt(store, size).value()));
    }
  }
}

TEST(StoredTreeTest, ReportsMissingNodesForSizesBeyondTheStore) {
  MemoryNodeStore store;
  for (int i = 0; i < 5; ++i) ASSERT_OK(store.Append(LeafHash(std::to_string(i))));
  EXPECT_THAT(InclusionProof(store, 0, 6), ::veu::testing::StatusIs(absl::StatusCode::kNotFound));
  // The proof for the sixth leaf reads only the five stored ones; it must still fail.
  EXPECT_THAT(InclusionProof(store, 5, 6),
              ::veu::testing::StatusIs(absl::StatusCode::kNotFound,
                                       ::testing::HasSubstr("fewer than 6 leaves")));
  EXPECT_THAT(ConsistencyProof(store, 5, 6), ::veu::testing::StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ConsistencyProof(store, 2, 6), ::veu::testing::StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(RootAt(store, 6), ::veu::testing::StatusIs(absl::StatusCode::kNotFound));
}

TEST(StoredTreeTest, RejectsRangesThatAreNotSubtrees) {
  MemoryNodeStore store;
  for (int i = 0; i < 8; ++i) ASSERT_OK(store.Append(LeafHash(std::to_string(i))));
  EXPECT_OK(SubtreeRoot(store, 4, 7).status());
  EXPECT_THAT(SubtreeRoot(store, 1, 3),
              ::veu::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                       ::testing::HasSubstr("[1, 3) is not a subtree")));
  EXPECT_THAT(SubtreeRoot(store, 3, 3),
              ::veu::testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace veu::merkle
