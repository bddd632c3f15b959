// A checkpoint: the log's signed statement "my tree of `size` leaves has root `root_hash`",
// in the C2SP tlog-checkpoint text format (https://c2sp.org/tlog-checkpoint) with one
// extension line carrying the time it was made:
//
//   <origin>\n                  the log's name, e.g. "veu.example/attest-log"
//   <size>\n                    tree size, decimal, no leading zeros
//   <base64(root_hash)>\n       32-byte RFC 9162 root, standard base64 with padding
//   timestamp <seconds>\n       Unix time in seconds (UTC), decimal, no leading zeros
//
// This text is what signed_note.h signs. Pure; thread-safe.
#ifndef VEU_VERIFIER_TRANSLOG_CHECKPOINT_H_
#define VEU_VERIFIER_TRANSLOG_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace veu::translog {

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  std::string root_hash;  // 32 raw bytes
  uint64_t timestamp_unix_seconds = 0;

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// The checkpoint's canonical text (above). InvalidArgument if the origin is empty or holds a
// character below U+0020 (a newline would let it forge other lines), or the root is not 32 bytes.
absl::StatusOr<std::string> FormatCheckpoint(const Checkpoint& checkpoint);

// Parses exactly the text FormatCheckpoint produces and nothing else: four lines, each in
// canonical form (so one checkpoint has one text). InvalidArgument naming the line otherwise.
absl::StatusOr<Checkpoint> ParseCheckpoint(std::string_view text);

}  // namespace veu::translog

#endif  // VEU_VERIFIER_TRANSLOG_CHECKPOINT_H_
