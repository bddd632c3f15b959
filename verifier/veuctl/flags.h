// veuctl's commands use the project's flag parser (common/flags.h) under this name.
#ifndef VEU_VERIFIER_VEUCTL_FLAGS_H_
#define VEU_VERIFIER_VEUCTL_FLAGS_H_

#include "common/flags.h"

namespace veu::veuctl {
using ::veu::ParsedFlags;
using ::veu::ParseFlags;
}  // namespace veu::veuctl

#endif  // VEU_VERIFIER_VEUCTL_FLAGS_H_
