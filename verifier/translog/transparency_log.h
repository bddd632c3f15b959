// TransparencyLog: the verifier's append-only log of appraisal records, an RFC 9162 Merkle
// tree over LogStorage with signed checkpoints (checkpoint.h, signed_note.h). Appending reads
// nothing and writes the O(log n) nodes the leaf completes; proofs read O(log n) nodes.
//
// Pure apart from the injected storage: the caller supplies checkpoint times (no clock).
#ifndef VEU_VERIFIER_TRANSLOG_TRANSPARENCY_LOG_H_
#define VEU_VERIFIER_TRANSLOG_TRANSPARENCY_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/merkle/compact_range.h"
#include "verifier/translog/log_storage.h"
#include "verifier/translog/signed_note.h"

namespace veu::translog {

// Thread-safe. Assumes it is the only writer of its storage; if another writer appends,
// appends fail with FailedPrecondition and the log must be reopened.
class TransparencyLog {
 public:
  // Opens the log kept in `storage` (reading its popcount(size) frontier nodes), to sign
  // checkpoints for `origin` with `signer`. Both must outlive the log. InvalidArgument for an
  // origin FormatCheckpoint refuses; storage errors pass through.
  static absl::StatusOr<std::unique_ptr<TransparencyLog>> Open(LogStorage& storage,
                                                               const NoteSigner& signer,
                                                               std::string origin);

  // Appends one entry, hashed as an RFC 9162 leaf, and returns its index (0-based).
  absl::StatusOr<uint64_t> AppendEntry(std::string_view entry);
  // Appends an already computed leaf hash (32 bytes; InvalidArgument otherwise).
  absl::StatusOr<uint64_t> AppendLeafHash(std::string_view leaf_hash);

  uint64_t size() const;
  std::string root() const;

  // Signs a checkpoint of the current tree made at `unix_seconds`, stores it and returns it.
  // FailedPrecondition if that time is earlier than the latest stored checkpoint's.
  absl::StatusOr<StoredCheckpoint> PublishCheckpoint(uint64_t unix_seconds);

  // Proofs against any tree size the log has reached (InvalidArgument beyond size()).
  absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t size1, uint64_t size2) const;

 private:
  TransparencyLog(LogStorage& storage, const NoteSigner& signer, std::string origin,
                  merkle::CompactRange range);
  absl::Status CheckSize(uint64_t tree_size) const;

  LogStorage& storage_;
  const NoteSigner& signer_;
  const std::string origin_;
  mutable absl::Mutex mu_;
  merkle::CompactRange range_ ABSL_GUARDED_BY(mu_);
};

}  // namespace veu::translog

#endif  // VEU_VERIFIER_TRANSLOG_TRANSPARENCY_LOG_H_
