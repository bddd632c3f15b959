// Operational log lines: "<UTC time> <component>: <what happened to whom>". Never secrets:
// callers pass IDs and outcomes, not nonces, tokens or keys.
#ifndef VEU_COMMON_LOG_H_
#define VEU_COMMON_LOG_H_

#include <string_view>

namespace veu {

void Log(std::string_view component, std::string_view message);

}  // namespace veu

#endif  // VEU_COMMON_LOG_H_
