// A Merkle tree kept entirely in memory: every perfect subtree's hash, appended through a
// CompactRange. For tests and small tools; a persistent log keeps the same nodes in its store.
#ifndef VEU_COMMON_MERKLE_MEMORY_NODE_STORE_H_
#define VEU_COMMON_MERKLE_MEMORY_NODE_STORE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/merkle/compact_range.h"
#include "common/merkle/node_reader.h"

namespace veu::merkle {

// Not synchronised: concurrent reads are safe only while nobody appends.
class MemoryNodeStore final : public NodeReader {
 public:
  // Appends a leaf hash in O(log n); InvalidArgument if it is not kHashSize bytes.
  absl::Status Append(std::string_view leaf_hash);

  uint64_t size() const { return range_.size(); }
  // MTH of all leaves so far.
  std::string Root() const { return range_.Root(); }

  absl::StatusOr<std::string> ReadNode(uint32_t level, uint64_t index) const override;

 private:
  CompactRange range_;
  std::vector<std::vector<std::string>> levels_;  // levels_[level][index]
};

}  // namespace veu::merkle

#endif  // VEU_COMMON_MERKLE_MEMORY_NODE_STORE_H_
