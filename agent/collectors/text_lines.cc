#include "agent/collectors/text_lines.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"

namespace veu::collectors {

absl::StatusOr<std::vector<TextLine>> SplitLines(std::string_view text, std::string_view path) {
  std::vector<TextLine> lines;
  uint32_t number = 0;
  while (!text.empty()) {
    ++number;
    if (lines.size() >= kMaxLines) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s:%d: more than %d lines; refusing to parse", path, number, kMaxLines));
    }
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.size() > kMaxLineBytes) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s:%d: line is %d bytes long, more than %d allowed", path, number,
                          line.size(), kMaxLineBytes));
    }
    if (line.find('\0') != std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s:%d: NUL byte at column %d; this is not a text file", path, number,
                          line.find('\0') + 1));
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({number, line});
  }
  return lines;
}

std::string_view Trim(std::string_view s) {
  auto space = [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep, bool skip_empty) {
  std::vector<std::string_view> out;
  for (;;) {
    const size_t pos = s.find(sep);
    std::string_view part = s.substr(0, pos);
    if (!(skip_empty && part.empty())) out.push_back(part);
    if (pos == std::string_view::npos) break;
    s.remove_prefix(pos + 1);
  }
  return out;
}

std::vector<std::string_view> SplitAny(std::string_view s, std::string_view seps, bool skip_empty) {
  std::vector<std::string_view> out;
  for (;;) {
    const size_t pos = s.find_first_of(seps);
    std::string_view part = s.substr(0, pos);
    if (!(skip_empty && part.empty())) out.push_back(part);
    if (pos == std::string_view::npos) break;
    s.remove_prefix(pos + 1);
  }
  return out;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return out;
}

std::string Escaped(std::string_view s, size_t max) {
  return absl::CHexEscape(AbslView(s.substr(0, max)));
}

}  // namespace veu::collectors
