// NVIDIA's opaque data in the MEASUREMENTS response: type(2) length(2) value TLVs, little-endian,
// with the driver and VBIOS versions, the FWID, NVDEC0 status, chip and project identifiers and
// feature flags (field numbers as NVIDIA's verifiers name them). Pure; bounds-checked; unknown
// field types are kept raw, never guessed at.
#ifndef VEU_COMMON_GPU_OPAQUE_DATA_H_
#define VEU_COMMON_GPU_OPAQUE_DATA_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace veu::gpu {

enum OpaqueField : uint16_t {
  kOpaqueDriverVersion = 3,
  kOpaqueGpuInfo = 4,
  kOpaqueVbiosVersion = 6,
  kOpaqueNvdec0Status = 11,
  kOpaqueMeasurementCount = 12,
  kOpaqueCprInfo = 13,
  kOpaqueBoardId = 14,
  kOpaqueChipSku = 15,
  kOpaqueChipSkuMod = 16,
  kOpaqueProject = 17,
  kOpaqueProjectSku = 18,
  kOpaqueProjectSkuMod = 19,
  kOpaqueFwid = 20,
  kOpaqueProtectedPcieStatus = 21,
  kOpaqueSwitchPdi = 22,
  kOpaqueSysEnableStatus = 33,
  kOpaqueDataVersion = 34,
  kOpaqueChipInfo = 35,
  kOpaqueFeatureFlag = 36,
};

inline constexpr uint8_t kNvdec0Disabled = 0x55;
inline constexpr uint8_t kNvdec0Enabled = 0xaa;

struct OpaqueData {
  std::string driver_version;   // "550.90.07" (NUL-terminated text in the report); "" if absent
  std::string vbios_version;    // "96.00.9f.00.01" (lowercase, as NVIDIA prints it)
  std::string fwid;             // raw bytes (48 for SHA-384), empty if the firmware reports none
  std::optional<uint8_t> nvdec0_status;  // 0x55 disabled, 0xaa enabled
  std::string chip_info;        // "GB202" (Blackwell); "" if absent
  std::string chip_sku;         // "882"
  std::string project;          // "1010"
  std::string project_sku;      // "0200"
  std::optional<uint32_t> feature_flag;      // 0 SPT, 1 MPT, 2 PPCIE
  std::optional<uint32_t> opaque_data_version;
  std::vector<uint32_t> measurement_counts;  // per block, from field 12
  std::vector<std::string> switch_pdis;      // NVSwitch: 8-byte PDIs of the connected links
  // Every field by type, raw (including those decoded above), in the report's order.
  std::vector<std::pair<uint16_t, std::string>> fields;

  // "SPT", "MPT", "PPCIE", "unknown(N)" or "" when absent.
  std::string FeatureFlagName() const;
  // "disabled", "enabled", "unknown(0xNN)" or "" when absent.
  std::string Nvdec0Name() const;
};

// Decodes the opaque data. Fails with InvalidArgument (reason OPAQUE_DATA_MALFORMED, see
// ReasonOf in spdm_report.h) naming the field and offset when a TLV runs past the end, a field
// repeats, or a decoded field has a size its meaning does not allow.
absl::StatusOr<OpaqueData> DecodeOpaqueData(std::string_view opaque);

// NVIDIA's VBIOS version text from the 8-byte field: "96.00.5e.00.01" from 00 5e 00 96 01 00 00 00.
std::string FormatVbiosVersion(std::string_view field);

}  // namespace veu::gpu

#endif  // VEU_COMMON_GPU_OPAQUE_DATA_H_
