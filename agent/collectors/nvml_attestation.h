// GPU attestation reports collected through NVML (dlopen, as nvml_source.h): for each device,
// nvmlDeviceGetConfComputeGpuAttestationReport with the nonce DeriveGpuNonce(challenge, UUID)
// and the PEM chain from nvmlDeviceGetConfComputeGpuCertificate. A device that cannot attest
// (Hopper outside CC mode, older drivers: NOT_SUPPORTED or the entry point missing) is listed
// with that reason and no report; nothing is invented. Not thread-safe (loads and unloads NVML
// per call, as the inventory source does).
#ifndef VEU_AGENT_COLLECTORS_NVML_ATTESTATION_H_
#define VEU_AGENT_COLLECTORS_NVML_ATTESTATION_H_

#include <string>
#include <vector>

namespace veu::collectors {

struct GpuAttestation {
  std::string uuid;        // as NVML prints it ("GPU-..."); the nonce is bound to it
  std::string nonce;       // the 32 bytes given to the GPU
  bool attested = false;   // a report and a chain were returned
  std::string report;      // raw SPDM request||response
  std::string chain_pem;   // leaf first
  std::string detail;      // why not attested, or "" when attested
};

struct GpuAttestationCollection {
  bool available = false;  // NVML loaded and initialised
  std::string detail;      // why not available
  std::vector<GpuAttestation> gpus;
};

// `challenge_nonce` is the verifier's nonce for this quote; `library` the NVML soname or path.
GpuAttestationCollection CollectGpuAttestations(const std::string& library,
                                                const std::string& challenge_nonce);

}  // namespace veu::collectors

#endif  // VEU_AGENT_COLLECTORS_NVML_ATTESTATION_H_
