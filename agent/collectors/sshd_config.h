// sshd_config reader: the effective values of the settings that matter for remote access,
// following Include (with globs) the way sshd does: the first value wins; AllowUsers/
// AllowGroups/DenyUsers/DenyGroups accumulate; Match blocks are recorded, not applied.
#ifndef VEU_AGENT_COLLECTORS_SSHD_CONFIG_H_
#define VEU_AGENT_COLLECTORS_SSHD_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "agent/collectors/root_fs.h"
#include "veu/v1/inventory.pb.h"

namespace veu::collectors {

inline constexpr std::string_view kSshdConfigPath = "/etc/ssh/sshd_config";
inline constexpr int kMaxSshdIncludeDepth = 16;  // sshd's own limit

// The keywords reported, in canonical spelling, with sshd's compiled-in defaults.
struct SshdKeyword {
  std::string_view name;
  std::string_view default_value;
};
const std::vector<SshdKeyword>& SshdKeywords();

// Reads /etc/ssh/sshd_config and its Includes into `out`: every keyword of SshdKeywords() is
// listed (is_default when no file sets it outside a Match block). Bad values of the tracked
// keywords (e.g. "PermitRootLogin maybe"), unterminated quotes, a Match without criteria
// and unreadable Include targets go to `errors` as "path:line: ..."; sshd itself would refuse
// such a file. A missing sshd_config gives present = false.
void CollectSshdConfig(const RootFs& fs, v1::SshdFacts* out,
                       std::vector<v1::CollectionError>* errors);

// Matches `name` against a shell glob (*, ?, [...]) as fnmatch(3) without flags.
bool GlobMatch(std::string_view pattern, std::string_view name);

}  // namespace veu::collectors

#endif  // VEU_AGENT_COLLECTORS_SSHD_CONFIG_H_
