// Text taken from evidence (firmware version strings, command lines, device paths) is not
// guaranteed to be UTF-8, but protobuf `string` fields must be: a message holding invalid
// UTF-8 serialises with an error and no longer parses back. Evidence-derived messages are
// therefore made valid before they are stored, escaping each invalid byte as "\xNN".
#ifndef VEU_COMMON_UTF8_H_
#define VEU_COMMON_UTF8_H_

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

namespace veu {

// True if `s` is well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF).
bool IsValidUtf8(std::string_view s);

// `s` with every byte that is not part of a well-formed UTF-8 sequence replaced by "\xNN".
std::string ToValidUtf8(std::string_view s);

// Applies ToValidUtf8 to every string field of `message`, recursively (bytes fields are left
// alone). Returns the number of fields changed.
int MakeStringsValidUtf8(google::protobuf::Message* message);

}  // namespace veu

#endif  // VEU_COMMON_UTF8_H_
