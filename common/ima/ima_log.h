// The Linux IMA measurement log (binary_runtime_measurements and ascii_runtime_measurements,
// and the per-bank binary_runtime_measurements_<alg> files of Linux 6.10+), parsed without I/O.
//
// Templates: "ima" (fixed layout), "ima-ng", "ima-sig", "ima-buf", "ima-modsig", "ima-ngv2",
// "ima-sigv2", "evm-sig" and custom templates (ima_template_fmt=, whose log name is the format
// string itself, e.g. "d-ng|n-ng|sig"), fields by id: d, n, d-ng, d-ngv2, n-ng, sig, buf,
// d-modsig, modsig, evmsig, xattrnames, xattrlengths, xattrvalues, iuid, igid, imode. Binary
// form in either byte order (ima_canonical_fmt is little-endian; host order on a big-endian
// machine is big-endian), detected from the first record; ASCII form of every template above.
// Every template hash is recomputed from the template data. PCR replay per bank by both extend
// rules (see ExtendRule) and boot_aggregate recomputation from PCRs 0-9 live here too.
// Signature checks of the "sig" field: ima_signature.h.
#ifndef VEU_COMMON_IMA_IMA_LOG_H_
#define VEU_COMMON_IMA_IMA_LOG_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
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

enum class ByteOrder { kLittleEndian, kBigEndian };

struct ParseOptions {
  // TPM_ALG_ID of the logged template hashes. 0: detect. Binary logs: SHA-1 unless given (the
  // classic file; a per-bank file of Linux 6.10+ names its bank: pass it). ASCII logs: by the
  // hash's length (20 SHA-1, 48 SHA-384, 64 SHA-512; 32 SHA-256 or SM3, whichever the first
  // non-violation entry recomputes with, SHA-256 when neither does).
  uint16_t template_hash_alg = 0;
  // Binary logs: byte order of the integers; nullopt: detect from the first record's PCR.
  std::optional<ByteOrder> byte_order;
  // Record number of the first entry: a log's tail (the entries after those a verifier already
  // accepted, common/ima/incremental.h) keeps the record numbers of the whole log. Byte
  // offsets stay relative to the bytes given.
  size_t first_record = 0;
};

struct Entry {
  size_t record = 0;             // 0-based record number
  size_t offset = 0;             // byte offset of the record in the log (ASCII: of its line)
  uint32_t pcr = 0;
  std::string template_hash;     // as logged (all zero for a violation)
  std::string template_name;
  std::string template_data;     // raw bytes as logged ("ima": digest + name, unpadded)
  std::vector<std::string> fields;       // the template's fields in order
  std::vector<std::string> field_names;  // their ids ("d-ng", "n-ng", "sig"...); empty when
                                         // the template name is neither built in nor a format
  bool template_known = false;   // the name is a built-in template or a valid format string
  bool violation = false;        // logged template hash is all zero
  bool template_hash_ok = false; // recomputed hash equals the logged one (false for violations)
  std::string file_digest;       // first field as logged (ima-ng: "alg:" NUL digest)
  std::string path;              // the n / n-ng field without its trailing NUL
  // Decoded from the digest field (d, d-ng or d-ngv2): algorithm name as the kernel writes it
  // ("sha256"; "sha1" for d), d-ngv2's type ("ima" or "verity"), and the raw digest.
  std::string digest_alg;
  std::string digest_type;
  std::string digest;
  std::string signature;         // sig (empty when none)
  std::string buf;               // buf
  std::string modsig_digest_alg; // d-modsig
  std::string modsig_digest;
  std::string modsig;            // modsig
};

struct ParsedLog {
  std::vector<Entry> entries;
  size_t violations = 0;
  std::vector<size_t> bad_template_hashes;  // record numbers
  ByteOrder byte_order = ByteOrder::kLittleEndian;
  uint16_t template_hash_alg = 0x0004;      // TPM_ALG_ID of the logged template hashes
};

// Parses a binary IMA log. Fails with InvalidArgument naming the record number and byte
// offset for a truncated record (a trailing partial record included), an oversize length,
// a field count that does not fit the template, a digest field whose algorithm is unknown or
// whose length is not the algorithm's, or malformed template data; never reads past `bytes`.
// A template hash that does not recompute is not an error: it is listed in
// bad_template_hashes. Thread-safe (no shared state).
absl::StatusOr<ParsedLog> ParseBinary(std::string_view bytes, const ParseOptions& options = {});

// Parses the ASCII form: "PCR TEMPLATE_HASH TEMPLATE_NAME FIELD..." with each field printed as
// the kernel prints it (digests "alg:hex", d-ngv2 "type:alg:hex", names verbatim, sig, buf and
// modsig hex, iuid/igid/imode decimal). The template data is rebuilt from the printed fields
// (in little-endian order) so every template hash is recomputed as for the binary form. The
// name field is taken whole even with spaces: the fields after it are the last tokens.
// Trailing fields a line lacks are empty. Other templates, bad hex, an unknown digest
// algorithm or a digest of the wrong length fail with InvalidArgument naming the line
// (1-based). Thread-safe.
absl::StatusOr<ParsedLog> ParseAscii(std::string_view text, const ParseOptions& options = {});

// True when `bytes` looks like the ASCII form ("10 <hex> ..."), false for the binary form.
bool LooksAscii(std::string_view bytes);

// How the kernel extended a non-SHA-1 bank.
enum class ExtendRule {
  kPerBank,     // Linux >= 5.8: the bank's hash of the template data; violations 0xff x size
  kPaddedSha1,  // before: the SHA-1 template hash zero-padded; violations 0xff x 20, padded
};
const char* ExtendRuleName(ExtendRule rule);  // "per-bank", "padded-sha1"

// Template hash of `e` for bank `alg` (kPerBank rule): the bank's hash of the template data
// ("ima": digest + name padded to 256 bytes). The logged hash when `alg` is the log's own
// template-hash algorithm (that is what the kernel extended). Empty for an algorithm OpenSSL
// cannot compute. Thread-safe.
std::string BankTemplateHash(const ParsedLog& log, const Entry& e, uint16_t alg);

// PCR values of bank `alg` (TPM_ALG_ID) after extending every entry from zero by `rule`,
// for every PCR the log extends (PCR 10 unless a policy rule named another). Empty map for an
// algorithm OpenSSL cannot compute. Thread-safe.
std::map<uint32_t, std::string> Replay(const ParsedLog& log, uint16_t alg, ExtendRule rule);

// The rule by which `log` replays PCR `pcr` of bank `alg` to `quoted`: per-bank first, then
// padded SHA-1 (as evmctl tries them); nullopt when neither does. For SHA-1 both rules agree
// and kPerBank is returned. Thread-safe.
std::optional<ExtendRule> MatchingRule(const ParsedLog& log, uint16_t alg, uint32_t pcr,
                                       std::string_view quoted);

// PCR 10 SHA-1 bank after extending every entry's template hash from zero; a violation
// extends 0xff x 20 (as the kernel does). Returns 20 raw bytes.
std::string ReplaySha1(const ParsedLog& log);

// boot_aggregate as the kernel computes it from the TPM bank `alg`: H(PCR0 || ... || PCR7),
// and for a non-SHA-1 bank also PCR8 || PCR9 (Linux >= 5.8). `pcrs` maps a PCR index to its
// value in that bank; a PCR it lacks counts as zero (never extended). Empty for an algorithm
// OpenSSL cannot compute. Thread-safe.
std::string BootAggregate(uint16_t alg, const std::map<uint32_t, std::string>& pcrs);

struct BootAggregateCheck {
  bool present = false;   // the first entry is named "boot_aggregate"
  bool zero = false;      // its digest is all zero (no TPM when IMA started)
  bool bank_known = false;  // its algorithm is a bank `pcrs` holds and OpenSSL computes
  uint16_t alg = 0;
  std::string logged;     // raw digest from the log
  std::string computed;   // raw digest recomputed (empty when !bank_known)
  bool matches = false;
};

// Checks the first entry's boot_aggregate against PCR values by bank (TPM_ALG_ID -> PCR ->
// value, e.g. replayed from the firmware event log or quoted). Thread-safe.
BootAggregateCheck CheckBootAggregate(
    const ParsedLog& log, const std::map<uint16_t, std::map<uint32_t, std::string>>& pcrs);

// TPM_ALG_ID for a kernel digest-algorithm name ("sha1", "sha256", "sha384", "sha512",
// "sm3"/"sm3_256"), or 0 for one without a TPM bank we compute.
uint16_t TpmAlgForImaName(std::string_view name);

}  // namespace veu::ima

#endif  // VEU_COMMON_IMA_IMA_LOG_H_
