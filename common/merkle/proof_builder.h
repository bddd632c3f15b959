// RFC 9162 §2.1.3.1 (PATH, inclusion) and §2.1.4.1 (PROOF/SUBPROOF, consistency) proof
// generation, independent of where the tree's hashes live. The caller supplies a function
// returning MTH(D[begin:end]); the builder only ever asks for ranges whose `begin` is a
// multiple of the smallest power of two >= end - begin (the subtrees RFC 9162 recursion
// visits), so a node store can answer each with at most popcount(end - begin) reads.
#ifndef VEU_COMMON_MERKLE_PROOF_BUILDER_H_
#define VEU_COMMON_MERKLE_PROOF_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"

namespace veu::merkle {

// Returns MTH(D[begin:end]) for 0 <= begin < end, or an error that the builder passes on.
using RangeHashFn = absl::FunctionRef<absl::StatusOr<std::string>(uint64_t begin, uint64_t end)>;

// The audit path for leaf `index` in the tree of `tree_size` leaves, ordered from the
// leaf's sibling up to the root's child. Requires index < tree_size (InvalidArgument otherwise).
// Asks `range_hash` for exactly one hash per proof element.
absl::StatusOr<std::vector<std::string>> BuildInclusionProof(uint64_t index, uint64_t tree_size,
                                                             RangeHashFn range_hash);

// The consistency proof between the trees of `size1` and `size2` leaves (RFC 9162 PROOF).
// Requires size1 <= size2 (InvalidArgument otherwise); returns an empty proof when
// size1 == 0 or size1 == size2, as there is nothing to prove.
absl::StatusOr<std::vector<std::string>> BuildConsistencyProof(uint64_t size1, uint64_t size2,
                                                               RangeHashFn range_hash);

}  // namespace veu::merkle

#endif  // VEU_COMMON_MERKLE_PROOF_BUILDER_H_
