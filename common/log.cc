#include "common/log.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace veu {

void Log(std::string_view component, std::string_view message) {
  // One write per line so lines from different threads do not interleave.
  // Abseil 20220623 in Debian has its own string_view type, so build the line by hand.
  std::string line = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line.append(" ").append(component).append(": ").append(message).append("\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::string LogField(absl::string_view peer_text, size_t max_bytes) {
  std::string out;
  const absl::string_view shown = peer_text.substr(0, max_bytes);
  out.reserve(shown.size());
  for (const char c : shown) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '\\') {
      absl::StrAppend(&out, absl::StrFormat("\\x%02x", byte));
    } else {
      out.push_back(c);
    }
  }
  if (peer_text.size() > max_bytes) {
    absl::StrAppend(&out, "...(", peer_text.size(), " bytes)");
  }
  return out;
}

}  // namespace veu
