// Strings that arrive from peers: enrolment requests (before any authentication), hellos on the
// stream, and text inside agents' reports. Each is bounded and checked here before it is stored
// or logged, and every one that reaches a log line also goes through LogField (common/log.h),
// so a peer can neither fill the disk with one request nor write lines of its own into the log
// (issue 17).
// Pure; thread-safe.
#ifndef VEU_COMMON_PEER_TEXT_H_
#define VEU_COMMON_PEER_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace veu {

// Upper bounds, in bytes, of each string a peer sends. Chosen well above any real value:
// site names are set by an administrator (`veuctl site add`), hostnames by RFC 1123 (253),
// tokens are "veu1." + 48 hex digits, versions are "0.1.0"-like.
inline constexpr size_t kMaxSiteNameBytes = 128;
inline constexpr size_t kMaxHostnameBytes = 253;
inline constexpr size_t kMaxEnrollmentTokenBytes = 128;
inline constexpr size_t kMaxAgentVersionBytes = 64;
inline constexpr size_t kMaxAgentIdBytes = 64;  // hex SHA-256 of the EK

// Each returns OK or InvalidArgument "<what>: <why>" naming the bound or the first offending
// byte's offset (the value itself is not echoed: it is the peer's, and may be huge).

// A site name as `veuctl site add` accepts it: 1..kMaxSiteNameBytes bytes of valid UTF-8
// without control characters (C0, DEL, C1).
absl::Status CheckSiteName(std::string_view name);
// A hostname: empty (it is informational) or 1..kMaxHostnameBytes of [A-Za-z0-9._-].
absl::Status CheckHostname(std::string_view hostname);
// An enrolment token: empty (an allowed EK needs none) or at most kMaxEnrollmentTokenBytes
// of printable ASCII.
absl::Status CheckEnrollmentToken(std::string_view token);
// An agent's version string: at most kMaxAgentVersionBytes of printable ASCII.
absl::Status CheckAgentVersion(std::string_view version);
// An agent ID: 1..kMaxAgentIdBytes of lowercase hex (what AgentIdForEk makes).
absl::Status CheckAgentId(std::string_view agent_id);

}  // namespace veu

#endif  // VEU_COMMON_PEER_TEXT_H_
