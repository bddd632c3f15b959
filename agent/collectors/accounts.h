// /etc/passwd and /etc/group parsers (strict: every malformed line is an error naming
// file:line) and the list of privileged accounts derived from them.
#ifndef VEU_AGENT_COLLECTORS_ACCOUNTS_H_
#define VEU_AGENT_COLLECTORS_ACCOUNTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace veu::collectors {

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string home;
  std::string shell;
  uint32_t line = 0;
};

struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;
  uint32_t line = 0;
};

// Parses passwd(5): seven ':'-separated fields, decimal uid/gid. Blank lines are skipped;
// anything else malformed (wrong field count, empty name, bad number, NIS "+"/"-" entries)
// is InvalidArgument "path:line: ...".
absl::StatusOr<std::vector<PasswdEntry>> ParsePasswd(std::string_view text, std::string_view path);

// Parses group(5): four ':'-separated fields, members comma-separated. Errors as ParsePasswd.
absl::StatusOr<std::vector<GroupEntry>> ParseGroup(std::string_view text, std::string_view path);

// True unless `shell` refuses logins (nologin, false, sync). An empty shell means /bin/sh.
bool IsLoginShell(std::string_view shell);

}  // namespace veu::collectors

#endif  // VEU_AGENT_COLLECTORS_ACCOUNTS_H_
