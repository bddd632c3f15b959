// Text taken from evidence (firmware version strings, command lines, device paths) is not
// guaranteed to be UTF-8, but protobuf `string` fields must be: a message holding invalid
// UTF-8 serialises with an error and no longer parses back. Evidence-derived messages are
// therefore made valid before they are stored, escaping each invalid byte as "\xNN".
#ifndef VEU_COMMON_UTF8_H_
#define VEU_COMMON_UTF8_H_

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace veu {

// Appends code point `cp` (at most U+10FFFF, not a surrogate: the caller checks) as UTF-8.
inline void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// True if `s` is well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF).
bool IsValidUtf8(std::string_view s);

// `s` with every byte that is not part of a well-formed UTF-8 sequence replaced by "\xNN".
std::string ToValidUtf8(std::string_view s);

// Applies ToValidUtf8 to every string field of `message`, recursively (bytes fields are left
// alone). Returns the number of fields changed.
int MakeStringsValidUtf8(google::protobuf::Message* message);

}  // namespace veu

#endif  // VEU_COMMON_UTF8_H_
