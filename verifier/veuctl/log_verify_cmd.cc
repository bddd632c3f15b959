// veuctl log verify-inclusion / verify-consistency: check RFC 9162 Merkle proofs offline,
// with the same code the verifier uses (common/merkle/verify.h).
//
//   veuctl log verify-inclusion --leaf-hash HEX --index N --tree-size N --root HEX
//                               --proof HEX[,HEX...]
//   veuctl log verify-consistency --size1 N --size2 N --root1 HEX --root2 HEX
//                                 --proof HEX[,HEX...]
//
// Hashes are 32-byte SHA-256 values in hex; an empty proof is --proof ''. Exit 0 if the
// proof holds ("OK: ..." on stdout), 1 if it does not ("REJECTED: reason" on stdout), 2 for
// unusable input (bad hex, a hash of the wrong length, a size that is not a decimal number,
// missing or unknown flags; the problem on stderr).
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/hex.h"
#include "common/merkle/hasher.h"
#include "common/merkle/verify.h"
#include "common/status_macros.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/flags.h"

namespace veu::veuctl {
namespace {

// Strict decimal: digits only, no sign, no spaces, no overflow.
absl::StatusOr<uint64_t> ParseSize(const std::string& flag, const std::string& text) {
  if (text.empty() || text.size() > 20 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--%s must be a non-negative decimal integer, got '%s'", flag, text));
  }
  uint64_t value = 0;
  for (char c : text) {
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) {
      return absl::InvalidArgumentError(
          absl::StrFormat("--%s is larger than 2^64 - 1: '%s'", flag, text));
    }
    value = value * 10 + digit;
  }
  return value;
}

absl::StatusOr<std::string> ParseHash(const std::string& what, const std::string& text) {
  absl::StatusOr<std::string> bytes = FromHex(text);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s is not valid hex: %s", what, bytes.status().message()));
  }
  if (bytes->size() != merkle::kHashSize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s must be a %d-byte SHA-256 hash (%d hex digits), got %d bytes", what,
                        merkle::kHashSize, 2 * merkle::kHashSize, bytes->size()));
  }
  return *std::move(bytes);
}

// "" is the empty proof; otherwise comma-separated hashes, none of them empty.
absl::StatusOr<std::vector<std::string>> ParseProof(const std::string& text) {
  std::vector<std::string> proof;
  if (text.empty()) return proof;
  size_t i = 0;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    ASSIGN_OR_RETURN(std::string hash, ParseHash(absl::StrFormat("--proof hash #%d (0-based)", i),
                                                 std::string(part)));
    proof.push_back(std::move(hash));
    ++i;
  }
  return proof;
}

absl::StatusOr<std::string> Required(const ParsedFlags& flags, const std::string& name) {
  std::optional<std::string> value = flags.Get(name);
  if (!value) return absl::InvalidArgumentError(absl::StrFormat("--%s is required", name));
  return *value;
}

int UsageError(const std::string& command, const absl::Status& status) {
  std::cerr << "veuctl log " << command << ": " << status.message() << "\n";
  return kExitUsage;
}

int Verdict(const absl::Status& status, const std::string& what) {
  if (status.ok()) {
    std::cout << "OK: " << what << "\n";
    return kExitAccepted;
  }
  std::cout << "REJECTED: " << status.message() << "\n";
  return kExitRejected;
}

struct InclusionArgs {
  std::string leaf_hash;
  uint64_t index = 0;
  uint64_t tree_size = 0;
  std::string root;
  std::vector<std::string> proof;
};

absl::StatusOr<InclusionArgs> ParseInclusionArgs(const std::vector<std::string>& args) {
  ASSIGN_OR_RETURN(ParsedFlags flags,
                   ParseFlags(args, {"leaf-hash", "index", "tree-size", "root", "proof"}, {}));
  if (!flags.positional.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("unexpected argument '%s'", flags.positional.front()));
  }
  InclusionArgs out;
  ASSIGN_OR_RETURN(std::string leaf_hash, Required(flags, "leaf-hash"));
  ASSIGN_OR_RETURN(out.leaf_hash, ParseHash("--leaf-hash", leaf_hash));
  ASSIGN_OR_RETURN(std::string index, Required(flags, "index"));
  ASSIGN_OR_RETURN(out.index, ParseSize("index", index));
  ASSIGN_OR_RETURN(std::string tree_size, Required(flags, "tree-size"));
  ASSIGN_OR_RETURN(out.tree_size, ParseSize("tree-size", tree_size));
  ASSIGN_OR_RETURN(std::string root, Required(flags, "root"));
  ASSIGN_OR_RETURN(out.root, ParseHash("--root", root));
  ASSIGN_OR_RETURN(std::string proof, Required(flags, "proof"));
  ASSIGN_OR_RETURN(out.proof, ParseProof(proof));
  return out;
}

int RunVerifyInclusion(const std::vector<std::string>& args) {
  absl::StatusOr<InclusionArgs> parsed = ParseInclusionArgs(args);
  if (!parsed.ok()) return UsageError("verify-inclusion", parsed.status());
  const InclusionArgs& a = *parsed;
  return Verdict(merkle::VerifyInclusion(a.leaf_hash, a.index, a.tree_size, a.proof, a.root),
                 absl::StrFormat("leaf %s is at index %d of the tree of size %d with root %s",
                                 ToHex(a.leaf_hash), a.index, a.tree_size, ToHex(a.root)));
}

struct ConsistencyArgs {
  uint64_t size1 = 0;
  uint64_t size2 = 0;
  std::string root1;
  std::string root2;
  std::vector<std::string> proof;
};

absl::StatusOr<ConsistencyArgs> ParseConsistencyArgs(const std::vector<std::string>& args) {
  ASSIGN_OR_RETURN(ParsedFlags flags,
                   ParseFlags(args, {"size1", "size2", "root1", "root2", "proof"}, {}));
  if (!flags.positional.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("unexpected argument '%s'", flags.positional.front()));
  }
  ConsistencyArgs out;
  ASSIGN_OR_RETURN(std::string size1, Required(flags, "size1"));
  ASSIGN_OR_RETURN(out.size1, ParseSize("size1", size1));
  ASSIGN_OR_RETURN(std::string size2, Required(flags, "size2"));
  ASSIGN_OR_RETURN(out.size2, ParseSize("size2", size2));
  ASSIGN_OR_RETURN(std::string root1, Required(flags, "root1"));
  ASSIGN_OR_RETURN(out.root1, ParseHash("--root1", root1));
  ASSIGN_OR_RETURN(std::string root2, Required(flags, "root2"));
  ASSIGN_OR_RETURN(out.root2, ParseHash("--root2", root2));
  ASSIGN_OR_RETURN(std::string proof, Required(flags, "proof"));
  ASSIGN_OR_RETURN(out.proof, ParseProof(proof));
  return out;
}

int RunVerifyConsistency(const std::vector<std::string>& args) {
  absl::StatusOr<ConsistencyArgs> parsed = ParseConsistencyArgs(args);
  if (!parsed.ok()) return UsageError("verify-consistency", parsed.status());
  const ConsistencyArgs& a = *parsed;
  return Verdict(
      merkle::VerifyConsistency(a.size1, a.size2, a.proof, a.root1, a.root2),
      absl::StrFormat("the tree of size %d with root %s is a prefix of the tree of size %d with "
                      "root %s",
                      a.size1, ToHex(a.root1), a.size2, ToHex(a.root2)));
}

}  // namespace

VEUCTL_COMMAND(kLogVerifyInclusion, "log verify-inclusion",
               "log verify-inclusion --leaf-hash HEX --index N --tree-size N --root HEX "
               "--proof HEX[,HEX...]   (RFC 9162 Merkle inclusion proof; --proof '' if empty)",
               RunVerifyInclusion);
VEUCTL_COMMAND(kLogVerifyConsistency, "log verify-consistency",
               "log verify-consistency --size1 N --size2 N --root1 HEX --root2 HEX "
               "--proof HEX[,HEX...]   (RFC 9162 Merkle consistency proof)",
               RunVerifyConsistency);

}  // namespace veu::veuctl
