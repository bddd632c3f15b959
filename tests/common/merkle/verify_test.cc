// Edge cases of RFC 9162 proof verification: each is rejected with a message that says why.
#include "common/merkle/verify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/merkle/hasher.h"
#include "common/merkle/tree.h"
#include "tests/support/status_matchers.h"

namespace veu::merkle {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::veu::testing::StatusIs;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

std::vector<std::string> LeafHashes(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(LeafHash("leaf " + std::to_string(i)));
  return out;
}

class VerifyEdgeCasesTest : public ::testing::Test {
 protected:
  const std::vector<std::string> leaves_ = LeafHashes(7);
  const std::vector<std::string> prefix3_{leaves_.begin(), leaves_.begin() + 3};
  const std::string root7_ = RootFromLeafHashes(leaves_);
  const std::string root3_ = RootFromLeafHashes(prefix3_);
  const std::vector<std::string> proof_leaf2_ = InclusionProof(2, leaves_).value();
  const std::vector<std::string> proof_3_to_7_ = ConsistencyProof(3, leaves_).value();
};

TEST_F(VerifyEdgeCasesTest, AcceptsAValidInclusionProof) {
  EXPECT_OK(VerifyInclusion(leaves_[2], 2, 7, proof_leaf2_, root7_));
}

TEST_F(VerifyEdgeCasesTest, RejectsInclusionIndexEqualToTreeSize) {
  EXPECT_THAT(VerifyInclusion(leaves_[6], 7, 7, proof_leaf2_, root7_),
              StatusIs(kInvalid, HasSubstr("leaf index 7 is not in a tree of 7 leaves")));
}

TEST_F(VerifyEdgeCasesTest, RejectsInclusionInTheEmptyTree) {
  EXPECT_THAT(VerifyInclusion(leaves_[0], 0, 0, {}, EmptyRoot()),
              StatusIs(kInvalid, HasSubstr("leaf index 0 is not in a tree of 0 leaves")));
}

TEST_F(VerifyEdgeCasesTest, AcceptsTheOnlyLeafOfASingleLeafTreeWithAnEmptyProof) {
  EXPECT_OK(VerifyInclusion(leaves_[0], 0, 1, {}, leaves_[0]));
}

TEST_F(VerifyEdgeCasesTest, RejectsSingleLeafTreeWhoseRootIsNotTheLeafHash) {
  EXPECT_THAT(VerifyInclusion(leaves_[0], 0, 1, {}, leaves_[1]),
              StatusIs(kInvalid, HasSubstr("does not hold: the proof leads to root")));
}

TEST_F(VerifyEdgeCasesTest, RejectsSingleLeafTreeWithANonEmptyProof) {
  EXPECT_THAT(VerifyInclusion(leaves_[0], 0, 1, {leaves_[1]}, leaves_[0]),
              StatusIs(kInvalid, HasSubstr("needs exactly 0 proof hashes, got 1")));
}

TEST_F(VerifyEdgeCasesTest, RejectsInclusionProofOneHashTooShort) {
  std::vector<std::string> shorter(proof_leaf2_.begin(), proof_leaf2_.end() - 1);
  EXPECT_THAT(VerifyInclusion(leaves_[2], 2, 7, shorter, root7_),
              StatusIs(kInvalid, HasSubstr("needs exactly 3 proof hashes, got 2")));
}

TEST_F(VerifyEdgeCasesTest, RejectsInclusionProofOneHashTooLong) {
  std::vector<std::string> longer = proof_leaf2_;
  longer.push_back(root7_);
  EXPECT_THAT(VerifyInclusion(leaves_[2], 2, 7, longer, root7_),
              StatusIs(kInvalid, HasSubstr("needs exactly 3 proof hashes, got 4")));
}

TEST_F(VerifyEdgeCasesTest, RejectsInclusionAgainstAnotherRoot) {
  EXPECT_THAT(VerifyInclusion(leaves_[2], 2, 7, proof_leaf2_, root3_),
              StatusIs(kInvalid, HasSubstr("not to the given root")));
}

TEST_F(VerifyEdgeCasesTest, RejectsMalformedHashesBeforeLookingAtTheProof) {
  EXPECT_THAT(VerifyInclusion("short", 2, 7, proof_leaf2_, root7_),
              StatusIs(kInvalid, StartsWith("malformed leaf hash")));
  EXPECT_THAT(VerifyInclusion(leaves_[2], 2, 7, proof_leaf2_, root7_ + "x"),
              StatusIs(kInvalid, StartsWith("malformed root hash")));
  std::vector<std::string> bad = proof_leaf2_;
  bad[1].pop_back();
  EXPECT_THAT(VerifyInclusion(leaves_[2], 2, 7, bad, root7_),
              StatusIs(kInvalid, StartsWith("malformed proof hash #1")));
  EXPECT_THAT(VerifyConsistency(3, 7, proof_3_to_7_, "", root7_),
              StatusIs(kInvalid, StartsWith("malformed first root hash")));
  EXPECT_THAT(VerifyConsistency(3, 7, proof_3_to_7_, root3_, std::string(31, '\0')),
              StatusIs(kInvalid, StartsWith("malformed second root hash")));
}

TEST_F(VerifyEdgeCasesTest, AcceptsAValidConsistencyProof) {
  EXPECT_OK(VerifyConsistency(3, 7, proof_3_to_7_, root3_, root7_));
}

TEST_F(VerifyEdgeCasesTest, AcceptsEqualSizesWithAnEmptyProofAndEqualRoots) {
  EXPECT_OK(VerifyConsistency(7, 7, {}, root7_, root7_));
}

TEST_F(VerifyEdgeCasesTest, RejectsEqualSizesWithANonEmptyProof) {
  EXPECT_THAT(VerifyConsistency(7, 7, {root7_}, root7_, root7_),
              StatusIs(kInvalid, HasSubstr("the proof must be empty, got 1 hashes")));
}

TEST_F(VerifyEdgeCasesTest, RejectsEqualSizesWithDifferentRoots) {
  EXPECT_THAT(VerifyConsistency(7, 7, {}, root7_, root3_),
              StatusIs(kInvalid, HasSubstr("two different roots")));
}

TEST_F(VerifyEdgeCasesTest, AcceptsGrowthFromTheEmptyTreeWithAnEmptyProof) {
  EXPECT_OK(VerifyConsistency(0, 7, {}, EmptyRoot(), root7_));
  EXPECT_OK(VerifyConsistency(0, 0, {}, EmptyRoot(), EmptyRoot()));
}

TEST_F(VerifyEdgeCasesTest, RejectsGrowthFromTheEmptyTreeWithANonEmptyProof) {
  EXPECT_THAT(VerifyConsistency(0, 7, {root7_}, EmptyRoot(), root7_),
              StatusIs(kInvalid, HasSubstr("from size 0 to size 7 the proof must be empty")));
}

TEST_F(VerifyEdgeCasesTest, RejectsAnEmptyTreeWhoseRootIsNotTheHashOfNothing) {
  EXPECT_THAT(VerifyConsistency(0, 7, {}, root3_, root7_),
              StatusIs(kInvalid, HasSubstr("the root of the empty tree is SHA-256(\"\")")));
  EXPECT_THAT(VerifyConsistency(0, 0, {}, root3_, root3_),
              StatusIs(kInvalid, HasSubstr("the root of the empty tree is SHA-256(\"\")")));
}

TEST_F(VerifyEdgeCasesTest, RejectsAShrinkingLog) {
  EXPECT_THAT(VerifyConsistency(7, 3, proof_3_to_7_, root7_, root3_),
              StatusIs(kInvalid, HasSubstr("size1 7 is larger than size2 3")));
}

TEST_F(VerifyEdgeCasesTest, RejectsAnEmptyProofBetweenDifferentNonEmptySizes) {
  EXPECT_THAT(VerifyConsistency(3, 7, {}, root3_, root7_),
              StatusIs(kInvalid, HasSubstr("needs exactly 4 hashes, got 0")));
}

TEST_F(VerifyEdgeCasesTest, RejectsConsistencyProofOneHashTooShortOrTooLong) {
  ASSERT_EQ(proof_3_to_7_.size(), 4u);  // [leaf 2, leaf 3, leaves 0-1, leaves 4-6]
  std::vector<std::string> shorter(proof_3_to_7_.begin(), proof_3_to_7_.end() - 1);
  EXPECT_THAT(VerifyConsistency(3, 7, shorter, root3_, root7_),
              StatusIs(kInvalid, HasSubstr("needs exactly 4 hashes, got 3")));
  std::vector<std::string> longer = proof_3_to_7_;
  longer.push_back(root7_);
  EXPECT_THAT(VerifyConsistency(3, 7, longer, root3_, root7_),
              StatusIs(kInvalid, HasSubstr("needs exactly 4 hashes, got 5")));
}

TEST_F(VerifyEdgeCasesTest, RejectsConsistencyWithAWrongFirstOrSecondRoot) {
  EXPECT_THAT(VerifyConsistency(3, 7, proof_3_to_7_, root7_, root7_),
              StatusIs(kInvalid, HasSubstr("not to the given first root")));
  EXPECT_THAT(VerifyConsistency(3, 7, proof_3_to_7_, root3_, root3_),
              StatusIs(kInvalid, HasSubstr("not to the given second root")));
}

TEST_F(VerifyEdgeCasesTest, RejectsAPowerOfTwoFirstTreeWhoseRootIsNotThePrefixRoot) {
  // For size1 a power of two the proof omits root1 and the verifier supplies it (RFC 9162
  // step 2), so a wrong root1 must still be caught.
  const std::vector<std::string> proof = ConsistencyProof(4, leaves_).value();
  const std::vector<std::string> prefix4(leaves_.begin(), leaves_.begin() + 4);
  const std::string root4 = RootFromLeafHashes(prefix4);
  EXPECT_OK(VerifyConsistency(4, 7, proof, root4, root7_));
  EXPECT_THAT(VerifyConsistency(4, 7, proof, root3_, root7_),
              StatusIs(kInvalid, HasSubstr("does not hold")));
}

TEST(ProofGenerationTest, RejectsAnIndexOutsideTheTree) {
  EXPECT_THAT(InclusionProof(3, LeafHashes(3)),
              StatusIs(kInvalid, HasSubstr("leaf index 3: the tree has only 3 leaves")));
  EXPECT_THAT(InclusionProof(0, {}), StatusIs(kInvalid));
}

TEST(ProofGenerationTest, RejectsAFirstSizeLargerThanTheTree) {
  EXPECT_THAT(ConsistencyProof(4, LeafHashes(3)),
              StatusIs(kInvalid, HasSubstr("from size 4 to the smaller size 3")));
}

TEST(ProofGenerationTest, GivesEmptyConsistencyProofsWhenThereIsNothingToProve) {
  EXPECT_THAT(ConsistencyProof(0, LeafHashes(5)),
              ::veu::testing::IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(ConsistencyProof(5, LeafHashes(5)),
              ::veu::testing::IsOkAndHolds(::testing::IsEmpty()));
}

}  // namespace
}  // namespace veu::merkle
