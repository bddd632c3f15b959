#include "common/facts/control_params.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace veu::facts {
namespace {

std::optional<uint64_t> Number(const std::string& s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// "0-7" or "0,2,4-7" -> PCR numbers 0..23.
std::optional<std::vector<uint32_t>> PcrList(const std::string& s) {
  std::vector<uint32_t> out;
  for (const std::string& part : SplitParamList(s, ',')) {
    const size_t dash = part.find('-');
    auto lo = Number(part.substr(0, dash));
    auto hi = dash == std::string::npos ? lo : Number(part.substr(dash + 1));
    if (!lo || !hi || *lo > *hi || *hi > 23) return std::nullopt;
    for (uint64_t p = *lo; p <= *hi; ++p) out.push_back(static_cast<uint32_t>(p));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// "per-site authorisation" (the site record decides) or a number.
std::optional<uint64_t> LimitOrSite(ParamReader& r, std::string_view key) {
  const std::string v = r.String(key, "per-site authorisation");
  if (v == "per-site authorisation") return std::nullopt;
  auto n = Number(v);
  if (!n) r.Invalid(key, absl::StrFormat("is \"%s\"; give a number or \"per-site authorisation\"", v));
  return n;
}

}  // namespace

std::vector<std::string> SplitParamList(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::optional<std::string> ParamReader::Get(std::string_view key) {
  read_.insert(std::string(key));
  auto it = control_.parameters().find(std::string(key));
  if (it == control_.parameters().end()) return std::nullopt;
  return it->second;
}

std::string ParamReader::String(std::string_view key, std::string_view fallback) {
  auto v = Get(key);
  return v ? *v : std::string(fallback);
}

std::string ParamReader::Required(std::string_view key) {
  auto v = Get(key);
  if (!v) {
    Error(key, "is required");
    return "";
  }
  return *v;
}

std::string ParamReader::OneOf(std::string_view key, std::string_view fallback,
                               const std::vector<std::string>& allowed) {
  const std::string v = String(key, fallback);
  for (const std::string& a : allowed) {
    if (v == a) return v;
  }
  Error(key, absl::StrFormat("is \"%s\"; this check understands only %s", v,
                             absl::StrJoin(allowed, " | ")));
  return std::string(fallback);
}

double ParamReader::Share(std::string_view key) {
  const std::string v = Required(key);
  if (v.empty()) return 0;
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (end != v.c_str() + v.size() || !std::isfinite(d) || d < 0 || d > 1) {
    Error(key, absl::StrFormat("is \"%s\"; a share is a number from 0 to 1", v));
    return 0;
  }
  return d;
}

std::vector<std::string> ParamReader::Unread() const {
  std::vector<std::string> out;
  for (const auto& [key, value] : control_.parameters()) {
    if (read_.count(key) == 0) out.push_back(key);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void ParamReader::Error(std::string_view key, const std::string& what) {
  if (!error_.ok()) return;
  error_key_ = std::string(key);
  error_ = absl::InvalidArgumentError(
      absl::StrFormat("control %s: parameter `%s` %s", control_.id(), key, what));
}

NeedsEvidenceParams ReadNeedsEvidenceParams(ParamReader& r) {
  return {r.String("evidence", "documents or officer attestation")};
}

MeasuredBootParams ReadMeasuredBootParams(ParamReader& r) {
  MeasuredBootParams p;
  const std::string pcrs = r.String("pcrs", "0-7");
  if (auto list = PcrList(pcrs)) {
    p.pcrs = *list;
  } else {
    r.Invalid("pcrs", absl::StrFormat("is \"%s\"; give PCRs 0..23 such as 0-7 or 0,2,4-7", pcrs));
  }
  // The checks behind this control replay the log against the quoted banks; the control names
  // the bank its reference values are for, and only SHA-256 reference values exist.
  p.bank = r.OneOf("bank", "sha256", {"sha256"});
  return p;
}

SecureBootParams ReadSecureBootParams(ParamReader& r) {
  r.OneOf("require", "enabled", {"enabled"});
  return {};
}

RuntimeIntegrityParams ReadRuntimeIntegrityParams(ParamReader& r) {
  return {r.String("status", "runtime integrity (IMA) is not measured yet")};
}

DeviceIdentityParams ReadDeviceIdentityParams(ParamReader& r) {
  return {r.String("status", "no device attestation reports reach the facts yet")};
}

PrivilegedAccessParams ReadPrivilegedAccessParams(ParamReader& r) {
  PrivilegedAccessParams p;
  const std::string max = r.String("max_uid0_accounts", "1");
  if (auto n = Number(max)) {
    p.max_uid0_accounts = *n;
  } else {
    r.Invalid("max_uid0_accounts", absl::StrFormat("is \"%s\"; give a whole number", max));
  }
  p.allow_nopasswd_all = r.OneOf("allow_nopasswd_all", "false", {"true", "false"}) == "true";
  p.admin_groups = SplitParamList(r.String("admin_groups", "sudo,wheel,admin"), ',');
  return p;
}

RemoteAccessParams ReadRemoteAccessParams(ParamReader& r) {
  return {r.String("permit_root_login", "no"), r.String("password_authentication", "no"),
          r.String("kbd_interactive_authentication", "no")};
}

AuditLoggingParams ReadAuditLoggingParams(ParamReader& r) {
  AuditLoggingParams p;
  p.auditd_running = r.OneOf("auditd_running", "true", {"true", "false"}) == "true";
  p.rules_sha256 = r.String("rules_sha256", "");
  return p;
}

FirewallParams ReadFirewallParams(ParamReader& r) { return {r.String("configured_sha256", "")}; }

KernelHardeningParams ReadKernelHardeningParams(ParamReader& r) {
  KernelHardeningParams p;
  p.min_lockdown =
      r.OneOf("min_lockdown", "integrity", {"none", "integrity", "confidentiality"});
  p.require_lsm = !r.OneOf("require_lsm", "", {"", "selinux-enforcing-or-apparmor"}).empty();
  return p;
}

StorageEncryptionParams ReadStorageEncryptionParams(ParamReader& r) {
  StorageEncryptionParams p;
  p.paths = SplitParamList(r.Required("paths"), ',');
  r.OneOf("require", "LUKS", {"LUKS"});  // the only encryption the agent can tell apart
  return p;
}

WeightProtectionParams ReadWeightProtectionParams(ParamReader& r) {
  WeightProtectionParams p;
  p.paths = SplitParamList(r.Required("paths"), ',');
  const std::string cc = r.OneOf("gpu_confidential_computing", "preferred",
                                 {"required", "preferred", "not-required"});
  p.gpu_confidential_computing = cc == "required"    ? CcRequirement::kRequired
                                 : cc == "preferred" ? CcRequirement::kPreferred
                                                     : CcRequirement::kNotRequired;
  return p;
}

AcceleratorInventoryParams ReadAcceleratorInventoryParams(ParamReader& r) {
  AcceleratorInventoryParams p;
  p.max_count = LimitOrSite(r, "max_count");
  p.max_tpp = LimitOrSite(r, "max_tpp");
  p.fail_on_unknown = r.OneOf("unknown_accelerators", "fail", {"fail", "ignore"}) == "fail";
  return p;
}

AcceleratorSiteParams ReadAcceleratorSiteParams(ParamReader& r) {
  // Identities are NVML serials or UUIDs (InventorySummary.identities); nothing else is read.
  r.OneOf("identity", "nvml-serial-or-uuid", {"nvml-serial-or-uuid"});
  return {r.OneOf("pci_ids_only", "warning", {"warning", "fail"}) == "fail"};
}

DistributionParams ReadDistributionParams(ParamReader& r) {
  DistributionParams p;
  p.min_tier1_share = r.Share("min_tier1_share");
  p.max_single_non_tier1_share = r.Share("max_single_non_tier1_share");
  p.us_hq_min_us_share = r.Share("us_hq_min_us_share");
  return p;
}

InstalledBaseCapParams ReadInstalledBaseCapParams(ParamReader&) { return {}; }

std::optional<ParameterProblem> FindParameterProblem(const v1::Control& control) {
  ParamReader r(control);
  switch (control.check()) {
    case v1::NEEDS_EVIDENCE: ReadNeedsEvidenceParams(r); break;
    case v1::MEASURED_BOOT: ReadMeasuredBootParams(r); break;
    case v1::SECURE_BOOT: ReadSecureBootParams(r); break;
    case v1::RUNTIME_INTEGRITY: ReadRuntimeIntegrityParams(r); break;
    case v1::DEVICE_IDENTITY: ReadDeviceIdentityParams(r); break;
    case v1::PRIVILEGED_ACCESS: ReadPrivilegedAccessParams(r); break;
    case v1::REMOTE_ACCESS: ReadRemoteAccessParams(r); break;
    case v1::AUDIT_LOGGING: ReadAuditLoggingParams(r); break;
    case v1::FIREWALL: ReadFirewallParams(r); break;
    case v1::KERNEL_HARDENING: ReadKernelHardeningParams(r); break;
    case v1::STORAGE_ENCRYPTION: ReadStorageEncryptionParams(r); break;
    case v1::WEIGHT_PROTECTION: ReadWeightProtectionParams(r); break;
    case v1::ACCELERATOR_INVENTORY: ReadAcceleratorInventoryParams(r); break;
    case v1::ACCELERATOR_SITE: ReadAcceleratorSiteParams(r); break;
    case v1::COMPUTE_DISTRIBUTION: ReadDistributionParams(r); break;
    case v1::INSTALLED_BASE_CAP: ReadInstalledBaseCapParams(r); break;
    default:
      return ParameterProblem{"", absl::StrFormat("control %s has check kind %d, which this "
                                                  "verifier does not evaluate",
                                                  control.id(), control.check())};
  }
  if (!r.error().ok()) return ParameterProblem{r.error_key(), std::string(r.error().message())};
  const std::vector<std::string> unread = r.Unread();
  if (!unread.empty()) {
    return ParameterProblem{
        unread.front(),
        absl::StrFormat("control %s declares parameter `%s`, which no code of its check (%s) "
                        "reads; remove it or implement it (a parameter the code ignores would "
                        "read as a condition that is checked)",
                        control.id(), unread.front(), v1::CheckKind_Name(control.check()))};
  }
  return std::nullopt;
}

absl::Status CheckControlParameters(const v1::Control& control) {
  if (auto p = FindParameterProblem(control)) return absl::InvalidArgumentError(p->message);
  return absl::OkStatus();
}

}  // namespace veu::facts
