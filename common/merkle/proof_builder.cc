#include "common/merkle/proof_builder.h"

#include <bit>

#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace veu::merkle {
namespace {

// The largest power of two strictly smaller than n (n >= 2): RFC 9162's split point k.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// PATH(m, D[begin:end]) per RFC 9162 §2.1.3.1, appended to `out` leaf-side first.
absl::Status Path(uint64_t m, uint64_t begin, uint64_t end, RangeHashFn range_hash,
                  std::vector<std::string>& out) {
  const uint64_t n = end - begin;
  if (n == 1) return absl::OkStatus();
  const uint64_t k = SplitPoint(n);
  if (m < k) {
    RETURN_IF_ERROR(Path(m, begin, begin + k, range_hash, out));
    ASSIGN_OR_RETURN(std::string sibling, range_hash(begin + k, end));
    out.push_back(std::move(sibling));
  } else {
    RETURN_IF_ERROR(Path(m - k, begin + k, end, range_hash, out));
    ASSIGN_OR_RETURN(std::string sibling, range_hash(begin, begin + k));
    out.push_back(std::move(sibling));
  }
  return absl::OkStatus();
}

// SUBPROOF(m, D[begin:end], b) per RFC 9162 §2.1.4.1, appended to `out`.
absl::Status SubProof(uint64_t m, uint64_t begin, uint64_t end, bool complete_subtree,
                      RangeHashFn range_hash, std::vector<std::string>& out) {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!complete_subtree) {
      ASSIGN_OR_RETURN(std::string hash, range_hash(begin, end));
      out.push_back(std::move(hash));
    }
    return absl::OkStatus();
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    RETURN_IF_ERROR(SubProof(m, begin, begin + k, complete_subtree, range_hash, out));
    ASSIGN_OR_RETURN(std::string right, range_hash(begin + k, end));
    out.push_back(std::move(right));
  } else {
    RETURN_IF_ERROR(SubProof(m - k, begin + k, end, false, range_hash, out));
    ASSIGN_OR_RETURN(std::string left, range_hash(begin, begin + k));
    out.push_back(std::move(left));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> BuildInclusionProof(uint64_t index, uint64_t tree_size,
                                                             RangeHashFn range_hash) {
  if (index >= tree_size) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot build an inclusion proof for leaf index %d: the tree has only %d leaves "
        "(indices start at 0)",
        index, tree_size));
  }
  std::vector<std::string> proof;
  RETURN_IF_ERROR(Path(index, 0, tree_size, range_hash, proof));
  return proof;
}

absl::StatusOr<std::vector<std::string>> BuildConsistencyProof(uint64_t size1, uint64_t size2,
                                                               RangeHashFn range_hash) {
  if (size1 > size2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "cannot build a consistency proof from size %d to the smaller size %d: a log only grows",
        size1, size2));
  }
  std::vector<std::string> proof;
  if (size1 == 0 || size1 == size2) return proof;
  RETURN_IF_ERROR(SubProof(size1, 0, size2, true, range_hash, proof));
  return proof;
}

}  // namespace veu::merkle
