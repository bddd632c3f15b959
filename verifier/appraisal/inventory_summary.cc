#include "verifier/appraisal/inventory_summary.h"

#include <algorithm>
#include <set>

namespace veu::verifier {

std::string AcceleratorIdentity(const veu::v1::AcceleratorDevice& device) {
  if (!device.gpu().serial().empty()) return "serial:" + device.gpu().serial();
  if (!device.gpu().uuid().empty()) return "uuid:" + device.gpu().uuid();
  return "";
}

veu::v1::InventorySummary SummariseInventory(const veu::v1::Inventory& inventory) {
  veu::v1::InventorySummary s;
  s.set_reported(true);
  s.set_count(inventory.totals().count());
  s.set_tpp(inventory.totals().tpp());
  s.set_unknown_count(inventory.totals().unknown_count());
  std::set<std::string> listed;
  for (const auto& d : inventory.accelerators()) listed.insert(d.pci_address());
  std::set<std::string> identities;
  uint32_t unidentified = 0;
  for (const auto& d : inventory.accelerators()) {
    if (d.role() != veu::v1::ACCELERATOR_KNOWN && d.role() != veu::v1::ACCELERATOR_UNKNOWN) {
      continue;
    }
    const bool shares_parent = d.virtual_function() && listed.count(d.physfn_address()) > 0;
    if (!shares_parent) (*s.mutable_models())[d.model().empty() ? "unknown" : d.model()]++;
    std::string id = AcceleratorIdentity(d);
    if (!id.empty()) {
      identities.insert(std::move(id));
    } else if (!shares_parent) {
      ++unidentified;
    }
  }
  for (const std::string& id : identities) s.add_identities(id);
  s.set_unidentified_count(unidentified);
  return s;
}

IdentityChanges CompareIdentities(const veu::v1::InventorySummary& before,
                                  const veu::v1::InventorySummary& after) {
  std::set<std::string> b(before.identities().begin(), before.identities().end());
  std::set<std::string> a(after.identities().begin(), after.identities().end());
  IdentityChanges changes;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(changes.added));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(),
                      std::back_inserter(changes.removed));
  return changes;
}

}  // namespace veu::verifier
