// NVIDIA reference integrity manifests (RIMs): ISO/IEC 19770-2 SWID tags whose golden
// measurements are signed with an enveloped XML signature (inclusive C14N 1.1, SHA-384,
// ECDSA-SHA384) by a certificate in the signature's KeyInfo that chains to NVIDIA's RIM root.
// The XML signature is checked by xmlsec1 (OpenSSL back end) with the key of the signing
// certificate, after that certificate's path to the pinned root has been checked here with
// OpenSSL at the appraisal time, so each refusal has its own reason. Pure: bytes and a time in.
// Thread-safe after the first call (libxml2/xmlsec are initialised once).
#ifndef VEU_COMMON_GPU_RIM_H_
#define VEU_COMMON_GPU_RIM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/gpu/gpu_check.h"

namespace veu::gpu {

inline constexpr size_t kMaxRimSize = 4u << 20;

struct GoldenMeasurement {
  uint32_t index = 0;                     // RIM index i (0-based) <-> SPDM block i+1
  bool active = false;
  uint32_t size = 0;                      // bytes of each alternative
  std::vector<std::string> alternatives;  // raw bytes, Hash0..HashN-1
};

struct Rim {
  std::string tag_id;
  std::string product;             // Meta product, e.g. "GH100"
  std::string edition;             // Meta edition: "GPU" or "SWITCH"
  std::string colloquial_version;  // driver ("550.144.03") or VBIOS ("96.00.5E.00.01") version
  std::string signer_subject;
  std::vector<GoldenMeasurement> measurements;
};

struct RimAppraisal {
  std::string name;           // what the caller calls it (file name), used in check names
  std::vector<Check> checks;  // rim.<name>.format, .chain, .signature, .ocsp
  std::optional<Rim> rim;     // set when the XML parsed into a SWID tag
  // True when the signature verified under a signer chained to the RIM root at the
  // appraisal time. Only then may its measurements be compared.
  bool verified() const { return verified_; }

 private:
  friend absl::StatusOr<RimAppraisal> VerifyRim(std::string_view, std::string_view, absl::Time,
                                                std::string);
  bool verified_ = false;
};

// Verifies one RIM. Fails (Status) only when `rim_root_pem` is unreadable; a malformed, badly
// signed, untrusted or expired RIM is a result with the failed check.
absl::StatusOr<RimAppraisal> VerifyRim(std::string_view xml, std::string_view rim_root_pem,
                                       absl::Time at, std::string name);

}  // namespace veu::gpu

#endif  // VEU_COMMON_GPU_RIM_H_
