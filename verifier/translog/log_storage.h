// Where a TransparencyLog keeps its tree and checkpoints. The integrator backs it with the
// verifier's SQLite store; MemoryLogStorage (memory_log_storage.h) is the reference.
//
// The tree is stored as perfect-subtree nodes (merkle::NodeReader): leaf hashes at level 0
// and every interior node once complete. They never change, so one store answers proofs and
// roots for every tree size it has reached, with O(log n) reads each.
#ifndef VEU_VERIFIER_TRANSLOG_LOG_STORAGE_H_
#define VEU_VERIFIER_TRANSLOG_LOG_STORAGE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/merkle/compact_range.h"
#include "common/merkle/node_reader.h"
#include "verifier/translog/checkpoint.h"

namespace veu::translog {

// A checkpoint as published: parsed fields and the exact signed note bytes.
struct StoredCheckpoint {
  Checkpoint checkpoint;
  std::string signed_note;
};

// Checks an AppendLeaf call against a log of `size` leaves: `index` must be `size` and `nodes`
// exactly the nodes leaf `index` completes (the leaf, then one parent per trailing 1 bit of
// `index`), each 32 bytes. FailedPrecondition for a wrong index (another writer got there
// first), InvalidArgument otherwise. Every LogStorage implementation applies the same rule.
absl::Status ValidateAppend(uint64_t size, uint64_t index, absl::Span<const merkle::Node> nodes);

// Implementations must be safe for concurrent calls (readers concurrent with one appender).
class LogStorage : public merkle::NodeReader {
 public:
  // Number of leaves stored.
  virtual absl::StatusOr<uint64_t> TreeSize() const = 0;

  // Stores leaf number `index` together with the nodes its append completed, exactly as
  // merkle::CompactRange::Append returned them (leaf first), all or nothing.
  // FailedPrecondition if the store does not hold exactly `index` leaves (another writer
  // appended first; reopen the log), InvalidArgument if the nodes are not the ones leaf
  // `index` completes.
  virtual absl::Status AppendLeaf(uint64_t index, absl::Span<const merkle::Node> nodes) = 0;

  // Stores a published checkpoint. FailedPrecondition if its size is smaller than, or its
  // timestamp earlier than, the latest stored checkpoint's (checkpoints only move forward).
  virtual absl::Status PutCheckpoint(const StoredCheckpoint& checkpoint) = 0;

  // The most recently stored checkpoint; NotFound if none was ever stored.
  virtual absl::StatusOr<StoredCheckpoint> LatestCheckpoint() const = 0;
};

}  // namespace veu::translog

#endif  // VEU_VERIFIER_TRANSLOG_LOG_STORAGE_H_
