#include "common/merkle/verify.h"

#include <bit>

#include "absl/strings/str_format.h"
#include "common/hex.h"
#include "common/merkle/hasher.h"
#include "common/status_macros.h"

namespace veu::merkle {
namespace {

absl::Status CheckHash(std::string_view hash, std::string_view what) {
  if (hash.size() != kHashSize) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "malformed %s: a SHA-256 hash has %d bytes, got %d", what, kHashSize, hash.size()));
  }
  return absl::OkStatus();
}

absl::Status CheckProofHashes(absl::Span<const std::string> proof) {
  for (size_t i = 0; i < proof.size(); ++i) {
    RETURN_IF_ERROR(CheckHash(proof[i], absl::StrFormat("proof hash #%d (0-based)", i)));
  }
  return absl::OkStatus();
}

// "Right-shift both fn and sn equally until either LSB(fn) is set or fn is 0."
void ShiftUntilLsbOrZero(uint64_t& fn, uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

absl::Status RootsMatch(std::string_view computed, std::string_view given, std::string_view what) {
  if (computed != given) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s does not hold: the proof leads to root %s, not to the given root %s",
                        what, ToHex(computed), ToHex(given)));
  }
  return absl::OkStatus();
}

}  // namespace

size_t InclusionProofSize(uint64_t index, uint64_t tree_size) {
  if (index >= tree_size) return 0;
  // The RFC 9162 §2.1.3.2 loop without hashing: one proof hash per iteration until sn is 0.
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  size_t count = 0;
  while (sn != 0) {
    if ((fn & 1) != 0 || fn == sn) {
      if ((fn & 1) == 0) ShiftUntilLsbOrZero(fn, sn);
    }
    fn >>= 1;
    sn >>= 1;
    ++count;
  }
  return count;
}

size_t ConsistencyProofSize(uint64_t size1, uint64_t size2) {
  if (size1 == 0 || size1 >= size2) return 0;
  // The RFC 9162 §2.1.4.2 loop without hashing; the first path element is size1's root when
  // size1 is a power of two (then it is not sent), and a proof hash otherwise.
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  size_t count = std::has_single_bit(size1) ? 0 : 1;
  while (sn != 0) {
    if ((fn & 1) != 0 || fn == sn) {
      if ((fn & 1) == 0) ShiftUntilLsbOrZero(fn, sn);
    }
    fn >>= 1;
    sn >>= 1;
    ++count;
  }
  return count;
}

absl::StatusOr<std::string> RootFromInclusionProof(std::string_view leaf_hash, uint64_t index,
                                                   uint64_t tree_size,
                                                   absl::Span<const std::string> proof) {
  RETURN_IF_ERROR(CheckHash(leaf_hash, "leaf hash"));
  RETURN_IF_ERROR(CheckProofHashes(proof));
  // Step 1.
  if (index >= tree_size) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "inclusion proof does not hold: leaf index %d is not in a tree of %d leaves "
        "(indices start at 0)",
        index, tree_size));
  }
  // RFC 9162 fails a proof that runs out (sn reaches 0 early) or is left over (sn != 0 at the
  // end); checking the exact size first gives the same verdict with a clearer message.
  const size_t want = InclusionProofSize(index, tree_size);
  if (proof.size() != want) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "inclusion proof does not hold: leaf %d in a tree of %d leaves needs exactly %d proof "
        "hashes, got %d",
        index, tree_size, want, proof.size()));
  }
  // Steps 2-4.
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  std::string r(leaf_hash);
  for (const std::string& p : proof) {
    if (sn == 0) return absl::InternalError("inclusion proof longer than its computed size");
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      if ((fn & 1) == 0) ShiftUntilLsbOrZero(fn, sn);
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // Step 5 (first half).
  if (sn != 0) return absl::InternalError("inclusion proof shorter than its computed size");
  return r;
}

absl::Status VerifyInclusion(std::string_view leaf_hash, uint64_t index, uint64_t tree_size,
                             absl::Span<const std::string> proof, std::string_view root) {
  RETURN_IF_ERROR(CheckHash(root, "root hash"));
  ASSIGN_OR_RETURN(std::string computed,
                   RootFromInclusionProof(leaf_hash, index, tree_size, proof));
  return RootsMatch(computed, root, "inclusion proof");
}

absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, absl::Span<const std::string> proof,
                               std::string_view root1, std::string_view root2) {
  RETURN_IF_ERROR(CheckHash(root1, "first root hash"));
  RETURN_IF_ERROR(CheckHash(root2, "second root hash"));
  RETURN_IF_ERROR(CheckProofHashes(proof));
  if (size1 > size2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "consistency proof does not hold: size1 %d is larger than size2 %d, and a log never "
        "shrinks",
        size1, size2));
  }
  if (size1 == 0 || size1 == size2) {
    if (!proof.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "consistency proof does not hold: from size %d to size %d the proof must be empty, "
          "got %d hashes",
          size1, size2, proof.size()));
    }
    if (size1 == 0 && root1 != EmptyRoot()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "consistency proof does not hold: the root of the empty tree is SHA-256(\"\") = %s, "
          "not %s",
          ToHex(EmptyRoot()), ToHex(root1)));
    }
    if (size1 == size2 && root1 != root2) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "consistency proof does not hold: two different roots (%s and %s) for the same tree "
          "size %d",
          ToHex(root1), ToHex(root2), size1));
    }
    return absl::OkStatus();
  }
  // 0 < size1 < size2: RFC 9162 §2.1.4.2. Step 1 (empty proof fails) is covered by the
  // exact-size check, as every such proof has at least one hash.
  const size_t want = ConsistencyProofSize(size1, size2);
  if (proof.size() != want) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "consistency proof does not hold: from size %d to size %d the proof needs exactly %d "
        "hashes, got %d",
        size1, size2, want, proof.size()));
  }
  // Step 2: the path is root1 followed by the proof when size1 is a power of two.
  const bool prepend_root1 = std::has_single_bit(size1);
  auto path_at = [&](size_t i) -> std::string_view {
    if (prepend_root1) return i == 0 ? root1 : std::string_view(proof[i - 1]);
    return proof[i];
  };
  const size_t path_size = proof.size() + (prepend_root1 ? 1 : 0);
  // Steps 3-4.
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  // Step 5.
  std::string fr(path_at(0));
  std::string sr(path_at(0));
  // Step 6.
  for (size_t i = 1; i < path_size; ++i) {
    std::string_view c = path_at(i);
    if (sn == 0) return absl::InternalError("consistency proof longer than its computed size");
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if ((fn & 1) == 0) ShiftUntilLsbOrZero(fn, sn);
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // Step 7.
  if (sn != 0) return absl::InternalError("consistency proof shorter than its computed size");
  if (fr != root1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "consistency proof does not hold: the proof leads to %s for the tree of size %d, not to "
        "the given first root %s",
        ToHex(fr), size1, ToHex(root1)));
  }
  if (sr != root2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "consistency proof does not hold: the proof leads to %s for the tree of size %d, not to "
        "the given second root %s",
        ToHex(sr), size2, ToHex(root2)));
  }
  return absl::OkStatus();
}

}  // namespace veu::merkle
