// Proofs and roots for a stored tree, read from its perfect subtrees.
//
// A perfect subtree is identified by (level, index): it covers the 2^level leaves
// [index * 2^level, (index + 1) * 2^level); level 0 nodes are the leaf hashes. Such a node
// never changes once its last leaf is appended, so one store of nodes answers proofs and
// roots for every earlier tree size too. Proof generation here reads O(log n) nodes.
#ifndef VEU_COMMON_MERKLE_NODE_READER_H_
#define VEU_COMMON_MERKLE_NODE_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace veu::merkle {

// Where proof generation gets node hashes from (a database, a file, memory).
class NodeReader {
 public:
  virtual ~NodeReader() = default;

  // Hash of the perfect subtree (level, index), kHashSize bytes. NotFound if that subtree
  // is not complete in the store (the tree has too few leaves); storage errors pass through.
  // Implementations state their own thread-safety.
  virtual absl::StatusOr<std::string> ReadNode(uint32_t level, uint64_t index) const = 0;
};

// MTH(D[begin:end]) for a range RFC 9162's recursion can produce: begin < end, and begin a
// multiple of the smallest power of two >= end - begin (InvalidArgument otherwise). Reads
// popcount(end - begin) nodes.
absl::StatusOr<std::string> SubtreeRoot(const NodeReader& reader, uint64_t begin, uint64_t end);

// Root of the tree made of the first `tree_size` leaves of the store (EmptyRoot() for 0).
absl::StatusOr<std::string> RootAt(const NodeReader& reader, uint64_t tree_size);

// Inclusion proof for leaf `index` in the tree of the store's first `tree_size` leaves.
// InvalidArgument if index >= tree_size; NotFound if the store has fewer than tree_size leaves
// (checked by reading leaf tree_size - 1, as the proof itself may not touch it).
absl::StatusOr<std::vector<std::string>> InclusionProof(const NodeReader& reader, uint64_t index,
                                                        uint64_t tree_size);

// Consistency proof between the store's trees of `size1` and `size2` leaves.
// InvalidArgument if size1 > size2; NotFound if the store has fewer than size2 leaves.
absl::StatusOr<std::vector<std::string>> ConsistencyProof(const NodeReader& reader, uint64_t size1,
                                                          uint64_t size2);

}  // namespace veu::merkle

#endif  // VEU_COMMON_MERKLE_NODE_READER_H_
