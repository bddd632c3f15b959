#include "verifier/translog/transparency_log.h"

#include "absl/strings/str_format.h"
#include "common/merkle/hasher.h"
#include "common/merkle/node_reader.h"
#include "common/status_macros.h"

namespace veu::translog {

TransparencyLog::TransparencyLog(LogStorage& storage, const NoteSigner& signer, std::string origin,
                                 merkle::CompactRange range)
    : storage_(storage), signer_(signer), origin_(std::move(origin)), range_(std::move(range)) {}

absl::StatusOr<std::unique_ptr<TransparencyLog>> TransparencyLog::Open(LogStorage& storage,
                                                                       const NoteSigner& signer,
                                                                       std::string origin) {
  // Refuse an origin that could not be put in a checkpoint now rather than at the first publish.
  RETURN_IF_ERROR(FormatCheckpoint(Checkpoint{origin, 0, merkle::EmptyRoot(), 0}).status());
  ASSIGN_OR_RETURN(uint64_t size, storage.TreeSize());
  ASSIGN_OR_RETURN(merkle::CompactRange range, merkle::CompactRange::Load(storage, size));
  return std::unique_ptr<TransparencyLog>(
      new TransparencyLog(storage, signer, std::move(origin), std::move(range)));
}

absl::StatusOr<uint64_t> TransparencyLog::AppendEntry(std::string_view entry) {
  return AppendLeafHash(merkle::LeafHash(entry));
}

absl::StatusOr<uint64_t> TransparencyLog::AppendLeafHash(std::string_view leaf_hash) {
  absl::MutexLock lock(&mu_);
  // Work on a copy (O(log n) hashes) so a storage failure leaves the log as it was.
  merkle::CompactRange next = range_;
  const uint64_t index = next.size();
  ASSIGN_OR_RETURN(std::vector<merkle::Node> nodes, next.Append(leaf_hash));
  RETURN_IF_ERROR(storage_.AppendLeaf(index, nodes));
  range_ = std::move(next);
  return index;
}

uint64_t TransparencyLog::size() const {
  absl::MutexLock lock(&mu_);
  return range_.size();
}

std::string TransparencyLog::root() const {
  absl::MutexLock lock(&mu_);
  return range_.Root();
}

absl::StatusOr<StoredCheckpoint> TransparencyLog::PublishCheckpoint(uint64_t unix_seconds) {
  absl::MutexLock lock(&mu_);
  StoredCheckpoint out;
  out.checkpoint = Checkpoint{origin_, range_.size(), range_.Root(), unix_seconds};
  ASSIGN_OR_RETURN(std::string text, FormatCheckpoint(out.checkpoint));
  ASSIGN_OR_RETURN(out.signed_note, signer_.Sign(text));
  RETURN_IF_ERROR(storage_.PutCheckpoint(out));
  return out;
}

absl::Status TransparencyLog::CheckSize(uint64_t tree_size) const {
  const uint64_t current = size();
  if (tree_size > current) {
    return absl::InvalidArgumentError(
        absl::StrFormat("tree size %d is beyond the log, which has %d leaves", tree_size, current));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> TransparencyLog::InclusionProof(uint64_t index,
                                                                         uint64_t tree_size) const {
  RETURN_IF_ERROR(CheckSize(tree_size));
  return merkle::InclusionProof(storage_, index, tree_size);
}

absl::StatusOr<std::vector<std::string>> TransparencyLog::ConsistencyProof(uint64_t size1,
                                                                           uint64_t size2) const {
  RETURN_IF_ERROR(CheckSize(size2));
  return merkle::ConsistencyProof(storage_, size1, size2);
}

}  // namespace veu::translog
