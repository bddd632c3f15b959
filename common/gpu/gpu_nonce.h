// The nonce an agent gives each GPU for its attestation report, derived from the verifier's
// challenge so that the report is fresh and bound to this quote, and distinct per GPU:
// SHA-256(challenge nonce || GPU UUID as NVML prints it), truncated to SPDM's 32 bytes (a no-op
// for SHA-256, stated so the rule survives a change of hash). The verifier recomputes it from the
// challenge it issued and the UUID in the facts. Pure.
#ifndef VEU_COMMON_GPU_GPU_NONCE_H_
#define VEU_COMMON_GPU_GPU_NONCE_H_

#include <string>
#include <string_view>

namespace veu::gpu {

std::string DeriveGpuNonce(std::string_view challenge_nonce, std::string_view gpu_uuid);

}  // namespace veu::gpu

#endif  // VEU_COMMON_GPU_GPU_NONCE_H_
