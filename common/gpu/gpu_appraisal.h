// A set of GPU/NVSwitch attestation reports appraised together with the RIMs given for them:
// every device's report (report_verify.h), every RIM (rim.h), each device compared with the RIMs
// whose version is its driver's or VBIOS's (rim_compare.h), and a RIM that fits no device refused
// as RIM_WRONG_TARGET. Also reads NVIDIA's JSON evidence list and writes the result as JSON.
// Pure: bytes, a nonce and a time in; the result out.
#ifndef VEU_COMMON_GPU_GPU_APPRAISAL_H_
#define VEU_COMMON_GPU_GPU_APPRAISAL_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/gpu/gpu_check.h"
#include "common/gpu/report_verify.h"
#include "common/gpu/rim.h"

namespace veu::gpu {

struct DeviceEvidence {
  DeviceArch claimed_arch = DeviceArch::kUnknown;  // from NVIDIA's "arch", if given
  std::string claimed_nonce;                       // the entry's own "nonce" (raw), if given
  std::string report;                              // raw SPDM bytes
  std::string chain_pem;
};

struct NamedBytes {
  std::string name;   // file name, used in check names
  std::string bytes;
};

struct EvidenceInput {
  std::vector<DeviceEvidence> devices;
  std::vector<NamedBytes> rims;
  std::string device_root_pem;
  std::string rim_root_pem;  // may be empty when no RIM is given
  std::string nonce;         // the verifier's 32 bytes
  absl::Time at;
};

struct DeviceResult {
  ReportAppraisal report;
  std::vector<Check> checks;  // the report's checks, then its measurement checks
  bool accepted = false;      // no check failed
};

struct EvidenceAppraisal {
  std::vector<DeviceResult> devices;
  std::vector<RimAppraisal> rims;
  std::vector<Check> rim_checks;  // every RIM's own checks, and RIMs that fit no device
  bool accepted = false;          // every device accepted and no RIM check failed
};

// Fails (Status) only for unreadable pinned roots or no device at all.
absl::StatusOr<EvidenceAppraisal> AppraiseGpuEvidence(const EvidenceInput& in);

// NVIDIA's evidence list: [{"arch", "nonce" (hex), "evidence" (base64 of the report), "certificate"
// (base64 of the PEM chain)}], every entry required to have evidence and certificate. Fails with
// InvalidArgument naming the entry when the JSON, base64 or hex is unreadable.
absl::StatusOr<std::vector<DeviceEvidence>> ParseNvidiaEvidenceJson(std::string_view json);

// {"accepted", "at", "devices": [{"arch", "leaf_subject", "ueid", "driver_version",
//  "vbios_version", "fwid", "nvdec0", "chip_info", "feature_flag", "accepted", "checks": [...]}],
//  "rims": [{"name", "version", "verified", "checks": [...]}]}; each check {"check", "status",
// "reason", "detail"}. Always valid JSON.
std::string EvidenceAppraisalJson(const EvidenceAppraisal& a, absl::Time at);

// A JSON string literal (quotes included), non-printable bytes escaped.
std::string GpuJsonString(std::string_view s);

}  // namespace veu::gpu

#endif  // VEU_COMMON_GPU_GPU_APPRAISAL_H_
