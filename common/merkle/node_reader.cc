#include "common/merkle/node_reader.h"

#include <bit>

#include "absl/strings/str_format.h"
#include "common/merkle/hasher.h"
#include "common/merkle/proof_builder.h"
#include "common/status_macros.h"

namespace veu::merkle {

absl::StatusOr<std::string> SubtreeRoot(const NodeReader& reader, uint64_t begin, uint64_t end) {
  constexpr uint64_t kMaxWidth = uint64_t{1} << 63;  // bit_ceil beyond this overflows
  if (begin >= end || end - begin > kMaxWidth || begin % std::bit_ceil(end - begin) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "leaf range [%d, %d) is not a subtree of a Merkle tree: it must be non-empty and start "
        "at a multiple of the power of two that covers it",
        begin, end));
  }
  // The range splits into perfect subtrees of decreasing size, left to right; MTH folds
  // them from the right: H(p1, H(p2, ... H(pk-1, pk))).
  std::vector<std::string> parts;
  uint64_t position = begin;
  uint64_t remaining = end - begin;
  while (remaining != 0) {
    const uint64_t width = std::bit_floor(remaining);
    const auto level = static_cast<uint32_t>(std::countr_zero(width));
    ASSIGN_OR_RETURN(std::string hash, reader.ReadNode(level, position >> level));
    if (hash.size() != kHashSize) {
      return absl::DataLossError(absl::StrFormat(
          "node store returned %d bytes for node (level %d, index %d); expected a %d-byte hash",
          hash.size(), level, position >> level, kHashSize));
    }
    parts.push_back(std::move(hash));
    position += width;
    remaining -= width;
  }
  std::string root = std::move(parts.back());
  for (size_t i = parts.size() - 1; i-- > 0;) root = NodeHash(parts[i], root);
  return root;
}

namespace {

// A proof need not read the last leaf's hash (for index == tree_size - 1 it never does), so
// read it to be sure the store really has tree_size leaves (stores only ever hold a prefix).
absl::Status CheckStoreHasLeaves(const NodeReader& reader, uint64_t tree_size) {
  if (tree_size == 0) return absl::OkStatus();
  absl::StatusOr<std::string> last = reader.ReadNode(0, tree_size - 1);
  if (absl::IsNotFound(last.status())) {
    return absl::NotFoundError(absl::StrFormat("the node store has fewer than %d leaves: %s",
                                               tree_size, last.status().message()));
  }
  return last.status();
}

}  // namespace

absl::StatusOr<std::string> RootAt(const NodeReader& reader, uint64_t tree_size) {
  if (tree_size == 0) return EmptyRoot();
  return SubtreeRoot(reader, 0, tree_size);
}

absl::StatusOr<std::vector<std::string>> InclusionProof(const NodeReader& reader, uint64_t index,
                                                        uint64_t tree_size) {
  if (index < tree_size) RETURN_IF_ERROR(CheckStoreHasLeaves(reader, tree_size));
  return BuildInclusionProof(index, tree_size, [&](uint64_t begin, uint64_t end) {
    return SubtreeRoot(reader, begin, end);
  });
}

absl::StatusOr<std::vector<std::string>> ConsistencyProof(const NodeReader& reader, uint64_t size1,
                                                          uint64_t size2) {
  if (size1 <= size2) RETURN_IF_ERROR(CheckStoreHasLeaves(reader, size2));
  return BuildConsistencyProof(
      size1, size2, [&](uint64_t begin, uint64_t end) { return SubtreeRoot(reader, begin, end); });
}

}  // namespace veu::merkle
