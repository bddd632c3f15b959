// The Linux IMA measurement log (binary_runtime_measurements), parsed without I/O.
// Scope so far: the binary form in host (little-endian) byte order, SHA-1 template hashes
// (the pre-6.10 single-bank log), templates "ima" (fixed layout) and every length-prefixed
// template ("ima-ng", "ima-sig", "ima-buf", "ima-modsig", "ima-ngv2", "ima-sigv2", custom),
// whose template data is split into its fields; the ASCII form of ima, ima-ng, ima-sig, ima-buf.
// Not yet: other templates in ASCII, per-bank logs,
// boot_aggregate recomputation, signature verification (see README "not finished").
#ifndef VEU_COMMON_IMA_IMA_LOG_H_
#define VEU_COMMON_IMA_IMA_LOG_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace veu::ima {

inline constexpr size_t kSha1Bytes = 20;
// Upper bounds checked before any allocation; the kernel's own limits are far lower.
inline constexpr uint32_t kMaxTemplateNameBytes = 255;
inline constexpr uint32_t kMaxTemplateDataBytes = 1 << 20;
inline constexpr uint32_t kImaPcr = 10;

struct Entry {
  size_t record = 0;             // 0-based record number
  size_t offset = 0;             // byte offset of the record in the log
  uint32_t pcr = 0;
  std::string template_hash;     // as logged (20 bytes; all zero for a violation)
  std::string template_name;
  std::string template_data;     // raw bytes as logged
  std::vector<std::string> fields;  // length-prefixed fields ("ima": digest, name)
  bool violation = false;        // logged template hash is all zero
  bool template_hash_ok = false; // recomputed SHA-1 equals the logged one (false for violations)
  std::string file_digest;       // first field (for ima-ng: "alg:" prefix + digest, as logged)
  std::string path;              // second field, without trailing NUL
};

struct ParsedLog {
  std::vector<Entry> entries;
  size_t violations = 0;
  std::vector<size_t> bad_template_hashes;  // record numbers
};

// Parses a binary IMA log. Fails with InvalidArgument naming the record number and byte
// offset for a truncated record, an oversize length or malformed template data; never reads
// past `bytes`. A template hash that does not recompute is not an error: it is listed in
// bad_template_hashes. Thread-safe (no shared state).
absl::StatusOr<ParsedLog> ParseBinary(std::string_view bytes);

// Parses the ASCII form (ascii_runtime_measurements) of the templates "ima", "ima-ng",
// "ima-sig" and "ima-buf" (whose last hex token is the buffer): the template data is rebuilt from the printed fields so every template hash is
// recomputed as for the binary form. A path containing spaces is taken whole for "ima-ng";
// for "ima-sig" a last space-separated hex token is the signature. Other templates fail with
// InvalidArgument naming the line (1-based). Thread-safe.
absl::StatusOr<ParsedLog> ParseAscii(std::string_view text);

// PCR 10 SHA-1 bank after extending every entry's template hash from zero; a violation
// extends 0xff x 20 (as the kernel does). Returns 20 raw bytes.
std::string ReplaySha1(const ParsedLog& log);

}  // namespace veu::ima

#endif  // VEU_COMMON_IMA_IMA_LOG_H_
