// NVIDIA NVML's C ABI, as far as VEU uses it, restated from nvml.h because the vendor header
// is not a build dependency (the library is dlopen'ed at run time). The agent's NVML source and
// the fake library the tests load both use these declarations, so they cannot drift apart.
#ifndef VEU_AGENT_COLLECTORS_NVML_ABI_H_
#define VEU_AGENT_COLLECTORS_NVML_ABI_H_

extern "C" {

typedef int nvmlReturn_t;
struct nvmlDevice_st;
typedef struct nvmlDevice_st* nvmlDevice_t;

struct nvmlPciInfo_t {
  char busIdLegacy[16];
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pciDeviceId;
  unsigned int pciSubSystemId;
  char busId[32];
};

struct nvmlConfComputeSystemState_t {
  unsigned int environment;
  unsigned int ccFeature;
  unsigned int devToolsMode;
};

}  // extern "C"

namespace veu::collectors::nvml {

// nvmlReturn_t values.
inline constexpr nvmlReturn_t kSuccess = 0;
inline constexpr nvmlReturn_t kUninitialized = 1;
inline constexpr nvmlReturn_t kInvalidArgument = 2;
inline constexpr nvmlReturn_t kNotSupported = 3;
inline constexpr nvmlReturn_t kInsufficientSize = 7;
inline constexpr nvmlReturn_t kDriverNotLoaded = 9;
inline constexpr nvmlReturn_t kUnknown = 999;

inline constexpr unsigned kCcFeatureEnabled = 1;  // NVML_CC_SYSTEM_FEATURE_ENABLED

}  // namespace veu::collectors::nvml

#endif  // VEU_AGENT_COLLECTORS_NVML_ABI_H_
