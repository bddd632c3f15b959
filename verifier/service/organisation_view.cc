#include "verifier/service/organisation_view.h"

#include <vector>

#include "common/status_macros.h"
#include "verifier/appraisal/inventory_summary.h"
#include "veu/v1/facts.pb.h"

namespace veu::verifier {

absl::StatusOr<OrganisationContext> ReadOrganisationContext(Store& store,
                                                            const veu::v1::AgentRecord& agent,
                                                            const veu::v1::Site& site,
                                                            const std::string& facts_bytes) {
  OrganisationContext context;
  veu::v1::Facts claimed;
  if (claimed.ParseFromString(facts_bytes)) {
    const veu::v1::InventorySummary summary = SummariseInventory(claimed.inventory());
    std::vector<std::string> identities(summary.identities().begin(),
                                        summary.identities().end());
    ASSIGN_OR_RETURN(context.sightings, store.ListSightings(identities));
  }
  DiversionFilter open;
  open.site = site.name();
  open.open_only = true;
  open.limit = 1000;
  ASSIGN_OR_RETURN(context.open_diversions, store.ListDiversions(open));

  ASSIGN_OR_RETURN(std::vector<veu::v1::Site> sites, store.ListSites());
  for (const veu::v1::Site& other : sites) {
    const bool same_site = other.name() == site.name();
    // An organisation without a name is only itself.
    if (!same_site && (site.organisation().empty() || other.organisation() != site.organisation())) {
      continue;
    }
    ASSIGN_OR_RETURN(std::vector<veu::v1::AgentRecord> agents, store.ListAgents(other.name()));
    uint64_t tpp = 0;
    bool reported = false;
    for (const veu::v1::AgentRecord& a : agents) {
      if (a.agent_id() == agent.agent_id()) continue;  // its current report replaces it
      if (a.status() != veu::v1::AGENT_STATUS_ENROLLED || !a.last_inventory().reported()) continue;
      reported = true;
      tpp += a.last_inventory().tpp();
      if (same_site) {
        ++context.site_other_nodes;
        context.site_other_accelerators += a.last_inventory().count();
        context.site_other_tpp += a.last_inventory().tpp();
      }
    }
    if (same_site) {
      if (tpp > 0) context.organisation_sites.push_back({site.country(), tpp});
      continue;
    }
    if (!reported) ++context.sites_without_inventory;
    if (tpp > 0) context.organisation_sites.push_back({other.country(), tpp});
  }
  return context;
}

}  // namespace veu::verifier
