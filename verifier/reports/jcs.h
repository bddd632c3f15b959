// RFC 8785 JSON Canonicalization Scheme (JCS), for the integer-only JSON our reports use:
//   - no whitespace;
//   - object members sorted by their keys' UTF-16 code units (so U+1F600, a surrogate pair
//     starting 0xD83D, sorts before U+FB33);
//   - strings: '"' and '\' escaped with a backslash, \b \t \n \f \r in short form, other
//     characters below U+0020 as \u00xx (lower-case hex), everything else as UTF-8;
//   - literals as is; numbers as ES6 Number.prototype.toString gives them, which for the
//     integers json_value.h admits is their plain decimal form ("-0" becomes "0").
// Non-integer numbers are refused (InvalidArgument) rather than formatted approximately.
// Pure; thread-safe.
#ifndef VEU_VERIFIER_REPORTS_JCS_H_
#define VEU_VERIFIER_REPORTS_JCS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "verifier/reports/json_value.h"

namespace veu::verifier {

// The canonical form of a parsed value. Cannot fail.
std::string CanonicalJson(const JsonValue& value);

// The canonical form of a JSON text; the errors of ParseJson.
absl::StatusOr<std::string> CanonicalizeJson(std::string_view json_text);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_REPORTS_JCS_H_
