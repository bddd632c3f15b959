#include "common/log.h"

#include <cstdio>

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

}  // namespace veu
