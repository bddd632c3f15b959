// LogStorage in memory: for tests, and the reference behaviour for persistent backends.
#ifndef VEU_VERIFIER_TRANSLOG_MEMORY_LOG_STORAGE_H_
#define VEU_VERIFIER_TRANSLOG_MEMORY_LOG_STORAGE_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "verifier/translog/log_storage.h"

namespace veu::translog {

// Thread-safe: every method takes the one mutex.
class MemoryLogStorage final : public LogStorage {
 public:
  absl::StatusOr<std::string> ReadNode(uint32_t level, uint64_t index) const override;
  absl::StatusOr<uint64_t> TreeSize() const override;
  absl::Status AppendLeaf(uint64_t index, absl::Span<const merkle::Node> nodes) override;
  absl::Status PutCheckpoint(const StoredCheckpoint& checkpoint) override;
  absl::StatusOr<StoredCheckpoint> LatestCheckpoint() const override;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::vector<std::string>> levels_ ABSL_GUARDED_BY(mu_);  // [level][index]
  std::vector<StoredCheckpoint> checkpoints_ ABSL_GUARDED_BY(mu_);
};

}  // namespace veu::translog

#endif  // VEU_VERIFIER_TRANSLOG_MEMORY_LOG_STORAGE_H_
