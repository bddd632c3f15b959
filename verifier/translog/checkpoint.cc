#include "verifier/translog/checkpoint.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/merkle/hasher.h"
#include "common/status_macros.h"

namespace veu::translog {
namespace {

constexpr char kTimestampPrefix[] = "timestamp ";  // a char array: StrCat takes it

absl::Status CheckOrigin(std::string_view origin) {
  if (origin.empty()) return absl::InvalidArgumentError("checkpoint origin is empty");
  for (size_t i = 0; i < origin.size(); ++i) {
    if (static_cast<unsigned char>(origin[i]) < 0x20) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "checkpoint origin has a control character (0x%02x) at byte %d", origin[i], i));
    }
  }
  return absl::OkStatus();
}

// Canonical decimal: "0" or digits without a leading zero, at most 2^64 - 1.
absl::StatusOr<uint64_t> ParseDecimal(std::string_view text, std::string_view what) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrFormat("checkpoint %s '%s' is not a canonical decimal number", what, text));
  };
  if (text.empty() || text.size() > 20 ||
      text.find_first_not_of("0123456789") != std::string_view::npos ||
      (text.size() > 1 && text[0] == '0')) {
    return bad();
  }
  uint64_t value = 0;
  for (char c : text) {
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return bad();
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace

absl::StatusOr<std::string> FormatCheckpoint(const Checkpoint& checkpoint) {
  RETURN_IF_ERROR(CheckOrigin(checkpoint.origin));
  if (checkpoint.root_hash.size() != merkle::kHashSize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("checkpoint root hash has %d bytes; a SHA-256 root has %d",
                        checkpoint.root_hash.size(), merkle::kHashSize));
  }
  return absl::StrCat(checkpoint.origin, "\n", checkpoint.size, "\n",
                      absl::Base64Escape(checkpoint.root_hash), "\n", kTimestampPrefix,
                      checkpoint.timestamp_unix_seconds, "\n");
}

absl::StatusOr<Checkpoint> ParseCheckpoint(std::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return absl::InvalidArgumentError("checkpoint text must end with a newline");
  }
  std::vector<std::string_view> lines;
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(text.data(), text.size() - 1), '\n')) {
    lines.emplace_back(line.data(), line.size());
  }
  if (lines.size() != 4) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "checkpoint has %d lines; expected 4 (origin, size, base64 root, timestamp)",
        lines.size()));
  }
  Checkpoint checkpoint;
  RETURN_IF_ERROR(CheckOrigin(lines[0]));
  checkpoint.origin = std::string(lines[0]);
  ASSIGN_OR_RETURN(checkpoint.size, ParseDecimal(lines[1], "size (line 2)"));
  std::string root;
  if (!absl::Base64Unescape(absl::string_view(lines[2].data(), lines[2].size()), &root) ||
      root.size() != merkle::kHashSize || absl::Base64Escape(root) != lines[2]) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "checkpoint line 3 '%s' is not the padded standard base64 of a 32-byte root hash",
        lines[2]));
  }
  checkpoint.root_hash = std::move(root);
  const std::string_view prefix(kTimestampPrefix);
  if (lines[3].substr(0, prefix.size()) != prefix) {
    return absl::InvalidArgumentError(
        absl::StrFormat("checkpoint line 4 '%s' must be 'timestamp <unix seconds>'", lines[3]));
  }
  ASSIGN_OR_RETURN(checkpoint.timestamp_unix_seconds,
                   ParseDecimal(lines[3].substr(prefix.size()), "timestamp (line 4)"));
  return checkpoint;
}

}  // namespace veu::translog
