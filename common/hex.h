// Hexadecimal encoding of byte strings, as used in CLIs, JSON and logs.
#ifndef VEU_COMMON_HEX_H_
#define VEU_COMMON_HEX_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace veu {

// Lowercase hex of `bytes`.
std::string ToHex(std::string_view bytes);

// Decodes hex (either case, optional "0x" prefix). Fails with InvalidArgument
// on odd length or a non-hex character, naming its position.
absl::StatusOr<std::string> FromHex(std::string_view hex);

}  // namespace veu

#endif  // VEU_COMMON_HEX_H_
