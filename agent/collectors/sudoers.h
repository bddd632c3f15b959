// sudoers(5) reader: rules that let someone act as root, NOPASSWD among them, following
// #include/@include and #includedir/@includedir. It extracts facts; it does not decide policy.
#ifndef VEU_AGENT_COLLECTORS_SUDOERS_H_
#define VEU_AGENT_COLLECTORS_SUDOERS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "agent/collectors/root_fs.h"
#include "veu/v1/inventory.pb.h"

namespace veu::collectors {

inline constexpr std::string_view kSudoersPath = "/etc/sudoers";
inline constexpr int kMaxSudoersIncludeDepth = 8;

struct SudoersInclude {
  std::string path;        // as written (relative paths resolve against the including file)
  bool directory = false;  // includedir
  uint32_t line = 0;
};

// One file's contents. Rules keep principals/runas/commands as written; aliases are expanded
// by ResolveSudoRules once every file is read.
struct SudoersFile {
  std::vector<v1::SudoRule> rules;
  std::vector<SudoersInclude> includes;  // in file order
  std::map<std::string, std::vector<std::string>> user_aliases, runas_aliases, cmnd_aliases;
  std::vector<v1::CollectionError> errors;  // malformed lines (parsing continues after one)
  std::vector<std::string> authenticate_disabled_at;  // "path:line" of `Defaults !authenticate`
};

// Parses one sudoers file. Pure. Line continuations ("\" at end), comments, Defaults,
// User_/Runas_/Host_/Cmnd_Alias, user specifications with (runas), tags (NOPASSWD: ...) and
// options. A line it cannot understand is an error "path:line: ..." in `errors`; parsing
// continues so one bad line does not hide the rest.
SudoersFile ParseSudoers(std::string_view text, std::string_view path);

// Reads /etc/sudoers and its includes (depth <= kMaxSudoersIncludeDepth, each file once),
// expands aliases, and fills `out` (rules with grants_root/all_commands/nopasswd, files_read).
// Missing /etc/sudoers is not an error (no sudo installed); unreadable or malformed files are
// appended to `errors`.
void CollectSudoers(const RootFs& fs, v1::SudoFacts* out, std::vector<v1::CollectionError>* errors);

}  // namespace veu::collectors

#endif  // VEU_AGENT_COLLECTORS_SUDOERS_H_
