// NVML-backed GpuInventorySource: dlopen("libnvidia-ml.so.1") at run time, never a build or
// link dependency. The few NVML entry points used are declared in nvml_source.cc.
#ifndef VEU_AGENT_COLLECTORS_NVML_SOURCE_H_
#define VEU_AGENT_COLLECTORS_NVML_SOURCE_H_

#include <string>

#include "agent/collectors/gpu_inventory_source.h"

namespace veu::collectors {

// The soname NVIDIA's driver installs; the agent's default for nvml_library / --nvml-library.
inline constexpr char kDefaultNvmlLibrary[] = "libnvidia-ml.so.1";
// nvml_library value that turns NVML off: no library is loaded.
inline constexpr char kNvmlLibraryNone[] = "none";

class NvmlGpuInventorySource : public GpuInventorySource {
 public:
  // `library` is the soname or path to load (tests pass a missing one).
  explicit NvmlGpuInventorySource(std::string library = kDefaultNvmlLibrary)
      : library_(std::move(library)) {}

  // Loads the library, initialises NVML, reads every device (at most 64), shuts NVML down and
  // unloads, on every call: each report then shows the GPUs present when it was made, and the
  // agent does not keep the driver open between reports. That costs an nvmlInit per report:
  // milliseconds with the driver's persistence mode on, longer without it (the driver brings
  // the GPUs up), which is still small next to the interval between challenges.
  // A missing library or a failing nvmlInit gives available = false with the reason; a
  // per-device failure is noted in status.detail and that field left empty.
  GpuReport Query() override;

 private:
  std::string library_;
};

}  // namespace veu::collectors

#endif  // VEU_AGENT_COLLECTORS_NVML_SOURCE_H_
