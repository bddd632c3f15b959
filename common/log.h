// Operational log lines: "<UTC time> <component>: <what happened to whom>". Never secrets:
// callers pass IDs and outcomes, not nonces, tokens or keys.
#ifndef VEU_COMMON_LOG_H_
#define VEU_COMMON_LOG_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace veu {

void Log(std::string_view component, std::string_view message);

// A string from a peer (host name, agent version, site name), made safe to put in a log line
// or an event: control characters, backslash and bytes >= 0x7f become \xNN escapes (so a peer
// cannot forge lines), and input beyond `max_bytes` is cut with a note of its full size.
std::string LogField(absl::string_view peer_text, size_t max_bytes = 128);

}  // namespace veu

#endif  // VEU_COMMON_LOG_H_
