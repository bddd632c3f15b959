// veuctl gpu verify: NVIDIA GPU / NVSwitch attestation reports checked offline with the library
// the verifier uses (common/gpu/): the SPDM report's structure, nonce and ECDSA P-384 signature,
// the device chain to the pinned NVIDIA Device Identity root, the FWID, the decoded opaque data,
// and, with --rim, the measurements against NVIDIA's signed driver/VBIOS RIMs.
//
//   veuctl gpu verify --report FILE --chain FILE --nonce HEX [--roots DIR] [--rim FILE]...
//                     [--at RFC3339] [--json]
//   veuctl gpu verify --evidence FILE.json --nonce HEX [--roots DIR] [--rim FILE]... [--at ...]
//
// FILE for --report is NVML's report as raw bytes or as hex text; --chain is the PEM chain, leaf
// first; --evidence is NVIDIA's JSON list [{arch, nonce, evidence, certificate}], every entry
// checked. --roots holds verifier_device_root.pem and verifier_RIM_root.pem (default
// <sysconfdir>/veu-attest/gpu-roots). --at is the appraisal time for certificate validity
// (default now); revocation (OCSP) is not evaluated: no responses are given, and the output says
// so. Exit 0 when no check failed, 1 with the failing checks named, 2 for bad usage or unreadable
// input.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/gpu/gpu_appraisal.h"
#include "common/hex.h"
#include "common/install_paths.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/flags.h"
#include "verifier/veuctl/input_file.h"

namespace veu::veuctl {
namespace {

constexpr char kUsage[] =
    "gpu verify (--report FILE --chain FILE | --evidence FILE.json) --nonce HEX [--roots DIR] "
    "[--rim FILE]... [--at RFC3339] [--json]";

// NVML's samples are hex text; a report read raw starts with the SPDM 1.1 request byte 0x11.
std::string ReportFromFile(const std::string& bytes) {
  absl::string_view text = absl::StripAsciiWhitespace(absl::string_view(bytes.data(), bytes.size()));
  if (!bytes.empty() && static_cast<unsigned char>(bytes[0]) == 0x11) return bytes;
  absl::StatusOr<std::string> raw = FromHex(std::string_view(text.data(), text.size()));
  return raw.ok() ? *raw : bytes;
}

void PrintText(const gpu::EvidenceAppraisal& a) {
  for (size_t i = 0; i < a.devices.size(); ++i) {
    const gpu::DeviceResult& d = a.devices[i];
    const gpu::ReportAppraisal& r = d.report;
    std::cout << "device " << i << ": " << gpu::DeviceArchName(r.chain.arch) << " "
              << (r.chain.leaf_subject.empty() ? "-" : r.chain.leaf_subject);
    if (r.opaque.has_value()) {
      std::cout << " driver " << (r.opaque->driver_version.empty() ? "-" : r.opaque->driver_version)
                << " VBIOS " << r.opaque->vbios_version;
      if (!r.opaque->chip_info.empty()) std::cout << " chip " << r.opaque->chip_info;
      if (r.opaque->nvdec0_status.has_value()) std::cout << " NVDEC0 " << r.opaque->Nvdec0Name();
      if (r.opaque->feature_flag.has_value()) std::cout << " mode " << r.opaque->FeatureFlagName();
    }
    std::cout << ": " << (d.accepted ? "ACCEPTED" : "REJECTED") << "\n";
    for (const gpu::Check& c : d.checks) {
      std::cout << "  " << gpu::CheckStatusName(c.status) << " " << c.name;
      if (c.status != gpu::CheckStatus::kPassed) std::cout << " " << gpu::ReasonName(c.reason);
      std::cout << ": " << c.detail << "\n";
    }
  }
  if (!a.rim_checks.empty()) std::cout << "RIMs:\n";
  for (const gpu::Check& c : a.rim_checks) {
    std::cout << "  " << gpu::CheckStatusName(c.status) << " " << c.name;
    if (c.status != gpu::CheckStatus::kPassed) std::cout << " " << gpu::ReasonName(c.reason);
    std::cout << ": " << c.detail << "\n";
  }
  std::cout << (a.accepted ? "ACCEPTED" : "REJECTED") << "\n";
}

int RunGpuVerify(const std::vector<std::string>& all_args) {
  std::vector<std::string> args, rim_paths;
  for (size_t i = 0; i < all_args.size(); ++i) {
    if (all_args[i] == "--rim" && i + 1 < all_args.size()) {
      rim_paths.push_back(all_args[++i]);
    } else if (all_args[i].rfind("--rim=", 0) == 0) {
      rim_paths.push_back(all_args[i].substr(6));
    } else {
      args.push_back(all_args[i]);
    }
  }
  auto flags = ParseFlags(args, {"report", "chain", "nonce", "roots", "at", "evidence"}, {"json"});
  const bool single = flags.ok() && flags->Get("report").has_value() && flags->Get("chain").has_value();
  const bool list = flags.ok() && flags->Get("evidence").has_value();
  if (!flags.ok() || !flags->positional.empty() || single == list || !flags->Get("nonce") ||
      (list && (flags->Get("report") || flags->Get("chain")))) {
    std::cerr << "usage: veuctl " << kUsage << "\n";
    if (!flags.ok()) std::cerr << flags.status().message() << "\n";
    return kExitUsage;
  }
  gpu::EvidenceInput in;
  absl::StatusOr<std::string> nonce = FromHex(*flags->Get("nonce"));
  if (!nonce.ok() || nonce->size() != gpu::kSpdmNonceSize) {
    std::cerr << "--nonce must be 32 bytes of hex (64 hex digits)\n";
    return kExitUsage;
  }
  in.nonce = *nonce;
  in.at = absl::Now();
  if (auto at = flags->Get("at")) {
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, *at, &in.at, &err)) {
      std::cerr << "--at " << *at << " is not an RFC 3339 time (e.g. 2025-06-01T00:00:00Z): " << err << "\n";
      return kExitUsage;
    }
  }
  const std::string roots = flags->Get("roots").value_or(CompiledInstallLayout().sysconf_dir + "/gpu-roots");
  if (!ReadBounded(roots + "/verifier_device_root.pem", 1u << 20, &in.device_root_pem)) {
    std::cerr << "cannot read " << roots << "/verifier_device_root.pem (NVIDIA Device Identity CA; "
              << "give --roots DIR)\n";
    return kExitUsage;
  }
  if (!rim_paths.empty() && !ReadBounded(roots + "/verifier_RIM_root.pem", 1u << 20, &in.rim_root_pem)) {
    std::cerr << "cannot read " << roots << "/verifier_RIM_root.pem (NVIDIA CoRIM signing root; "
              << "needed with --rim)\n";
    return kExitUsage;
  }
  if (single) {
    gpu::DeviceEvidence d;
    std::string report;
    if (!ReadBounded(*flags->Get("report"), gpu::kMaxReportSize * 2 + 16, &report) || report.empty()) {
      std::cerr << "cannot read report " << *flags->Get("report") << " (missing, empty or too large)\n";
      return kExitUsage;
    }
    d.report = ReportFromFile(report);
    if (!ReadBounded(*flags->Get("chain"), 1u << 20, &d.chain_pem)) {
      std::cerr << "cannot read chain " << *flags->Get("chain") << "\n";
      return kExitUsage;
    }
    in.devices.push_back(std::move(d));
  } else {
    std::string json;
    if (!ReadBounded(*flags->Get("evidence"), 16u << 20, &json)) {
      std::cerr << "cannot read evidence " << *flags->Get("evidence") << "\n";
      return kExitUsage;
    }
    auto devices = gpu::ParseNvidiaEvidenceJson(json);
    if (!devices.ok()) {
      std::cerr << "evidence " << *flags->Get("evidence") << ": " << devices.status().message() << "\n";
      return kExitUsage;
    }
    in.devices = std::move(*devices);
  }
  for (const std::string& path : rim_paths) {
    gpu::NamedBytes rim;
    rim.name = path.substr(path.find_last_of('/') + 1);
    if (!ReadBounded(path, gpu::kMaxRimSize, &rim.bytes)) {
      std::cerr << "cannot read RIM " << path << "\n";
      return kExitUsage;
    }
    in.rims.push_back(std::move(rim));
  }
  absl::StatusOr<gpu::EvidenceAppraisal> a = gpu::AppraiseGpuEvidence(in);
  if (!a.ok()) {
    std::cerr << a.status().message() << "\n";
    return kExitUsage;
  }
  if (flags->Has("json")) {
    std::cout << gpu::EvidenceAppraisalJson(*a, in.at) << "\n";
  } else {
    PrintText(*a);
  }
  return a->accepted ? kExitAccepted : kExitRejected;
}

}  // namespace

VEUCTL_COMMAND(kGpuVerify, "gpu verify", kUsage, RunGpuVerify);

}  // namespace veu::veuctl
