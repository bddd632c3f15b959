// GpuInventorySource: where richer GPU identity (serial, UUID, VBIOS, CC mode) comes from.
// The real one loads NVIDIA's NVML at run time (nvml_source.h); tests use a fake.
#ifndef VEU_AGENT_COLLECTORS_GPU_INVENTORY_SOURCE_H_
#define VEU_AGENT_COLLECTORS_GPU_INVENTORY_SOURCE_H_

#include <vector>

#include "veu/v1/inventory.pb.h"

namespace veu::collectors {

struct GpuReport {
  v1::NvmlStatus status;              // available=false with a detail when absent/failed
  std::vector<v1::GpuIdentity> gpus;  // pci_bus_id normalised ("0000:17:00.0")
};

// Implementations never fail for "not installed": they return status.available = false and
// say why in status.detail, because a node without the vendor library is a normal node whose
// evidence is weaker, not a broken one. Not required to be thread-safe.
class GpuInventorySource {
 public:
  virtual ~GpuInventorySource() = default;
  virtual GpuReport Query() = 0;
};

}  // namespace veu::collectors

#endif  // VEU_AGENT_COLLECTORS_GPU_INVENTORY_SOURCE_H_
