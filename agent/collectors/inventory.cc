#include "agent/collectors/inventory.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "agent/collectors/pci.h"

namespace veu::collectors {

v1::Inventory CollectInventory(const RootFs& fs, const facts::Catalogue& catalogue,
                               GpuInventorySource* gpu) {
  v1::Inventory inv;
  inv.set_catalogue_version(catalogue.version());
  auto scan = ScanPci(fs, catalogue);
  if (!scan.ok()) {
    v1::CollectionError* e = inv.add_errors();
    e->set_source_path(std::string(kPciDevicesDir));
    e->set_message(
        absl::StrFormat("PCI devices could not be listed: %s; the inventory is "
                        "incomplete",
                        scan.status().message()));
  } else {
    for (auto& d : scan->devices) *inv.add_accelerators() = std::move(d);
    for (auto& e : scan->errors) *inv.add_errors() = std::move(e);
  }

  if (gpu == nullptr) {
    inv.mutable_nvml()->set_available(false);
    inv.mutable_nvml()->set_detail(
        "NVML not consulted (disabled by configuration): accelerator identity is from PCI IDs "
        "only, which can be spoofed; no serials or UUIDs, so site binding of chips cannot be "
        "checked");
  } else {
    GpuReport report = gpu->Query();
    *inv.mutable_nvml() = report.status;
    absl::flat_hash_map<std::string, v1::AcceleratorDevice*> by_address;
    for (auto& d : *inv.mutable_accelerators()) by_address[d.pci_address()] = &d;
    for (v1::GpuIdentity& id : report.gpus) {
      auto it = by_address.find(id.pci_bus_id());
      if (it == by_address.end()) {
        v1::CollectionError* e = inv.add_errors();
        e->set_source_path("nvml");
        e->set_message(absl::StrFormat(
            "NVML reports GPU %s (serial \"%s\") at PCI address \"%s\", which sysfs does not "
            "list; the two views disagree",
            id.uuid(), id.serial(), id.pci_bus_id()));
        continue;
      }
      it->second->set_identity_source(v1::NVML);
      *it->second->mutable_gpu() = std::move(id);
    }
  }
  *inv.mutable_totals() = facts::Totals(inv.accelerators());
  return inv;
}

}  // namespace veu::collectors
