// Verification of Merkle inclusion and consistency proofs, exactly as RFC 9162 §2.1.3.2 and
// §2.1.4.2 specify. Pure functions: no I/O; thread-safe.
//
// Every function returns OK only if the proof holds. Otherwise it returns InvalidArgument,
// whose message starts with "malformed" when an input cannot be a SHA-256 hash (wrong
// length), and otherwise says why the proof does not hold (index out of range, wrong
// number of proof hashes, computed root differs from the given root, ...).
#ifndef VEU_COMMON_MERKLE_VERIFY_H_
#define VEU_COMMON_MERKLE_VERIFY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace veu::merkle {

// Number of hashes a correct inclusion proof for leaf `index` in a tree of `tree_size`
// leaves has. Requires index < tree_size (returns 0 otherwise).
size_t InclusionProofSize(uint64_t index, uint64_t tree_size);

// Number of hashes a correct consistency proof from `size1` to `size2` has; 0 when
// size1 == 0 or size1 >= size2.
size_t ConsistencyProofSize(uint64_t size1, uint64_t size2);

// The root that `proof` implies for leaf `index` with hash `leaf_hash` in a tree of
// `tree_size` leaves (RFC 9162 §2.1.3.2 steps 1-4). Fails if index >= tree_size, if the
// proof has the wrong number of hashes, or if any hash is malformed.
absl::StatusOr<std::string> RootFromInclusionProof(std::string_view leaf_hash, uint64_t index,
                                                   uint64_t tree_size,
                                                   absl::Span<const std::string> proof);

// OK iff `proof` shows that the leaf with hash `leaf_hash` is at `index` in the tree of
// `tree_size` leaves whose root is `root`.
absl::Status VerifyInclusion(std::string_view leaf_hash, uint64_t index, uint64_t tree_size,
                             absl::Span<const std::string> proof, std::string_view root);

// OK iff `proof` shows that the tree of `size1` leaves with root `root1` is a prefix of the
// tree of `size2` leaves with root `root2` (RFC 9162 §2.1.4.2 for 0 < size1 < size2).
// Edge cases RFC 9162 leaves to the caller:
//   size1 > size2:            never holds (a log does not shrink).
//   size1 == size2:           holds iff the proof is empty and root1 == root2.
//   size1 == 0 (< size2):     holds iff the proof is empty and root1 is the empty-tree root
//                             (every tree extends the empty tree; root2 is not constrained).
absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, absl::Span<const std::string> proof,
                               std::string_view root1, std::string_view root2);

}  // namespace veu::merkle

#endif  // VEU_COMMON_MERKLE_VERIFY_H_
