// AppraisalLog: the store's side of the verifier's transparency log. The store keeps the RFC 9162
// tree (translog::LogStorage) next to the appraisals and appends each appraisal's leaf in the
// transaction that commits it, so a committed appraisal is always in the log.
//
// Leaf data = the appraisal's deterministic serialisation (veu.v1.Appraisal with log_index set),
// leaf hash = merkle::LeafHash(leaf data). Thread-safety: as LogStorage (safe for concurrent use).
#ifndef VEU_VERIFIER_STORE_APPRAISAL_LOG_H_
#define VEU_VERIFIER_STORE_APPRAISAL_LOG_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "verifier/translog/log_storage.h"

namespace veu::verifier {

// One logged appraisal: its leaf number and the exact leaf data (serialised veu.v1.Appraisal).
struct LogEntry {
  uint64_t index = 0;
  std::string appraisal;
};

class AppraisalLog : public translog::LogStorage {
 public:
  // The logged appraisal with that id. NotFound if there is none, or if it was stored before
  // the log existed (schema version 1) and so has no leaf.
  virtual absl::StatusOr<LogEntry> LogEntryByAppraisalId(const std::string& appraisal_id) const = 0;
  // The appraisal that is leaf `index`. NotFound if the log has no such leaf.
  virtual absl::StatusOr<LogEntry> LogEntryByIndex(uint64_t index) const = 0;
  // The first stored checkpoint of exactly `tree_size` leaves; NotFound if none was published.
  virtual absl::StatusOr<translog::StoredCheckpoint> CheckpointWithSize(
      uint64_t tree_size) const = 0;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_STORE_APPRAISAL_LOG_H_
