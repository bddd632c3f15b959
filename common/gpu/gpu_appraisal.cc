#include "common/gpu/gpu_appraisal.h"

#include <openssl/crypto.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/gpu/rim_compare.h"
#include "common/hex.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace veu::gpu {
namespace {

constexpr size_t kMaxEvidenceJson = 16u << 20;
constexpr int kMaxDevices = 64;

std::string Lower(const std::string& s) { return absl::AsciiStrToLower(absl::string_view(s.data(), s.size())); }

bool RimFits(const RimAppraisal& rim, const ReportAppraisal& report) {
  if (!rim.rim.has_value() || !report.opaque.has_value()) return false;
  const std::string v = Lower(rim.rim->colloquial_version);
  return (!report.opaque->driver_version.empty() && v == Lower(report.opaque->driver_version)) ||
         (!report.opaque->vbios_version.empty() && v == Lower(report.opaque->vbios_version));
}

std::string ChecksJson(const std::vector<Check>& checks) {
  std::string out = "[";
  for (size_t i = 0; i < checks.size(); ++i) {
    const Check& c = checks[i];
    absl::StrAppend(&out, i == 0 ? "" : ", ", "{\"check\": ", GpuJsonString(c.name),
                    ", \"status\": ", GpuJsonString(CheckStatusName(c.status)), ", \"reason\": ",
                    GpuJsonString(ReasonName(c.reason)), ", \"detail\": ", GpuJsonString(c.detail), "}");
  }
  return out + "]";
}

}  // namespace

std::string GpuJsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c > 0x7e) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

absl::StatusOr<EvidenceAppraisal> AppraiseGpuEvidence(const EvidenceInput& in) {
  if (in.devices.empty()) return absl::InvalidArgumentError("no GPU evidence given");
  EvidenceAppraisal a;
  for (const NamedBytes& r : in.rims) {
    absl::StatusOr<RimAppraisal> rim = VerifyRim(r.bytes, in.rim_root_pem, in.at, r.name);
    if (!rim.ok()) return rim.status();
    a.rim_checks.insert(a.rim_checks.end(), rim->checks.begin(), rim->checks.end());
    a.rims.push_back(std::move(*rim));
  }
  std::vector<bool> used(a.rims.size(), false);
  for (const DeviceEvidence& d : in.devices) {
    ReportInput ri{d.report, d.chain_pem, in.device_root_pem, in.nonce, in.at, d.claimed_arch};
    absl::StatusOr<ReportAppraisal> report = VerifyReport(ri);
    if (!report.ok()) return report.status();
    DeviceResult dr;
    dr.report = std::move(*report);
    dr.checks = dr.report.checks;
    if (!d.claimed_nonce.empty() &&
        (d.claimed_nonce.size() != in.nonce.size() ||
         CRYPTO_memcmp(d.claimed_nonce.data(), in.nonce.data(), in.nonce.size()) != 0)) {
      dr.checks.push_back(Check::Fail("evidence.nonce", Reason::kNonceMismatch,
                                      absl::StrCat("the evidence entry names nonce ", ToHex(d.claimed_nonce),
                                                   ", not the verifier's ", ToHex(in.nonce))));
    }
    std::vector<RimAppraisal> fitting;
    for (size_t i = 0; i < a.rims.size(); ++i) {
      if (RimFits(a.rims[i], dr.report)) {
        fitting.push_back(a.rims[i]);
        used[i] = true;
      }
    }
    std::vector<Check> m = CompareWithRims(dr.report, fitting);
    dr.checks.insert(dr.checks.end(), m.begin(), m.end());
    dr.accepted = NoneFailed(dr.checks);
    a.devices.push_back(std::move(dr));
  }
  for (size_t i = 0; i < a.rims.size(); ++i) {
    if (used[i] || !a.rims[i].rim.has_value()) continue;  // an unreadable RIM has its failed format check
    a.rim_checks.push_back(Check::Fail(
        absl::StrCat("rim.", a.rims[i].name, ".target"), Reason::kRimWrongTarget,
        absl::StrCat("the RIM is for version ", a.rims[i].rim->colloquial_version,
                     ", which no device's driver or VBIOS reports")));
  }
  a.accepted = NoneFailed(a.rim_checks);
  for (const DeviceResult& d : a.devices) a.accepted = a.accepted && d.accepted;
  return a;
}

absl::StatusOr<std::vector<DeviceEvidence>> ParseNvidiaEvidenceJson(std::string_view json) {
  if (json.size() > kMaxEvidenceJson) return absl::InvalidArgumentError("evidence JSON exceeds 16 MiB");
  google::protobuf::Value v;
  auto st = google::protobuf::util::JsonStringToMessage(std::string(json), &v);
  if (!st.ok() || v.kind_case() != google::protobuf::Value::kListValue) {
    return absl::InvalidArgumentError("the evidence is not a JSON list of {arch, nonce, evidence, certificate}");
  }
  std::vector<DeviceEvidence> out;
  if (v.list_value().values_size() > kMaxDevices) {
    return absl::InvalidArgumentError(absl::StrCat("more than ", kMaxDevices, " evidence entries"));
  }
  for (int i = 0; i < v.list_value().values_size(); ++i) {
    const google::protobuf::Value& e = v.list_value().values(i);
    if (e.kind_case() != google::protobuf::Value::kStructValue) {
      return absl::InvalidArgumentError(absl::StrCat("evidence entry ", i, " is not an object"));
    }
    const auto& f = e.struct_value().fields();
    auto text = [&](const char* key) -> std::string {
      auto it = f.find(key);
      return it != f.end() && it->second.kind_case() == google::protobuf::Value::kStringValue
                 ? it->second.string_value() : std::string();
    };
    DeviceEvidence d;
    std::string report;
    if (!absl::Base64Unescape(text("evidence"), &report) || report.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("evidence entry ", i, ": \"evidence\" is missing or not base64"));
    }
    // Some tools base64 the hex text NVML's samples are stored as; accept both forms.
    if (report.size() % 2 == 0 && report.rfind("11e0", 0) == 0) {
      absl::StatusOr<std::string> raw = FromHex(report);
      if (raw.ok()) report = *raw;
    }
    d.report = std::move(report);
    if (!absl::Base64Unescape(text("certificate"), &d.chain_pem) || d.chain_pem.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("evidence entry ", i, ": \"certificate\" is missing or not base64"));
    }
    if (!text("arch").empty()) {
      d.claimed_arch = DeviceArchFromName(text("arch"));
      if (d.claimed_arch == DeviceArch::kUnknown) {
        return absl::InvalidArgumentError(absl::StrCat("evidence entry ", i, ": unknown arch \"", text("arch"), "\""));
      }
    }
    if (!text("nonce").empty()) {
      absl::StatusOr<std::string> n = FromHex(text("nonce"));
      if (!n.ok()) return absl::InvalidArgumentError(absl::StrCat("evidence entry ", i, ": nonce is not hex"));
      d.claimed_nonce = *n;
    }
    out.push_back(std::move(d));
  }
  if (out.empty()) return absl::InvalidArgumentError("the evidence list is empty");
  return out;
}

std::string EvidenceAppraisalJson(const EvidenceAppraisal& a, absl::Time at) {
  std::string out = absl::StrCat("{\"accepted\": ", a.accepted ? "true" : "false", ", \"at\": ",
                                 GpuJsonString(absl::FormatTime(absl::RFC3339_sec, at, absl::UTCTimeZone())),
                                 ", \"devices\": [");
  for (size_t i = 0; i < a.devices.size(); ++i) {
    const DeviceResult& d = a.devices[i];
    const ReportAppraisal& r = d.report;
    const OpaqueData empty;
    const OpaqueData& od = r.opaque.has_value() ? *r.opaque : empty;
    absl::StrAppend(&out, i == 0 ? "" : ", ", "{\"index\": ", i, ", \"arch\": ",
                    GpuJsonString(DeviceArchName(r.chain.arch)), ", \"leaf_subject\": ",
                    GpuJsonString(r.chain.leaf_subject), ", \"ueid\": ",
                    GpuJsonString(r.chain.leaf_serial_decimal), ", \"driver_version\": ",
                    GpuJsonString(od.driver_version), ", \"vbios_version\": ",
                    GpuJsonString(od.vbios_version), ", \"fwid\": ", GpuJsonString(ToHex(od.fwid)),
                    ", \"nvdec0\": ", GpuJsonString(od.Nvdec0Name()), ", \"chip_info\": ",
                    GpuJsonString(od.chip_info), ", \"feature_flag\": ",
                    GpuJsonString(od.FeatureFlagName()), ", \"measurement_blocks\": ",
                    r.report.has_value() ? r.report->blocks.size() : 0, ", \"accepted\": ",
                    d.accepted ? "true" : "false", ", \"checks\": ", ChecksJson(d.checks), "}");
  }
  out += "], \"rims\": [";
  for (size_t i = 0; i < a.rims.size(); ++i) {
    const RimAppraisal& r = a.rims[i];
    absl::StrAppend(&out, i == 0 ? "" : ", ", "{\"name\": ", GpuJsonString(r.name), ", \"version\": ",
                    GpuJsonString(r.rim.has_value() ? r.rim->colloquial_version : ""),
                    ", \"verified\": ", r.verified() ? "true" : "false", "}");
  }
  absl::StrAppend(&out, "], \"rim_checks\": ", ChecksJson(a.rim_checks), "}");
  return out;
}

}  // namespace veu::gpu
