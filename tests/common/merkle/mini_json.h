// A minimal, strict JSON (RFC 8259) reader for the Merkle tests' fixture files only: the
// project has no JSON library. Objects, arrays, strings (all escapes; \u to UTF-8),
// numbers (kept as text), true, false, null. Duplicate keys and trailing data are errors.
#ifndef VEU_TESTS_COMMON_MERKLE_MINI_JSON_H_
#define VEU_TESTS_COMMON_MERKLE_MINI_JSON_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace veu::merkle::testing {

class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Type type() const { return type_; }
  bool is_object() const { return type_ == Type::kObject; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_string() const { return type_ == Type::kString; }

  // Accessors fail with InvalidArgument naming the expected type or the missing key.
  absl::StatusOr<std::string> String() const;
  absl::StatusOr<uint64_t> Uint64() const;  // non-negative integer numbers only
  absl::StatusOr<const Json*> Get(const std::string& key) const;
  absl::StatusOr<const std::vector<Json>*> Array() const;
  absl::StatusOr<const std::map<std::string, Json>*> Object() const;

  // Parses a whole document; InvalidArgument with the byte offset on any error.
  static absl::StatusOr<Json> Parse(std::string_view text);

 private:
  friend class JsonParser;
  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string text_;  // string value, or the number's literal text
  std::vector<Json> array_;
  std::map<std::string, Json> object_;
};

// Reads and parses a file; NotFound if it cannot be read.
absl::StatusOr<Json> ReadJsonFile(const std::string& path);

}  // namespace veu::merkle::testing

#endif  // VEU_TESTS_COMMON_MERKLE_MINI_JSON_H_
