#include "agent/collectors/accounts.h"

#include <charconv>

#include "absl/strings/str_format.h"
#include "agent/collectors/text_lines.h"

namespace veu::collectors {
namespace {

absl::Status LineError(std::string_view path, uint32_t line, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat("%s:%d: %s", path, line, what));
}

bool ParseId(std::string_view s, uint32_t* out) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > 0xffffffffu) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

absl::Status CheckName(std::string_view name, std::string_view path, uint32_t line) {
  if (name.empty()) return LineError(path, line, "empty name in the first field");
  if (name[0] == '+' || name[0] == '-') {
    return LineError(path, line,
                     "NIS compat entry (+/-); not supported: resolve NIS accounts locally");
  }
  for (char c : name) {
    if (c <= ' ' || c == 0x7f) {
      return LineError(path, line, "name contains whitespace or a control character");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<PasswdEntry>> ParsePasswd(std::string_view text, std::string_view path) {
  auto lines = SplitLines(text, path);
  if (!lines.ok()) return lines.status();
  std::vector<PasswdEntry> out;
  for (const TextLine& l : *lines) {
    if (Trim(l.text).empty()) continue;
    std::vector<std::string_view> f = Split(l.text, ':');
    if (f.size() != 7) {
      return LineError(path, l.number,
                       absl::StrFormat("expected 7 ':'-separated fields "
                                       "(name:password:uid:gid:gecos:home:shell), found %d",
                                       f.size()));
    }
    if (absl::Status s = CheckName(f[0], path, l.number); !s.ok()) return s;
    PasswdEntry e;
    e.name = std::string(f[0]);
    if (!ParseId(f[2], &e.uid)) {
      return LineError(path, l.number, absl::StrFormat("uid \"%s\" is not a decimal number", f[2]));
    }
    if (!ParseId(f[3], &e.gid)) {
      return LineError(path, l.number, absl::StrFormat("gid \"%s\" is not a decimal number", f[3]));
    }
    e.home = std::string(f[5]);
    e.shell = std::string(f[6]);
    e.line = l.number;
    out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<std::vector<GroupEntry>> ParseGroup(std::string_view text, std::string_view path) {
  auto lines = SplitLines(text, path);
  if (!lines.ok()) return lines.status();
  std::vector<GroupEntry> out;
  for (const TextLine& l : *lines) {
    if (Trim(l.text).empty()) continue;
    std::vector<std::string_view> f = Split(l.text, ':');
    if (f.size() != 4) {
      return LineError(path, l.number,
                       absl::StrFormat("expected 4 ':'-separated fields "
                                       "(name:password:gid:members), found %d",
                                       f.size()));
    }
    if (absl::Status s = CheckName(f[0], path, l.number); !s.ok()) return s;
    GroupEntry g;
    g.name = std::string(f[0]);
    if (!ParseId(f[2], &g.gid)) {
      return LineError(path, l.number, absl::StrFormat("gid \"%s\" is not a decimal number", f[2]));
    }
    for (std::string_view m : Split(f[3], ',', /*skip_empty=*/true)) {
      g.members.emplace_back(Trim(m));
    }
    g.line = l.number;
    out.push_back(std::move(g));
  }
  return out;
}

bool IsLoginShell(std::string_view shell) {
  return !(shell.ends_with("/nologin") || shell.ends_with("/false") || shell == "/bin/sync");
}

}  // namespace veu::collectors
