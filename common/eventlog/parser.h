// Parses TCG PC Client firmware event logs (binary_bios_measurements): the legacy SHA-1
// format and the crypto-agile format (TCG PFP 1.05, sections 10.2 and 10.4).
#ifndef VEU_COMMON_EVENTLOG_PARSER_H_
#define VEU_COMMON_EVENTLOG_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/eventlog/event_log.h"

namespace veu::eventlog {

// Sanity limits: far above any real firmware log, low enough to bound memory.
inline constexpr size_t kMaxLogBytes = 64u << 20;
inline constexpr size_t kMaxEvents = 1u << 20;
inline constexpr uint32_t kMaxEventDataBytes = 16u << 20;
inline constexpr uint32_t kMaxAlgorithms = 16;
inline constexpr uint32_t kMaxPcrIndex = 31;

// Parses `bytes` (copied into the result). Digests of algorithms the header lists but we
// cannot hash are skipped using the header's sizes. Every record's digest is also checked
// against its data where the profile defines it so (Event::binding). Pure; thread-safe.
// Fails with InvalidArgument naming the byte offset and record number if any length,
// count or algorithm is inconsistent with the buffer, the header or the limits above;
// never reads out of bounds.
absl::StatusOr<UnverifiedEventLog> ParseEventLog(std::string_view bytes);

}  // namespace veu::eventlog

#endif  // VEU_COMMON_EVENTLOG_PARSER_H_
