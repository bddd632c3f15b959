// A strict JSON reader (RFC 8259 + I-JSON, RFC 7493) for signed reports: what a signature
// covers must have exactly one meaning, so this reader refuses what other readers would
// interpret differently: duplicate object keys, invalid UTF-8, lone surrogates (escaped or
// not), and numbers that are not integers in [-(2^53), 2^53] (the only numbers our reports
// carry, and the only ones whose RFC 8785 form needs no ES6 double formatting).
//
// Pure; thread-safe. Never reads outside the given text. Nesting is limited to kMaxJsonDepth.
#ifndef VEU_VERIFIER_REPORTS_JSON_VALUE_H_
#define VEU_VERIFIER_REPORTS_JSON_VALUE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace veu::verifier {

inline constexpr int kMaxJsonDepth = 64;
inline constexpr int64_t kMaxJsonInteger = int64_t{1} << 53;

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  int64_t number = 0;  // kNumber: an integer, |number| <= kMaxJsonInteger
  std::string string;  // kString: UTF-8, escapes resolved
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;  // file order; keys are unique

  // The member named `key` of an object, or nullptr (also for non-objects).
  const JsonValue* Find(std::string_view key) const;
};

// Parses one JSON text (surrounding whitespace allowed, nothing else). InvalidArgument
// naming the byte offset and what is wrong otherwise.
absl::StatusOr<JsonValue> ParseJson(std::string_view text);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_REPORTS_JSON_VALUE_H_
