// The report's measurements against the golden measurements of a driver RIM and a VBIOS RIM
// (NVIDIA's rules): RIM index i is SPDM block i+1; only active entries count; a block matches
// when it equals one of the entry's alternatives; index 35 is skipped when the report says NVDEC0
// is disabled (0x55); a driver and a VBIOS RIM that both have an active entry at one index are
// an error (RIM_CONFLICT), whatever the values. Which RIM is which is read from its
// colloquialVersion against the report's own driver and VBIOS versions (RIM_WRONG_TARGET when it
// is neither). Pure.
#ifndef VEU_COMMON_GPU_RIM_COMPARE_H_
#define VEU_COMMON_GPU_RIM_COMPARE_H_

#include <string>
#include <vector>

#include "common/gpu/gpu_check.h"
#include "common/gpu/report_verify.h"
#include "common/gpu/rim.h"

namespace veu::gpu {

inline constexpr uint32_t kNvdec0RimIndex = 35;

// Checks: rim.<name>.target per RIM, measurements.conflict (when both kinds are given),
// measurements.driver and measurements.vbios (NVSwitch: vbios only). Measurements of a report
// that is not verified(), and RIMs that are not verified(), are never compared: those checks are
// not-evaluated (REPORT_UNVERIFIED) or the RIM's own failed checks stand. No RIM of a kind:
// that kind is not-evaluated (NO_RIM).
struct NamedRim {
  const Rim* rim = nullptr;  // nullptr: none of this kind
  std::string name;
};

// The rules themselves over RIMs the caller has already verified (CompareWithRims does so;
// exposed for tests of the rules): measurements.conflict, measurements.driver/.vbios.
// `rim_failed` only words the not-evaluated detail when a RIM of a kind is missing.
std::vector<Check> CompareGolden(const SpdmReport& report, const OpaqueData& od, bool is_switch,
                                 const NamedRim& driver, const NamedRim& vbios, bool rim_failed);

std::vector<Check> CompareWithRims(const ReportAppraisal& report,
                                   const std::vector<RimAppraisal>& rims);

}  // namespace veu::gpu

#endif  // VEU_COMMON_GPU_RIM_COMPARE_H_
