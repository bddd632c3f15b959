// Merkle Tree Hash (RFC 9162 §2.1.1) and proof generation over leaf hashes held in memory.
// These are the direct, obviously-correct forms of the definitions: O(n) per call. For a
// large stored tree use the NodeReader forms in node_reader.h, which need O(log n) reads.
#ifndef VEU_COMMON_MERKLE_TREE_H_
#define VEU_COMMON_MERKLE_TREE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace veu::merkle {

// MTH(D[n]) of the leaves whose hashes (LeafHash of each leaf's data) are given in order.
// Returns EmptyRoot() for no leaves. Cannot fail; thread-safe.
std::string RootFromLeafHashes(absl::Span<const std::string> leaf_hashes);

// Inclusion proof (RFC 9162 PATH) for leaf `index` (0-based) in the tree whose leaf hashes
// are `leaf_hashes`. InvalidArgument if index >= leaf_hashes.size().
absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t index,
                                                        absl::Span<const std::string> leaf_hashes);

// Consistency proof (RFC 9162 PROOF) that the first `size1` leaves form a prefix of the tree
// whose leaf hashes are `leaf_hashes`. InvalidArgument if size1 > leaf_hashes.size();
// empty if size1 is 0 or equals leaf_hashes.size().
absl::StatusOr<std::vector<std::string>> ConsistencyProof(
    uint64_t size1, absl::Span<const std::string> leaf_hashes);

}  // namespace veu::merkle

#endif  // VEU_COMMON_MERKLE_TREE_H_
