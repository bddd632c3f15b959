#include "verifier/translog/checkpoint_verifier.h"

#include "absl/strings/str_format.h"
#include "common/merkle/verify.h"
#include "common/status_macros.h"

namespace veu::translog {

absl::StatusOr<Checkpoint> CheckpointVerifier::Open(std::string_view signed_note) const {
  ASSIGN_OR_RETURN(std::string text, key_.Open(signed_note));
  ASSIGN_OR_RETURN(Checkpoint checkpoint, ParseCheckpoint(text));
  if (checkpoint.origin != origin_) {
    return absl::InvalidArgumentError(
        absl::StrFormat("checkpoint is for log '%s', not for '%s'", checkpoint.origin, origin_));
  }
  return checkpoint;
}

absl::Status VerifyEntryInCheckpoint(const Checkpoint& checkpoint, std::string_view leaf_hash,
                                     uint64_t index, absl::Span<const std::string> proof) {
  return merkle::VerifyInclusion(leaf_hash, index, checkpoint.size, proof, checkpoint.root_hash);
}

absl::Status VerifyCheckpointExtends(const Checkpoint& older, const Checkpoint& newer,
                                     absl::Span<const std::string> proof) {
  if (older.origin != newer.origin) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "checkpoints are of different logs ('%s' and '%s')", older.origin, newer.origin));
  }
  if (newer.timestamp_unix_seconds < older.timestamp_unix_seconds) {
    return absl::InvalidArgumentError(
        absl::StrFormat("the newer checkpoint (size %d) is dated %d, before the older one's %d",
                        newer.size, newer.timestamp_unix_seconds, older.timestamp_unix_seconds));
  }
  return merkle::VerifyConsistency(older.size, newer.size, proof, older.root_hash, newer.root_hash);
}

}  // namespace veu::translog
