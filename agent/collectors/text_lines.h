// Line splitting shared by the /etc parsers: bounded, NUL-free, with 1-based line numbers.
#ifndef VEU_AGENT_COLLECTORS_TEXT_LINES_H_
#define VEU_AGENT_COLLECTORS_TEXT_LINES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/views.h"

namespace veu::collectors {

inline constexpr size_t kMaxLines = 100000;
inline constexpr size_t kMaxLineBytes = 16384;

struct TextLine {
  uint32_t number;        // 1-based
  std::string_view text;  // without the newline (and without a trailing '\r')
};

// Splits `text` into lines. InvalidArgument "path:N: ..." on a NUL byte, a line longer than
// kMaxLineBytes or more than kMaxLines lines. The views point into `text`.
absl::StatusOr<std::vector<TextLine>> SplitLines(std::string_view text, std::string_view path);
template <TemporaryString S>
absl::StatusOr<std::vector<TextLine>> SplitLines(S&&, std::string_view path) = delete;

// Strips ASCII whitespace from both ends.
std::string_view Trim(std::string_view s);

// Debian's Abseil 20220623 has its own absl::string_view (not std::string_view), so the few
// string helpers the parsers need work on std::string_view here, plus explicit converters.
std::vector<std::string_view> Split(std::string_view s, char sep, bool skip_empty = false);
std::vector<std::string_view> SplitAny(std::string_view s, std::string_view seps,
                                       bool skip_empty = true);
std::string ToLower(std::string_view s);
inline absl::string_view AbslView(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view StdView(absl::string_view s) { return {s.data(), s.size()}; }
// Printable rendering of untrusted text for messages (C escapes), at most `max` input bytes.
std::string Escaped(std::string_view s, size_t max = 64);

}  // namespace veu::collectors

#endif  // VEU_AGENT_COLLECTORS_TEXT_LINES_H_
