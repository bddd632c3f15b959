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

// Confidential-computing attestation (nvml.h, R535+): the caller writes its 32-byte nonce into
// `nonce`; the driver returns the SPDM GET_MEASUREMENTS request||response signed by the GPU.
struct nvmlConfComputeGpuAttestationReport_t {
  unsigned int isCecAttestationReportPresent;
  unsigned int attestationReportSize;
  unsigned int cecAttestationReportSize;
  unsigned char nonce[32];                   // NVML_CC_GPU_CEC_NONCE_SIZE
  unsigned char attestationReport[0x2000];   // NVML_CC_GPU_ATTESTATION_REPORT_SIZE
  unsigned char cecAttestationReport[0x1000];  // NVML_CC_GPU_CEC_ATTESTATION_REPORT_SIZE
};

// The device's certificates: attestationCertChain is the PEM chain, leaf first, whose leaf key
// signs the attestation report.
struct nvmlConfComputeGpuCertificate_t {
  unsigned int certChainSize;
  unsigned int attestationCertChainSize;
  unsigned char certChain[0x1000];             // NVML_GPU_CERT_CHAIN_SIZE
  unsigned char attestationCertChain[0x1400];  // NVML_GPU_ATTESTATION_CERT_CHAIN_SIZE
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
