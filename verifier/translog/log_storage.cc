#include "verifier/translog/log_storage.h"

#include <bit>

#include "absl/strings/str_format.h"
#include "common/merkle/hasher.h"

namespace veu::translog {

absl::Status ValidateAppend(uint64_t size, uint64_t index, absl::Span<const merkle::Node> nodes) {
  if (index != size) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "cannot store leaf %d: the log holds %d leaves (another writer?)", index, size));
  }
  // Leaf `index` completes the leaf and one parent per trailing 1 bit of `index`.
  if (nodes.empty() || nodes.size() != 1 + static_cast<size_t>(std::countr_one(index))) {
    return absl::InvalidArgumentError(
        absl::StrFormat("leaf %d completes %d nodes, but %d were given", index,
                        1 + std::countr_one(index), nodes.size()));
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].level != i || nodes[i].index != (index >> i) ||
        nodes[i].hash.size() != merkle::kHashSize) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "node #%d for leaf %d is (level %d, index %d, %d bytes); expected (level %d, index %d, "
          "%d bytes)",
          i, index, nodes[i].level, nodes[i].index, nodes[i].hash.size(), i, index >> i,
          merkle::kHashSize));
    }
  }
  return absl::OkStatus();
}

}  // namespace veu::translog
