// The log's clients (auditors, veuctl, other verifiers): open a signed checkpoint, then check
// entries and log growth against checkpoints only, never against bare roots — a checkpoint
// binds the root to its tree size, which a proof alone does not (common/merkle/README.md).
#ifndef VEU_VERIFIER_TRANSLOG_CHECKPOINT_VERIFIER_H_
#define VEU_VERIFIER_TRANSLOG_CHECKPOINT_VERIFIER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "verifier/translog/checkpoint.h"
#include "verifier/translog/signed_note.h"

namespace veu::translog {

// Opens checkpoints of one log. Immutable; thread-safe.
class CheckpointVerifier {
 public:
  CheckpointVerifier(NoteVerifier key, std::string origin)
      : key_(std::move(key)), origin_(std::move(origin)) {}

  // The checkpoint in `signed_note`, if its signature by this log's key verifies and its text
  // is a checkpoint for this log's origin. InvalidArgument saying which check failed otherwise.
  absl::StatusOr<Checkpoint> Open(std::string_view signed_note) const;

 private:
  NoteVerifier key_;
  std::string origin_;
};

// OK iff `proof` shows that the entry with leaf hash `leaf_hash` is leaf `index` of the tree
// `checkpoint` commits to. InvalidArgument (from merkle::VerifyInclusion) otherwise.
absl::Status VerifyEntryInCheckpoint(const Checkpoint& checkpoint, std::string_view leaf_hash,
                                     uint64_t index, absl::Span<const std::string> proof);

// OK iff `newer` extends `older` of the same log: same origin, not earlier, and `proof`
// shows older's tree is a prefix of newer's. A failure between two validly signed
// checkpoints is evidence the log rewrote history: keep both notes.
absl::Status VerifyCheckpointExtends(const Checkpoint& older, const Checkpoint& newer,
                                     absl::Span<const std::string> proof);

}  // namespace veu::translog

#endif  // VEU_VERIFIER_TRANSLOG_CHECKPOINT_VERIFIER_H_
