#include "verifier/translog/memory_log_storage.h"

#include <bit>

#include "absl/strings/str_format.h"
#include "common/merkle/hasher.h"

namespace veu::translog {

absl::StatusOr<std::string> MemoryLogStorage::ReadNode(uint32_t level, uint64_t index) const {
  absl::MutexLock lock(&mu_);
  if (level >= levels_.size() || index >= levels_[level].size()) {
    return absl::NotFoundError(
        absl::StrFormat("log node (level %d, index %d) is not stored", level, index));
  }
  return levels_[level][index];
}

absl::StatusOr<uint64_t> MemoryLogStorage::TreeSize() const {
  absl::MutexLock lock(&mu_);
  return levels_.empty() ? 0 : levels_[0].size();
}

absl::Status MemoryLogStorage::AppendLeaf(uint64_t index, absl::Span<const merkle::Node> nodes) {
  absl::MutexLock lock(&mu_);
  const uint64_t size = levels_.empty() ? 0 : levels_[0].size();
  if (index != size) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "cannot store leaf %d: the log holds %d leaves (another writer?)", index, size));
  }
  // Leaf `index` completes the leaf and one parent per trailing 1 bit of `index`.
  if (nodes.empty() || nodes.size() != 1 + static_cast<size_t>(std::countr_one(index))) {
    return absl::InvalidArgumentError(
        absl::StrFormat("leaf %d completes %d nodes, but %d were given", index,
                        1 + std::countr_one(index), nodes.size()));
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].level != i || nodes[i].index != (index >> i) ||
        nodes[i].hash.size() != merkle::kHashSize) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "node #%d for leaf %d is (level %d, index %d, %d bytes); expected (level %d, index %d, "
          "%d bytes)",
          i, index, nodes[i].level, nodes[i].index, nodes[i].hash.size(), i, index >> i,
          merkle::kHashSize));
    }
  }
  for (const merkle::Node& node : nodes) {
    if (levels_.size() <= node.level) levels_.resize(node.level + 1);
    levels_[node.level].push_back(node.hash);
  }
  return absl::OkStatus();
}

absl::Status MemoryLogStorage::PutCheckpoint(const StoredCheckpoint& checkpoint) {
  absl::MutexLock lock(&mu_);
  if (!checkpoints_.empty()) {
    const Checkpoint& latest = checkpoints_.back().checkpoint;
    if (checkpoint.checkpoint.size < latest.size ||
        checkpoint.checkpoint.timestamp_unix_seconds < latest.timestamp_unix_seconds) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "checkpoint (size %d, time %d) would go back from the latest (size %d, time %d)",
          checkpoint.checkpoint.size, checkpoint.checkpoint.timestamp_unix_seconds, latest.size,
          latest.timestamp_unix_seconds));
    }
  }
  checkpoints_.push_back(checkpoint);
  return absl::OkStatus();
}

absl::StatusOr<StoredCheckpoint> MemoryLogStorage::LatestCheckpoint() const {
  absl::MutexLock lock(&mu_);
  if (checkpoints_.empty()) return absl::NotFoundError("the log has no checkpoint yet");
  return checkpoints_.back();
}

}  // namespace veu::translog
