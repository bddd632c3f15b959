#include "verifier/service/organisation_view.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"

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

  // Totals per site from the store's roll-up (O(sites)); the agent's own previous inventory is
  // taken out of its site's totals, since this report replaces it.
  ASSIGN_OR_RETURN(std::vector<SiteInventoryTotals> totals, store.ListSiteInventoryTotals());
  absl::flat_hash_map<std::string, SiteInventoryTotals> by_site;
  for (SiteInventoryTotals& t : totals) by_site.emplace(t.site, std::move(t));
  SiteInventoryTotals own = by_site[site.name()];
  if (agent.status() == veu::v1::AGENT_STATUS_ENROLLED && agent.last_inventory().reported() &&
      own.nodes > 0) {
    own.nodes -= 1;
    own.accelerators -= std::min<uint64_t>(own.accelerators, agent.last_inventory().count());
    own.tpp -= std::min<uint64_t>(own.tpp, agent.last_inventory().tpp());
  }
  context.site_other_nodes = static_cast<int>(own.nodes);
  context.site_other_accelerators = static_cast<uint32_t>(own.accelerators);
  context.site_other_tpp = own.tpp;
  if (own.tpp > 0) context.organisation_sites.push_back({site.country(), own.tpp});
  // An organisation without a name is only itself.
  if (!site.organisation().empty()) {
    ASSIGN_OR_RETURN(std::vector<veu::v1::Site> sites, store.ListSites());
    for (const veu::v1::Site& other : sites) {
      if (other.name() == site.name() || other.organisation() != site.organisation()) continue;
      auto it = by_site.find(other.name());
      if (it == by_site.end() || it->second.nodes == 0) {
        ++context.sites_without_inventory;
        continue;
      }
      if (it->second.tpp > 0) context.organisation_sites.push_back({other.country(), it->second.tpp});
    }
  }
  return context;
}

}  // namespace veu::verifier
