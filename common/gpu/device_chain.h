// A GPU or NVSwitch device certificate chain (PEM, leaf first: GSP/FSP FMC leaf, BROM, provisioner
// ICA, chip identity CA, NVIDIA Device Identity CA) checked against a pinned root with OpenSSL's
// X509_STORE at a given appraisal time, and the leaf's FWID read by the architecture's rule.
// Pure: takes bytes and a time; reads no clock and no file.
#ifndef VEU_COMMON_GPU_DEVICE_CHAIN_H_
#define VEU_COMMON_GPU_DEVICE_CHAIN_H_

#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/gpu/gpu_check.h"

namespace veu::gpu {

enum class DeviceArch { kUnknown, kHopper, kBlackwell, kNvSwitch };
const char* DeviceArchName(DeviceArch arch);
// "Hopper", "HOPPER", "blackwell", "NVSwitch"/"LS10" -> arch; anything else kUnknown.
DeviceArch DeviceArchFromName(std::string_view name);

using X509Ptr = std::shared_ptr<X509>;

// Certificates of a PEM file, in order. Fails with InvalidArgument (reason CHAIN_MALFORMED) on
// anything that is not a sequence of CERTIFICATE blocks, or more than 16 of them.
absl::StatusOr<std::vector<X509Ptr>> ParsePemChain(std::string_view pem);

struct PathResult {
  bool ok = false;
  Reason reason = Reason::kNone;  // untrusted_reason or expired_reason when !ok
  std::string detail;
};

// OpenSSL path validation of chain[0] through chain[1..] to one of `roots` (self-signed
// anchors only: no partial chains) with every certificate valid at `at`.
PathResult VerifyCertPath(const std::vector<X509Ptr>& chain, const std::vector<X509Ptr>& roots,
                          absl::Time at, Reason untrusted_reason, Reason expired_reason);

struct DeviceChainResult {
  std::vector<Check> checks;      // chain.leaf, chain.path, chain.ocsp
  X509Ptr leaf;                   // set when the chain parsed, trusted or not
  std::string leaf_subject;       // RFC 2253
  std::string leaf_serial_hex;    // the device's UEID (uppercase hex as NVIDIA prints it)
  std::string leaf_serial_decimal;
  DeviceArch arch = DeviceArch::kUnknown;  // from the leaf's CN (signed by NVIDIA)
  bool trusted = false;           // chain.leaf and chain.path passed
};

// Verifies `chain_pem` (leaf first) to `root_pem` (the only trust anchor; no partial chains) at
// `at`. The leaf must be an end-entity certificate with an EC P-384 key: a chain that is only
// the root, or that lacks the leaf, is refused even though OpenSSL would call it trusted. OCSP is
// not evaluated here (no responses are given): chain.ocsp says so, never passed.
// Fails (Status) only when `root_pem` is unreadable; a bad chain is a failed check.
absl::StatusOr<DeviceChainResult> VerifyDeviceChain(std::string_view chain_pem,
                                                    std::string_view root_pem, absl::Time at);

// The FWID the leaf carries, by architecture: Hopper and NVSwitch keep it as the last 48 bytes
// of the TCG DICE TcbInfo extension 2.23.133.5.4.1; Blackwell as the first FWID of the
// TcbInfo in 2.23.133.5.4.1.1. Empty when the leaf has no such extension; InvalidArgument when
// the extension is there but malformed or the architecture is unknown.
absl::StatusOr<std::string> LeafFwid(X509* leaf, DeviceArch arch);

// "chain.fwid": the report's FWID (empty for older firmware: not evaluated) equals the leaf's.
Check CheckFwid(std::string_view report_fwid, X509* leaf, DeviceArch arch);

}  // namespace veu::gpu

#endif  // VEU_COMMON_GPU_DEVICE_CHAIN_H_
