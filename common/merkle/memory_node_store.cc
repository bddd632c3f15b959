#include "common/merkle/memory_node_store.h"

#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace veu::merkle {

absl::Status MemoryNodeStore::Append(std::string_view leaf_hash) {
  ASSIGN_OR_RETURN(std::vector<Node> completed, range_.Append(leaf_hash));
  for (Node& node : completed) {
    if (levels_.size() <= node.level) levels_.resize(node.level + 1);
    // Appends complete nodes left to right, so each new node is the next one on its level.
    levels_[node.level].push_back(std::move(node.hash));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MemoryNodeStore::ReadNode(uint32_t level, uint64_t index) const {
  if (level >= levels_.size() || index >= levels_[level].size()) {
    return absl::NotFoundError(
        absl::StrFormat("node (level %d, index %d) is not complete in a tree of %d leaves", level,
                        index, range_.size()));
  }
  return levels_[level][index];
}

}  // namespace veu::merkle
