// The compact range of a Merkle tree: the roots of the perfect subtrees that make up the
// leaves [0, size), one per set bit of size, largest first. It is all an appender needs:
// appending is O(log n) hashes, the root is O(log n) hashes, and the nodes each append
// completes are reported so a store can persist them for later proofs (see node_reader.h).
#ifndef VEU_COMMON_MERKLE_COMPACT_RANGE_H_
#define VEU_COMMON_MERKLE_COMPACT_RANGE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/merkle/node_reader.h"

namespace veu::merkle {

// One perfect subtree's hash, as NodeReader addresses it.
struct Node {
  uint32_t level = 0;
  uint64_t index = 0;
  std::string hash;
};

// A value type; not synchronised (guard shared instances externally).
class CompactRange {
 public:
  // The empty tree.
  CompactRange() = default;

  // Rebuilds the range of a tree of `size` leaves from its perfect subtree roots, largest
  // first. InvalidArgument unless there are exactly popcount(size) hashes of kHashSize bytes.
  static absl::StatusOr<CompactRange> FromFrontier(uint64_t size, std::vector<std::string> hashes);

  // Rebuilds the range of the store's first `size` leaves, reading popcount(size) nodes.
  static absl::StatusOr<CompactRange> Load(const NodeReader& reader, uint64_t size);

  // The (level, index) of each frontier node of a tree of `size` leaves, largest first.
  static std::vector<Node> FrontierIds(uint64_t size);

  uint64_t size() const { return size_; }
  const std::vector<std::string>& frontier() const { return frontier_; }

  // Appends one leaf hash. Returns the nodes this completes, leaf first, then each new
  // parent upwards. InvalidArgument if leaf_hash is not kHashSize bytes; OutOfRange if the
  // tree already has 2^64 - 1 leaves. On failure the range is unchanged.
  absl::StatusOr<std::vector<Node>> Append(std::string_view leaf_hash);

  // MTH of the leaves [0, size); EmptyRoot() for the empty tree.
  std::string Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<std::string> frontier_;  // largest subtree first
};

}  // namespace veu::merkle

#endif  // VEU_COMMON_MERKLE_COMPACT_RANGE_H_
