// Accelerator inventory: PCI scan + catalogue + (optional) NVML identity, merged by PCI address.
#ifndef VEU_AGENT_COLLECTORS_INVENTORY_H_
#define VEU_AGENT_COLLECTORS_INVENTORY_H_

#include "agent/collectors/gpu_inventory_source.h"
#include "agent/collectors/root_fs.h"
#include "common/facts/catalogue.h"
#include "veu/v1/inventory.pb.h"

namespace veu::collectors {

// Collects the inventory under `fs`. `gpu` may be null (treated as NVML absent). Never fails:
// unreadable sysfs entries become `errors`, NVML absence becomes nvml.available = false with a
// detail saying what the verifier can no longer conclude. A GPU NVML reports that sysfs does
// not show is recorded as an error (the two views disagree), not invented as a device.
v1::Inventory CollectInventory(const RootFs& fs, const facts::Catalogue& catalogue,
                               GpuInventorySource* gpu);

}  // namespace veu::collectors

#endif  // VEU_AGENT_COLLECTORS_INVENTORY_H_
