#include "verifier/reports/jcs.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "common/status_macros.h"

namespace veu::verifier {
namespace {

// UTF-16 code units of a valid UTF-8 string (json_value.h guarantees validity).
std::u16string Utf16(std::string_view s) {
  std::u16string out;
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0;
    size_t len = 1;
    if (b0 < 0x80) {
      cp = b0;
    } else if (b0 < 0xE0) {
      cp = b0 & 0x1F;
      len = 2;
    } else if (b0 < 0xF0) {
      cp = b0 & 0x0F;
      len = 3;
    } else {
      cp = b0 & 0x07;
      len = 4;
    }
    for (size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

void AppendString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

void Append(const JsonValue& v, std::string* out) {
  switch (v.kind) {
    case JsonValue::Kind::kNull: out->append("null"); return;
    case JsonValue::Kind::kBool: out->append(v.boolean ? "true" : "false"); return;
    case JsonValue::Kind::kNumber: out->append(std::to_string(v.number)); return;
    case JsonValue::Kind::kString: AppendString(v.string, out); return;
    case JsonValue::Kind::kArray: {
      out->push_back('[');
      for (size_t i = 0; i < v.array.size(); ++i) {
        if (i > 0) out->push_back(',');
        Append(v.array[i], out);
      }
      out->push_back(']');
      return;
    }
    case JsonValue::Kind::kObject: {
      std::vector<std::pair<std::u16string, const std::pair<std::string, JsonValue>*>> members;
      members.reserve(v.object.size());
      for (const auto& m : v.object) members.emplace_back(Utf16(m.first), &m);
      // Keys are unique (the parser refuses duplicates), so this order is total.
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out->push_back('{');
      for (size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendString(members[i].second->first, out);
        out->push_back(':');
        Append(members[i].second->second, out);
      }
      out->push_back('}');
      return;
    }
  }
}

}  // namespace

std::string CanonicalJson(const JsonValue& value) {
  std::string out;
  Append(value, &out);
  return out;
}

absl::StatusOr<std::string> CanonicalizeJson(std::string_view json_text) {
  ASSIGN_OR_RETURN(JsonValue value, ParseJson(json_text));
  return CanonicalJson(value);
}

}  // namespace veu::verifier
