// InventorySummary: the part of a node's accelerator inventory the verifier keeps with every
// appraisal and agent record (count, TPP, models, stable identities), so the site's totals,
// diversion and the organisation's distribution can be computed without the raw facts. Pure.
#ifndef VEU_VERIFIER_APPRAISAL_INVENTORY_SUMMARY_H_
#define VEU_VERIFIER_APPRAISAL_INVENTORY_SUMMARY_H_

#include <string>
#include <vector>

#include "veu/v1/appraisal.pb.h"
#include "veu/v1/inventory.pb.h"

namespace veu::verifier {

// The stable identity of one accelerator: "serial:<serial>" when the vendor library gave a
// serial, else "uuid:<uuid>", else empty (PCI IDs are not an identity).
std::string AcceleratorIdentity(const veu::v1::AcceleratorDevice& device);

// Summarises `inventory` (reported = true). Counts and TPP are the collector's totals; identities
// are those of accelerator devices (known or unknown role), sorted and de-duplicated; devices
// without one are counted in unidentified_count, except virtual functions whose parent function
// is listed (they share its silicon).
veu::v1::InventorySummary SummariseInventory(const veu::v1::Inventory& inventory);

// Identities in `after` and not in `before`, and the reverse; both sorted.
struct IdentityChanges {
  std::vector<std::string> added;
  std::vector<std::string> removed;
};
IdentityChanges CompareIdentities(const veu::v1::InventorySummary& before,
                                  const veu::v1::InventorySummary& after);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_APPRAISAL_INVENTORY_SUMMARY_H_
