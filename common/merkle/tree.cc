#include "common/merkle/tree.h"

#include <bit>

#include "common/merkle/hasher.h"
#include "common/merkle/proof_builder.h"

namespace veu::merkle {

std::string RootFromLeafHashes(absl::Span<const std::string> leaf_hashes) {
  const size_t n = leaf_hashes.size();
  if (n == 0) return EmptyRoot();
  if (n == 1) return leaf_hashes[0];
  const size_t k = std::bit_floor(n - 1);  // largest power of two < n
  return NodeHash(RootFromLeafHashes(leaf_hashes.subspan(0, k)),
                  RootFromLeafHashes(leaf_hashes.subspan(k)));
}

namespace {

absl::StatusOr<std::string> RangeHashOf(absl::Span<const std::string> leaf_hashes, uint64_t begin,
                                        uint64_t end) {
  return RootFromLeafHashes(leaf_hashes.subspan(begin, end - begin));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t index,
                                                        absl::Span<const std::string> leaf_hashes) {
  return BuildInclusionProof(index, leaf_hashes.size(), [&](uint64_t begin, uint64_t end) {
    return RangeHashOf(leaf_hashes, begin, end);
  });
}

absl::StatusOr<std::vector<std::string>> ConsistencyProof(
    uint64_t size1, absl::Span<const std::string> leaf_hashes) {
  return BuildConsistencyProof(size1, leaf_hashes.size(), [&](uint64_t begin, uint64_t end) {
    return RangeHashOf(leaf_hashes, begin, end);
  });
}

}  // namespace veu::merkle
