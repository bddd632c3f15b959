// The agent's configuration: a text-format veu.v1.AgentConfig file, flags that override
// single fields, then defaults.
#ifndef VEU_AGENT_CONFIG_H_
#define VEU_AGENT_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "veu/v1/config.pb.h"

namespace veu::agent {

std::string AgentUsage();

struct AgentRunFlags {
  uint64_t rounds = 0;  // --rounds N: stop after N acknowledged reports
};

absl::StatusOr<veu::v1::AgentConfig> LoadAgentConfig(const std::vector<std::string>& args,
                                                     AgentRunFlags* run_flags);

}  // namespace veu::agent

#endif  // VEU_AGENT_CONFIG_H_
