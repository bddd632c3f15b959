// Shared by `veuctl agent revoke` and `veuctl agent allow AGENT` (the latter lives beside the
// EK form of `agent allow` in site_cmd.cc).
#ifndef VEU_VERIFIER_VEUCTL_AGENT_REVOKE_H_
#define VEU_VERIFIER_VEUCTL_AGENT_REVOKE_H_

#include <string>

#include "verifier/veuctl/flags.h"

namespace veu::veuctl {

// Allows revoked agent `agent` (id or unique prefix) again over the admin socket; the exit code.
int RunAgentReinstate(const std::string& agent, const ParsedFlags& flags);

}  // namespace veu::veuctl

#endif  // VEU_VERIFIER_VEUCTL_AGENT_REVOKE_H_
