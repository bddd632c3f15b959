#include "verifier/service/site_status.h"

#include <optional>
#include <vector>

#include "common/status_macros.h"
#include "verifier/appraisal/site_rollup.h"

namespace veu::verifier {

absl::StatusOr<veu::v1::SiteStatus> ReadSiteStatus(Store& store, const std::string& site_name,
                                                   absl::Time now, absl::Duration stale_after) {
  ASSIGN_OR_RETURN(veu::v1::Site site, store.GetSite(site_name));
  ASSIGN_OR_RETURN(std::vector<veu::v1::AgentRecord> agents, store.ListAgents(site_name));
  std::vector<NodeState> nodes;
  for (const auto& agent : agents) {
    NodeState node{agent, std::nullopt};
    absl::StatusOr<veu::v1::Appraisal> latest = store.LatestAppraisal(agent.agent_id());
    if (latest.ok()) {
      node.latest = *std::move(latest);
    } else if (!absl::IsNotFound(latest.status())) {
      return latest.status();
    }
    nodes.push_back(std::move(node));
  }
  return RollUpSite(site, nodes, now, stale_after);
}

}  // namespace veu::verifier
