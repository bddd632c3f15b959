#include "verifier/translog/memory_log_storage.h"

#include <bit>

#include "absl/strings/str_format.h"
#include "common/merkle/hasher.h"
#include "common/status_macros.h"

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
  RETURN_IF_ERROR(ValidateAppend(size, index, nodes));
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

