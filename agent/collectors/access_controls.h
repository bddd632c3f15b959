// Access-control facts: privileged accounts (UID 0, admin groups, sudo grants) with their
// authorised SSH keys, sudo rules, sshd settings, audit, firewall, kernel LSM/lockdown and
// storage encryption of configured data paths. Each fact names its source file.
#ifndef VEU_AGENT_COLLECTORS_ACCESS_CONTROLS_H_
#define VEU_AGENT_COLLECTORS_ACCESS_CONTROLS_H_

#include <string>
#include <vector>

#include "agent/collectors/root_fs.h"
#include "veu/v1/inventory.pb.h"

namespace veu::collectors {

// Groups whose members are administrators by distribution convention.
inline constexpr const char* kAdminGroups[] = {"sudo", "wheel", "admin"};

struct AccessOptions {
  // Paths whose storage encryption is reported (e.g. model-weight directories).
  std::vector<std::string> data_paths;
};

// Collects everything under `fs`. Never fails: a missing or malformed file becomes an entry
// in `errors` (with file:line) and the facts it would have given are left out or unknown, so
// the verifier sees both what was found and what could not be read.
v1::AccessControls CollectAccessControls(const RootFs& fs, const AccessOptions& options);

}  // namespace veu::collectors

#endif  // VEU_AGENT_COLLECTORS_ACCESS_CONTROLS_H_
