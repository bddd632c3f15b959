#include "tests/common/merkle/mini_json.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace veu::merkle::testing {

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  absl::StatusOr<Json> Document() {
    ASSIGN_OR_RETURN(Json value, Value(0));
    SkipSpace();
    if (pos_ != text_.size()) return Error("trailing data after the JSON value");
    return value;
  }

 private:
  static constexpr int kMaxDepth = 64;

  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrFormat("JSON: %s at byte %d", what, pos_));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Consume(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }

  absl::StatusOr<Json> Value(int depth) {
    if (depth > kMaxDepth) return Error("nesting too deep");
    SkipSpace();
    if (pos_ >= text_.size()) return Error("unexpected end of input");
    Json out;
    const char c = text_[pos_];
    if (c == '{') {
      out.type_ = Json::Type::kObject;
      ++pos_;
      SkipSpace();
      if (Consume("}")) return out;
      while (true) {
        SkipSpace();
        if (pos_ >= text_.size() || text_[pos_] != '"') return Error("expected a string key");
        ASSIGN_OR_RETURN(std::string key, StringLiteral());
        SkipSpace();
        if (!Consume(":")) return Error("expected ':'");
        ASSIGN_OR_RETURN(Json member, Value(depth + 1));
        if (!out.object_.emplace(key, std::move(member)).second) {
          return Error(absl::StrFormat("duplicate key \"%s\"", key));
        }
        SkipSpace();
        if (Consume("}")) return out;
        if (!Consume(",")) return Error("expected ',' or '}'");
      }
    }
    if (c == '[') {
      out.type_ = Json::Type::kArray;
      ++pos_;
      SkipSpace();
      if (Consume("]")) return out;
      while (true) {
        ASSIGN_OR_RETURN(Json element, Value(depth + 1));
        out.array_.push_back(std::move(element));
        SkipSpace();
        if (Consume("]")) return out;
        if (!Consume(",")) return Error("expected ',' or ']'");
      }
    }
    if (c == '"') {
      out.type_ = Json::Type::kString;
      ASSIGN_OR_RETURN(out.text_, StringLiteral());
      return out;
    }
    if (Consume("true")) {
      out.type_ = Json::Type::kBool;
      out.bool_ = true;
      return out;
    }
    if (Consume("false")) {
      out.type_ = Json::Type::kBool;
      return out;
    }
    if (Consume("null")) return out;
    out.type_ = Json::Type::kNumber;
    ASSIGN_OR_RETURN(out.text_, NumberLiteral());
    return out;
  }

  bool IsDigit(size_t at) const {
    return at < text_.size() && text_[at] >= '0' && text_[at] <= '9';
  }

  absl::StatusOr<std::string> NumberLiteral() {
    const size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    if (!IsDigit(pos_)) return Error("expected a value");
    if (text_[pos_] == '0') {
      ++pos_;
    } else {
      while (IsDigit(pos_)) ++pos_;
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!IsDigit(pos_)) return Error("expected a digit after '.'");
      while (IsDigit(pos_)) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!IsDigit(pos_)) return Error("expected a digit in the exponent");
      while (IsDigit(pos_)) ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  absl::StatusOr<uint32_t> Hex4() {
    if (pos_ + 4 > text_.size()) return Error("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = text_[pos_++];
      v <<= 4;
      if (h >= '0' && h <= '9') {
        v |= static_cast<uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        v |= static_cast<uint32_t>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        v |= static_cast<uint32_t>(h - 'A' + 10);
      } else {
        return Error("bad hex digit in \\u escape");
      }
    }
    return v;
  }

  static void AppendUtf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  absl::StatusOr<std::string> StringLiteral() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) return Error("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return Error("unterminated escape");
      const char e = text_[pos_++];
      switch (e) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          ASSIGN_OR_RETURN(uint32_t cp, Hex4());
          if (cp >= 0xD800 && cp < 0xDC00) {
            if (!Consume("\\u")) return Error("unpaired high surrogate");
            ASSIGN_OR_RETURN(uint32_t low, Hex4());
            if (low < 0xDC00 || low >= 0xE000) return Error("bad low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            return Error("unpaired low surrogate");
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return Error("unknown escape");
      }
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

absl::StatusOr<Json> Json::Parse(std::string_view text) { return JsonParser(text).Document(); }

absl::StatusOr<std::string> Json::String() const {
  if (type_ != Type::kString) return absl::InvalidArgumentError("JSON value is not a string");
  return text_;
}

absl::StatusOr<uint64_t> Json::Uint64() const {
  const auto not_uint64 = [&] {
    return absl::InvalidArgumentError(
        absl::StrFormat("JSON value '%s' is not an integer in [0, 2^64)", text_));
  };
  if (type_ != Type::kNumber || text_.empty() ||
      text_.find_first_not_of("0123456789") != std::string::npos) {
    return not_uint64();
  }
  uint64_t value = 0;
  for (char c : text_) {
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return not_uint64();
    value = value * 10 + digit;
  }
  return value;
}

absl::StatusOr<const Json*> Json::Get(const std::string& key) const {
  if (type_ != Type::kObject) return absl::InvalidArgumentError("JSON value is not an object");
  auto it = object_.find(key);
  if (it == object_.end()) {
    return absl::InvalidArgumentError(absl::StrFormat("JSON object has no key \"%s\"", key));
  }
  return &it->second;
}

absl::StatusOr<const std::vector<Json>*> Json::Array() const {
  if (type_ != Type::kArray) return absl::InvalidArgumentError("JSON value is not an array");
  return &array_;
}

absl::StatusOr<const std::map<std::string, Json>*> Json::Object() const {
  if (type_ != Type::kObject) return absl::InvalidArgumentError("JSON value is not an object");
  return &object_;
}

absl::StatusOr<Json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrFormat("cannot read %s", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  absl::StatusOr<Json> parsed = Json::Parse(contents.str());
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: %s", path, parsed.status().message()));
  }
  return parsed;
}

}  // namespace veu::merkle::testing
