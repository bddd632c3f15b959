#include "verifier/reports/json_value.h"

#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "common/utf8.h"

namespace veu::verifier {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<JsonValue> Document() {
    SkipWhitespace();
    ASSIGN_OR_RETURN(JsonValue value, Value(0));
    SkipWhitespace();
    if (pos_ != text_.size()) return Error("unexpected content after the JSON value");
    return value;
  }

 private:
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrFormat("JSON at byte %d: %s", pos_, std::string(what)));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  void SkipWhitespace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) {
      ++pos_;
    }
  }

  bool Consume(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }

  absl::StatusOr<JsonValue> Value(int depth) {
    if (depth > kMaxJsonDepth) return Error("nested deeper than the limit");
    if (AtEnd()) return Error("a value was expected, the text ended");
    JsonValue v;
    const char c = Peek();
    if (c == '{') return Object(depth);
    if (c == '[') return Array(depth);
    if (c == '"') {
      v.kind = JsonValue::Kind::kString;
      ASSIGN_OR_RETURN(v.string, String());
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return Number();
    if (Consume("true")) {
      v.kind = JsonValue::Kind::kBool;
      v.boolean = true;
      return v;
    }
    if (Consume("false")) {
      v.kind = JsonValue::Kind::kBool;
      return v;
    }
    if (Consume("null")) return v;
    return Error("a value was expected");
  }

  absl::StatusOr<JsonValue> Object(int depth) {
    JsonValue v;
    v.kind = JsonValue::Kind::kObject;
    ++pos_;  // '{'
    std::set<std::string> keys;
    SkipWhitespace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return v;
    }
    while (true) {
      SkipWhitespace();
      if (AtEnd() || Peek() != '"') return Error("an object key (a string) was expected");
      const size_t key_pos = pos_;
      ASSIGN_OR_RETURN(std::string key, String());
      if (!keys.insert(key).second) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "JSON at byte %d: duplicate object key \"%s\" (I-JSON forbids it)", key_pos, key));
      }
      SkipWhitespace();
      if (AtEnd() || Peek() != ':') return Error("':' was expected after an object key");
      ++pos_;
      SkipWhitespace();
      ASSIGN_OR_RETURN(JsonValue member, Value(depth + 1));
      v.object.emplace_back(std::move(key), std::move(member));
      SkipWhitespace();
      if (AtEnd()) return Error("the object is not closed");
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        return v;
      }
      return Error("',' or '}' was expected in an object");
    }
  }

  absl::StatusOr<JsonValue> Array(int depth) {
    JsonValue v;
    v.kind = JsonValue::Kind::kArray;
    ++pos_;  // '['
    SkipWhitespace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return v;
    }
    while (true) {
      SkipWhitespace();
      ASSIGN_OR_RETURN(JsonValue element, Value(depth + 1));
      v.array.push_back(std::move(element));
      SkipWhitespace();
      if (AtEnd()) return Error("the array is not closed");
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        return v;
      }
      return Error("',' or ']' was expected in an array");
    }
  }

  // Integers only: -?(0|[1-9][0-9]*), magnitude at most 2^53.
  absl::StatusOr<JsonValue> Number() {
    const size_t start = pos_;
    bool negative = false;
    if (Peek() == '-') {
      negative = true;
      ++pos_;
    }
    if (AtEnd() || Peek() < '0' || Peek() > '9') return Error("a digit was expected");
    const size_t digits_start = pos_;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    const std::string_view digits = text_.substr(digits_start, pos_ - digits_start);
    if (!AtEnd() && (Peek() == '.' || Peek() == 'e' || Peek() == 'E')) {
      pos_ = start;
      return Error(
          "the number has a fraction or exponent; only integers are accepted (RFC 8785 would "
          "need ES6 double formatting for it)");
    }
    if (digits.size() > 1 && digits[0] == '0') {
      pos_ = start;
      return Error("a number with a leading zero is not JSON");
    }
    if (digits.size() > 16) {
      pos_ = start;
      return Error("the integer is beyond 2^53, where JSON numbers stop being exact");
    }
    int64_t magnitude = 0;
    for (char d : digits) magnitude = magnitude * 10 + (d - '0');
    if (magnitude > kMaxJsonInteger) {
      pos_ = start;
      return Error("the integer is beyond 2^53, where JSON numbers stop being exact");
    }
    JsonValue v;
    v.kind = JsonValue::Kind::kNumber;
    v.number = negative ? -magnitude : magnitude;
    return v;
  }

  absl::StatusOr<uint32_t> Hex4() {
    if (text_.size() - pos_ < 4) return Error("\\u needs four hex digits");
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_ + i];
      value <<= 4;
      if (c >= '0' && c <= '9') value |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') value |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') value |= static_cast<uint32_t>(c - 'A' + 10);
      else return Error("\\u needs four hex digits");
    }
    pos_ += 4;
    return value;
  }

  // One well-formed UTF-8 sequence starting at pos_ (not ASCII), copied to `out`.
  absl::Status Utf8Sequence(std::string* out) {
    const auto b0 = static_cast<unsigned char>(Peek());
    size_t len = 0;
    uint32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return Error("invalid UTF-8");
    }
    if (text_.size() - pos_ < len) return Error("invalid UTF-8 (truncated sequence)");
    for (size_t i = 1; i < len; ++i) {
      const auto b = static_cast<unsigned char>(text_[pos_ + i]);
      if ((b & 0xC0) != 0x80) return Error("invalid UTF-8");
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return Error("invalid UTF-8 (overlong or out of range)");
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) return Error("invalid UTF-8 (encoded surrogate)");
    out->append(text_.substr(pos_, len));
    pos_ += len;
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> String() {
    ++pos_;  // '"'
    std::string out;
    while (true) {
      if (AtEnd()) return Error("the string is not closed");
      const auto c = static_cast<unsigned char>(Peek());
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) return Error("a control character must be escaped in a string");
      if (c >= 0x80) {
        RETURN_IF_ERROR(Utf8Sequence(&out));
        continue;
      }
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      ++pos_;
      if (AtEnd()) return Error("the string ends in a backslash");
      const char e = Peek();
      ++pos_;
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          ASSIGN_OR_RETURN(uint32_t cp, Hex4());
          if (cp >= 0xDC00 && cp <= 0xDFFF) return Error("lone low surrogate escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!Consume("\\u")) return Error("high surrogate escape without its low half");
            ASSIGN_OR_RETURN(uint32_t low, Hex4());
            if (low < 0xDC00 || low > 0xDFFF) {
              return Error("high surrogate escape without its low half");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(cp, &out);
          break;
        }
        default:
          --pos_;
          return Error("unknown escape in a string");
      }
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (kind != Kind::kObject) return nullptr;
  for (const auto& [k, v] : object) {
    if (k == key) return &v;
  }
  return nullptr;
}

absl::StatusOr<JsonValue> ParseJson(std::string_view text) { return Parser(text).Document(); }

}  // namespace veu::verifier
