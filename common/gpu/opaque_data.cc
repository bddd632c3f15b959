#include "common/gpu/opaque_data.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/gpu/spdm_report.h"
#include "common/hex.h"

namespace veu::gpu {
namespace {

uint32_t Le(std::string_view b) {
  uint32_t v = 0;
  for (size_t i = b.size(); i > 0; --i) v = (v << 8) | static_cast<uint8_t>(b[i - 1]);
  return v;
}

// Text up to the first NUL; fails on bytes that are not printable ASCII.
bool CText(std::string_view v, std::string* out) {
  const size_t nul = v.find('\0');
  std::string_view t = v.substr(0, nul);
  for (char c : t) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  *out = std::string(t);
  return true;
}

absl::Status Malformed(uint16_t type, size_t offset, std::string what) {
  return ReasonError(Reason::kOpaqueDataMalformed,
                     absl::StrCat("GPU report opaque data: field ", type, " at opaque offset ",
                                  offset, " ", what));
}

}  // namespace

std::string FormatVbiosVersion(std::string_view field) {
  // As NVIDIA's verifiers print it: bytes 3, 2, 1, 0, then byte 4 (bytes 5-7 are unused).
  if (field.size() != 8) return "";
  const std::string le = ToHex(std::string(field.rbegin(), field.rend()));
  const std::string digits = le.substr(8) + le.substr(6, 2);
  std::string out;
  for (size_t i = 0; i < digits.size(); i += 2) {
    if (!out.empty()) out += ".";
    out += digits.substr(i, 2);
  }
  return out;
}

std::string OpaqueData::FeatureFlagName() const {
  if (!feature_flag.has_value()) return "";
  switch (*feature_flag) {
    case 0: return "SPT";
    case 1: return "MPT";
    case 2: return "PPCIE";
  }
  return absl::StrCat("unknown(", *feature_flag, ")");
}

std::string OpaqueData::Nvdec0Name() const {
  if (!nvdec0_status.has_value()) return "";
  if (*nvdec0_status == kNvdec0Disabled) return "disabled";
  if (*nvdec0_status == kNvdec0Enabled) return "enabled";
  return absl::StrFormat("unknown(0x%02x)", *nvdec0_status);
}

absl::StatusOr<OpaqueData> DecodeOpaqueData(std::string_view opaque) {
  OpaqueData d;
  std::set<uint16_t> seen;
  size_t pos = 0;
  while (pos < opaque.size()) {
    if (opaque.size() - pos < 4) {
      return ReasonError(Reason::kOpaqueDataMalformed,
                         absl::StrCat("GPU report opaque data: ", opaque.size() - pos,
                                      " stray bytes at opaque offset ", pos, " (a TLV header needs 4)"));
    }
    const uint16_t type = static_cast<uint16_t>(Le(opaque.substr(pos, 2)));
    const size_t len = Le(opaque.substr(pos + 2, 2));
    if (len > opaque.size() - pos - 4) {
      return Malformed(type, pos, absl::StrCat("declares ", len, " bytes, ",
                                               opaque.size() - pos - 4, " left"));
    }
    const std::string_view v = opaque.substr(pos + 4, len);
    if (!seen.insert(type).second) return Malformed(type, pos, "repeats");
    d.fields.emplace_back(type, std::string(v));
    switch (type) {
      case kOpaqueDriverVersion:
        if (!CText(v, &d.driver_version)) return Malformed(type, pos, "(driver version) is not text");
        break;
      case kOpaqueVbiosVersion:
        if (len == 8) {
          d.vbios_version = FormatVbiosVersion(v);
        } else if (!CText(v, &d.vbios_version)) {  // NVSwitch: "96.10.55.00.01" as text
          return Malformed(type, pos, "(VBIOS version) is neither 8 bytes nor text");
        }
        break;
      case kOpaqueFwid: d.fwid = std::string(v); break;
      case kOpaqueNvdec0Status:
        if (len != 1) return Malformed(type, pos, "(NVDEC0 status) is not 1 byte");
        d.nvdec0_status = static_cast<uint8_t>(v[0]);
        break;
      case kOpaqueChipInfo:
        if (!CText(v, &d.chip_info)) return Malformed(type, pos, "(chip info) is not text");
        break;
      case kOpaqueChipSku:
        if (!CText(v, &d.chip_sku)) return Malformed(type, pos, "(chip SKU) is not text");
        break;
      case kOpaqueProject:
        if (!CText(v, &d.project)) return Malformed(type, pos, "(project) is not text");
        break;
      case kOpaqueProjectSku:
        if (!CText(v, &d.project_sku)) return Malformed(type, pos, "(project SKU) is not text");
        break;
      case kOpaqueFeatureFlag:
        if (len == 0 || len > 4) return Malformed(type, pos, "(feature flag) is not 1-4 bytes");
        d.feature_flag = Le(v);
        break;
      case kOpaqueDataVersion:
        if (len == 0 || len > 4) return Malformed(type, pos, "(opaque data version) is not 1-4 bytes");
        d.opaque_data_version = Le(v);
        break;
      case kOpaqueMeasurementCount:
        if (len % 4 != 0) return Malformed(type, pos, "(measurement count) is not a multiple of 4");
        for (size_t i = 0; i < len; i += 4) d.measurement_counts.push_back(Le(v.substr(i, 4)));
        break;
      case kOpaqueSwitchPdi:
        if (len % 8 != 0) return Malformed(type, pos, "(switch PDI) is not a multiple of 8");
        for (size_t i = 0; i < len; i += 8) d.switch_pdis.emplace_back(v.substr(i, 8));
        break;
      default: break;
    }
    pos += 4 + len;
  }
  return d;
}

}  // namespace veu::gpu
