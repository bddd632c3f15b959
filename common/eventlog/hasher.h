// Fast hashing for the event-log hot path: OpenSSL digests fetched once and a per-thread
// context reused, so replaying a log costs one hash per extend and nothing more.
#ifndef VEU_COMMON_EVENTLOG_HASHER_H_
#define VEU_COMMON_EVENTLOG_HASHER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace veu::eventlog {

inline constexpr size_t kMaxDigestBytes = 64;

// Writes H(a || b) for the TPM algorithm `alg` into `out` (at least kMaxDigestBytes) and
// returns its size, or 0 if the algorithm is not one OpenSSL can compute. Thread-safe.
size_t HashInto(uint16_t alg, std::string_view a, std::string_view b, uint8_t* out);

// True if H(data) == digest for `alg` (false for an unknown algorithm). Thread-safe.
bool DigestMatches(uint16_t alg, std::string_view digest, std::string_view data);

}  // namespace veu::eventlog

#endif  // VEU_COMMON_EVENTLOG_HASHER_H_
