#include "common/merkle/compact_range.h"

#include <bit>
#include <limits>

#include "absl/strings/str_format.h"
#include "common/merkle/hasher.h"
#include "common/status_macros.h"

namespace veu::merkle {

std::vector<Node> CompactRange::FrontierIds(uint64_t size) {
  std::vector<Node> ids;
  uint64_t position = 0;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((size & width) == 0) continue;
    ids.push_back(Node{static_cast<uint32_t>(level), position >> level, ""});
    position += width;
  }
  return ids;
}

absl::StatusOr<CompactRange> CompactRange::FromFrontier(uint64_t size,
                                                        std::vector<std::string> hashes) {
  const auto want = static_cast<size_t>(std::popcount(size));
  if (hashes.size() != want) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "a tree of %d leaves has %d perfect subtrees, but %d frontier hashes were given", size,
        want, hashes.size()));
  }
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (hashes[i].size() != kHashSize) {
      return absl::InvalidArgumentError(
          absl::StrFormat("malformed frontier hash #%d: a SHA-256 hash has %d bytes, got %d", i,
                          kHashSize, hashes[i].size()));
    }
  }
  CompactRange range;
  range.size_ = size;
  range.frontier_ = std::move(hashes);
  return range;
}

absl::StatusOr<CompactRange> CompactRange::Load(const NodeReader& reader, uint64_t size) {
  std::vector<std::string> hashes;
  for (const Node& id : FrontierIds(size)) {
    ASSIGN_OR_RETURN(std::string hash, reader.ReadNode(id.level, id.index));
    hashes.push_back(std::move(hash));
  }
  return FromFrontier(size, std::move(hashes));
}

absl::StatusOr<std::vector<Node>> CompactRange::Append(std::string_view leaf_hash) {
  if (leaf_hash.size() != kHashSize) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "malformed leaf hash: a SHA-256 hash has %d bytes, got %d", kHashSize, leaf_hash.size()));
  }
  if (size_ == std::numeric_limits<uint64_t>::max()) {
    return absl::OutOfRangeError("the Merkle tree is full (2^64 - 1 leaves)");
  }
  std::vector<Node> completed;
  uint32_t level = 0;
  uint64_t index = size_;
  std::string hash(leaf_hash);
  completed.push_back(Node{level, index, hash});
  // Each trailing 1 bit of the old size is a perfect subtree the new node now completes.
  for (uint64_t s = size_; (s & 1) != 0; s >>= 1) {
    hash = NodeHash(frontier_.back(), hash);
    frontier_.pop_back();
    ++level;
    index >>= 1;
    completed.push_back(Node{level, index, hash});
  }
  frontier_.push_back(std::move(hash));
  ++size_;
  return completed;
}

std::string CompactRange::Root() const {
  if (frontier_.empty()) return EmptyRoot();
  std::string root = frontier_.back();
  for (size_t i = frontier_.size() - 1; i-- > 0;) root = NodeHash(frontier_[i], root);
  return root;
}

}  // namespace veu::merkle
