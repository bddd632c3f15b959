// What one agent adds to its site's SiteInventoryTotals (store.h): the rule every store applies
// when it keeps the totals, so that SQLite and PostgreSQL count alike. Pure; thread-safe.
#ifndef VEU_VERIFIER_STORE_INVENTORY_SHARE_H_
#define VEU_VERIFIER_STORE_INVENTORY_SHARE_H_

#include <cstdint>

#include "veu/v1/records.pb.h"

namespace veu::verifier {

struct InventoryShare {
  uint32_t nodes = 0;  // 1 if the agent counts
  uint64_t accelerators = 0;
  uint64_t tpp = 0;
};

// An enrolled, unrevoked agent that reported a verified inventory counts with that inventory;
// any other agent counts nothing.
inline InventoryShare ShareOf(const veu::v1::AgentRecord& agent, bool revoked) {
  if (revoked || agent.status() != veu::v1::AGENT_STATUS_ENROLLED ||
      !agent.last_inventory().reported()) {
    return {};
  }
  return {1, agent.last_inventory().count(), agent.last_inventory().tpp()};
}

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_STORE_INVENTORY_SHARE_H_
