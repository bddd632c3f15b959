// One GPU or NVSwitch attestation report appraised against its device chain: structure (no
// bytes after the signature), requester nonce, ECDSA P-384 / SHA-384 signature by the leaf, chain
// to the pinned root at the appraisal time, FWID by the architecture's rule, and the decoded
// opaque data. Pure. A refused report is a result with failed checks, never an error.
#ifndef VEU_COMMON_GPU_REPORT_VERIFY_H_
#define VEU_COMMON_GPU_REPORT_VERIFY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/gpu/device_chain.h"
#include "common/gpu/gpu_check.h"
#include "common/gpu/opaque_data.h"
#include "common/gpu/spdm_report.h"

namespace veu::gpu {

struct ReportInput {
  std::string_view report;         // raw bytes
  std::string_view chain_pem;      // leaf first
  std::string_view device_root_pem;
  std::string_view expected_nonce;  // 32 bytes
  absl::Time at;                    // appraisal time for certificate validity
  // The architecture the evidence claims (NVIDIA's JSON "arch"); kUnknown: take the leaf's.
  DeviceArch claimed_arch = DeviceArch::kUnknown;
};

struct ReportAppraisal {
  std::vector<Check> checks;
  std::optional<SpdmReport> report;   // set when the bytes parsed
  std::optional<OpaqueData> opaque;   // set when the opaque data decoded
  DeviceChainResult chain;
  // True when no check failed: the report is fresh, signed by a device key chained to the
  // pinned root, and its FWID agrees with the leaf. Only then may its measurements be used.
  bool verified() const { return verified_; }

 private:
  friend absl::StatusOr<ReportAppraisal> VerifyReport(const ReportInput& in);
  bool verified_ = false;
};

// Runs every check that the input allows (a report that does not parse still has its chain
// checked). Fails (Status) only when the pinned root is unreadable.
absl::StatusOr<ReportAppraisal> VerifyReport(const ReportInput& in);

// True when `signature` (raw r||s, 96 bytes) is a valid ECDSA signature of SHA-384(`message`)
// by `key` (EC P-384).
bool VerifyP384Signature(EVP_PKEY* key, std::string_view message, std::string_view signature);

}  // namespace veu::gpu

#endif  // VEU_COMMON_GPU_REPORT_VERIFY_H_
