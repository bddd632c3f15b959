#include "common/facts/host_controls.h"

#include <charconv>
#include <map>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/facts/control_params.h"
#include "common/hex.h"

namespace veu::facts {
namespace {

// Collects failures of one control; PASS when there are none.
class Outcome {
 public:
  void Fail(std::string why) { failures_.push_back(std::move(why)); }
  void Note(std::string what) { notes_.push_back(std::move(what)); }
  // The facts only approximate the condition: with no failure the result is NEEDS_EVIDENCE,
  // never PASS, and `limits` (what the facts do not show) ends the evidence line.
  void ProxyOnly(std::string limits) { proxy_limits_ = std::move(limits); }
  // The control could not be judged (facts absent); wins over PASS and NEEDS_EVIDENCE.
  void NotEvaluated(std::string why) { not_evaluated_.push_back(std::move(why)); }
  v1::CheckResult Result(const v1::Control& c) const {
    v1::CheckResult r;
    r.set_check(c.id());
    if (failures_.empty() && !not_evaluated_.empty()) {
      r.set_status(v1::CHECK_NOT_EVALUATED);
      r.set_reason(v1::CONTROL_NOT_EVALUATED);
      std::vector<std::string> all = not_evaluated_;
      all.insert(all.end(), notes_.begin(), notes_.end());
      r.set_detail(absl::StrJoin(all, "; "));
    } else if (failures_.empty() && !proxy_limits_.empty()) {
      r.set_status(v1::CHECK_NEEDS_EVIDENCE);
      r.set_reason(v1::CONTROL_NEEDS_EVIDENCE);
      r.set_detail(absl::StrCat("shows: ", absl::StrJoin(notes_, "; "),
                                "; does not show: ", proxy_limits_));
    } else if (failures_.empty()) {
      r.set_status(v1::CHECK_PASS);
      r.set_detail(absl::StrJoin(notes_, "; "));
    } else {
      r.set_status(v1::CHECK_FAIL);
      r.set_reason(v1::CONTROL_FAILED);
      r.set_detail(absl::StrJoin(failures_, "; "));
    }
    return r;
  }

 private:
  std::vector<std::string> failures_, notes_, not_evaluated_;
  std::string proxy_limits_;
};

// Collection errors on files under any of `prefixes` make the dependent control fail.
void FailOnErrors(const google::protobuf::RepeatedPtrField<v1::CollectionError>& errors,
                  const std::vector<std::string>& prefixes, Outcome& out) {
  for (const auto& e : errors) {
    for (const auto& p : prefixes) {
      if (e.source_path().rfind(p, 0) == 0) {
        out.Fail("could not read: " + e.message());
        break;
      }
    }
  }
}

void PrivilegedAccess(const PrivilegedAccessParams& p, const v1::AccessControls& ac,
                      Outcome& out) {
  FailOnErrors(ac.errors(), {"/etc/passwd", "/etc/group", "/etc/sudoers"}, out);
  const uint64_t max_uid0 = p.max_uid0_accounts;
  std::vector<std::string> uid0;
  for (const auto& a : ac.privileged_accounts()) {
    if (a.uid() == 0 && !a.no_local_account()) uid0.push_back(a.name());
  }
  if (uid0.size() > max_uid0) {
    out.Fail(absl::StrFormat("%d accounts have UID 0 (%s); at most %d allowed", uid0.size(),
                             absl::StrJoin(uid0, ", "), max_uid0));
  }
  if (!p.allow_nopasswd_all) {
    for (const auto& r : ac.sudo().rules()) {
      const bool passwordless = r.nopasswd() || !ac.sudo().authenticate_disabled_at().empty();
      if (r.grants_root() && r.all_commands() && passwordless) {
        out.Fail(absl::StrFormat("%s:%d grants %s every command as root without a password",
                                 r.source_path(), r.line(), absl::StrJoin(r.principals(), ",")));
      }
    }
  }
  out.Note(absl::StrFormat("%d privileged accounts", ac.privileged_accounts_size()));
  // Members of the pack's admin groups, as the agent read them from /etc/group.
  for (const auto& g : ac.admin_groups()) {
    if (std::find(p.admin_groups.begin(), p.admin_groups.end(), g.group()) == p.admin_groups.end()) {
      continue;
    }
    out.Note(absl::StrFormat("group %s: %s", g.group(),
                             g.members().empty() ? "no members" : absl::StrJoin(g.members(), ",")));
  }
}

void RemoteAccess(const RemoteAccessParams& p, const v1::AccessControls& ac, Outcome& out) {
  FailOnErrors(ac.errors(), {"/etc/ssh"}, out);
  if (!ac.sshd().present()) {
    out.Note("no sshd_config: sshd not installed");
    return;
  }
  const std::map<std::string, std::string> wanted = {
      {"PermitRootLogin", p.permit_root_login},
      {"PasswordAuthentication", p.password_authentication},
      {"KbdInteractiveAuthentication", p.kbd_interactive_authentication}};
  for (const auto& s : ac.sshd().settings()) {
    auto it = wanted.find(s.keyword());
    if (it == wanted.end()) continue;
    const std::vector<std::string> allowed = SplitParamList(it->second, '|');
    // Where the effective value comes from, so a reader can check the evidence.
    out.Note(absl::StrFormat(
        "%s %s (%s)", s.keyword(), s.value(),
        s.is_default() ? "sshd default" : absl::StrFormat("%s:%d", s.source_path(), s.line())));
    if (std::find(allowed.begin(), allowed.end(), s.value()) == allowed.end()) {
      out.Fail(absl::StrFormat(
          "%s is \"%s\" (%s); policy allows %s", s.keyword(), s.value(),
          s.is_default() ? "sshd default" : absl::StrFormat("%s:%d", s.source_path(), s.line()),
          it->second));
    }
  }
  for (const auto& m : ac.sshd().match_blocks()) {
    for (const auto& k : m.keywords()) {
      if (wanted.count(k) > 0) {
        out.Fail(
            absl::StrFormat("Match %s at %s:%d sets %s, which may weaken it for some "
                            "connections; Match blocks are not evaluated",
                            m.criteria(), m.source_path(), m.line(), k));
      }
    }
  }
}

void AuditLogging(const AuditLoggingParams& p, const v1::AccessControls& ac, Outcome& out) {
  FailOnErrors(ac.errors(), {"/etc/audit", "/proc"}, out);
  if (p.auditd_running && !ac.audit().auditd_running()) {
    out.Fail("auditd is not running");
  }
  const std::string& want = p.rules_sha256;
  uint32_t rule_lines = 0;
  bool matched = want.empty();
  for (const auto& f : ac.audit().rules()) {
    rule_lines += f.rule_lines();
    if (!want.empty() && ToHex(f.sha256()) == want) matched = true;
  }
  if (rule_lines == 0) out.Fail("no audit rules configured (/etc/audit/audit.rules, rules.d)");
  out.Note(absl::StrFormat("auditd %s; %d rule lines in %d files",
                           ac.audit().auditd_running() ? "running" : "not running", rule_lines,
                           ac.audit().rules_size()));
  if (!matched) out.Fail("no audit rules file has the approved digest " + want);
}

void Firewall(const FirewallParams& p, const v1::AccessControls& ac, Outcome& out) {
  FailOnErrors(ac.errors(), {"/etc/nftables.conf", "/etc/iptables"}, out);
  const std::string& want = p.configured_sha256;
  if (ac.firewall().configured().empty()) {
    out.Fail("no firewall ruleset configured (/etc/nftables.conf, /etc/iptables/rules.v4|v6)");
    return;
  }
  bool matched = want.empty();
  for (const auto& f : ac.firewall().configured()) {
    if (ToHex(f.sha256()) == want) matched = true;
  }
  if (!matched) out.Fail("no configured ruleset has the approved digest " + want);
  out.Note("judged on the configured ruleset files, not the ruleset loaded in the kernel");
}

std::string ModeName(v1::SecurityModuleMode mode) {
  switch (mode) {
    case v1::ABSENT: return "absent";
    case v1::DISABLED: return "disabled";
    case v1::PERMISSIVE: return "permissive";
    case v1::ENFORCING: return "enforcing";
    default: return "not reported";
  }
}

int LockdownLevel(const std::string& mode) {
  if (mode == "confidentiality") return 2;
  if (mode == "integrity") return 1;
  if (mode == "none") return 0;
  return -1;  // not reported
}

void KernelHardening(const KernelHardeningParams& p, const v1::AccessControls& ac,
                     Outcome& out) {
  FailOnErrors(ac.errors(), {"/sys/kernel/security", "/sys/fs/selinux", "/sys/module/apparmor"},
               out);
  const std::string& min = p.min_lockdown;
  if (LockdownLevel(ac.kernel().lockdown()) < LockdownLevel(min)) {
    out.Fail(absl::StrFormat(
        "kernel lockdown is \"%s\"; at least \"%s\" required",
        ac.kernel().lockdown().empty() ? "not available" : ac.kernel().lockdown(), min));
  }
  out.Note(absl::StrFormat("lockdown %s; SELinux %s; AppArmor %s",
                           ac.kernel().lockdown().empty() ? "not available" : ac.kernel().lockdown(),
                           ModeName(ac.kernel().selinux()), ModeName(ac.kernel().apparmor())));
  if (p.require_lsm && ac.kernel().selinux() != v1::ENFORCING &&
      ac.kernel().apparmor() != v1::ENFORCING) {
    out.Fail("neither SELinux (enforcing) nor AppArmor (enabled) is active");
  }
}

// Weight paths on dm-crypt/LUKS. A proxy for the para. 8 storage conditions: never a pass.
void WeightPathsOnLuks(const std::vector<std::string>& paths, const v1::AccessControls& ac,
                       Outcome& out) {
  FailOnErrors(ac.errors(), {"/proc/mounts"}, out);
  for (const std::string& path : paths) {
    const v1::DataPathStorage* found = nullptr;
    for (const auto& s : ac.storage()) {
      if (s.path() == path) found = &s;
    }
    if (found == nullptr) {
      out.Fail(path + " was not reported; add it to the agent's data paths");
    } else if (found->encryption() != v1::LUKS) {
      out.Fail(absl::StrFormat("%s is on %s (%s), which is %s", path, found->mount_point(),
                               found->device(), v1::StorageEncryption_Name(found->encryption())));
    } else {
      out.Note(absl::StrFormat("%s on %s (%s, LUKS)", path, found->mount_point(), found->device()));
    }
  }
}

constexpr char kLuksLimits[] =
    "that the files there are the controlled (ECCN 4E091) weights or that no copy is kept "
    "elsewhere, who holds the LUKS key, or the storage conditions of Supplement No. 10 para. 8 "
    "themselves (the volume is unlocked while mounted); those need the operator's records";

void StorageEncryption(const StorageEncryptionParams& p, const v1::AccessControls& ac,
                       Outcome& out) {
  WeightPathsOnLuks(p.paths, ac, out);
  out.ProxyOnly(kLuksLimits);
}

// Para. 15 asks to protect weights: rate-limit devices that touch them and keep a narrow access
// API. Encrypted weight paths and GPU confidential-computing mode are evidence towards it, not
// the condition, so the result is at most NEEDS_EVIDENCE.
void WeightProtection(const WeightProtectionParams& p, const v1::Facts& facts, Outcome& out) {
  WeightPathsOnLuks(p.paths, facts.access(), out);
  const v1::NvmlStatus& nvml = facts.inventory().nvml();
  const bool known = nvml.available() && nvml.confidential_computing_known();
  if (p.gpu_confidential_computing != CcRequirement::kNotRequired) {
    const bool required = p.gpu_confidential_computing == CcRequirement::kRequired;
    if (!known) {
      const std::string why = absl::StrFormat(
          "GPU confidential-computing state unknown (%s)",
          nvml.available() ? "the driver does not report it" : "NVML not available");
      if (required) out.NotEvaluated(why); else out.Note(why);
    } else if (!nvml.confidential_computing_on()) {
      if (required) {
        out.Fail("GPU confidential-computing mode is off (NVML), and the pack requires it");
      } else {
        out.Note("GPU confidential-computing mode is off (NVML; the pack prefers it on)");
      }
    } else {
      out.Note("GPU confidential-computing mode on (NVML, as the driver reports it)");
    }
  }
  out.ProxyOnly(
      "that devices touching the weights are rate-limited or that access goes through a narrow "
      "API (Supplement No. 10 para. 15); NVML's CC state is the driver's report, not an NVIDIA "
      "attestation report; and, for the paths, " + std::string(kLuksLimits));
}

void AcceleratorInventory(const AcceleratorInventoryParams& p, const v1::Inventory& inv,
                          const SiteAuthorisation& site, Outcome& out, bool* evaluated) {
  for (const auto& e : inv.errors()) out.Fail("inventory incomplete: " + e.message());
  if (p.fail_on_unknown && inv.totals().unknown_count() > 0) {
    out.Fail(absl::StrFormat("%d accelerators are not in the catalogue, so their TPP is unknown",
                             inv.totals().unknown_count()));
  }
  std::optional<uint64_t> max_count = site.max_accelerators;
  if (!max_count) max_count = p.max_count;
  std::optional<uint64_t> max_tpp = site.max_tpp;
  if (!max_tpp) max_tpp = p.max_tpp;
  *evaluated = max_count.has_value() || max_tpp.has_value();
  const uint64_t site_count = uint64_t{inv.totals().count()} + site.other_nodes_accelerators;
  const uint64_t site_tpp = inv.totals().tpp() + site.other_nodes_tpp;
  const std::string others =
      site.other_nodes > 0
          ? absl::StrFormat(" (this node %d and %d other nodes %d)", inv.totals().count(),
                            site.other_nodes, site.other_nodes_accelerators)
          : "";
  if (max_count && site_count > *max_count) {
    out.Fail(absl::StrFormat("%d accelerators at the site%s; the authorisation allows %d",
                             site_count, others, *max_count));
  }
  if (max_tpp && site_tpp > *max_tpp) {
    out.Fail(absl::StrFormat("TPP %d at the site; the authorisation allows %d", site_tpp,
                             *max_tpp));
  }
  out.Note(absl::StrFormat("%d accelerators, TPP %d%s", inv.totals().count(), inv.totals().tpp(),
                           inv.nvml().available() ? "" : " (identity from PCI IDs only)"));
}

}  // namespace

std::vector<v1::CheckResult> EvaluateHostControls(const v1::PolicyPack& pack,
                                                  const v1::Facts& facts,
                                                  const SiteAuthorisation& site) {
  std::vector<v1::CheckResult> results;
  const v1::AccessControls& ac = facts.access();
  for (const v1::Control& c : pack.controls()) {
    Outcome out;
    // Parameters come from the same readers the pack loader ran (control_params.h), so every
    // declared key is one this code uses; a bad value cannot reach here from a loaded pack.
    ParamReader params(c);
    switch (c.check()) {
      case v1::NEEDS_EVIDENCE: {
        v1::CheckResult r;
        r.set_check(c.id());
        r.set_status(v1::CHECK_NEEDS_EVIDENCE);
        r.set_reason(v1::CONTROL_NEEDS_EVIDENCE);
        r.set_detail(ReadNeedsEvidenceParams(params).evidence);
        results.push_back(std::move(r));
        continue;
      }
      case v1::RUNTIME_INTEGRITY: {
        v1::CheckResult r;
        r.set_check(c.id());
        r.set_status(v1::CHECK_NOT_EVALUATED);
        r.set_reason(v1::CONTROL_NOT_EVALUATED);
        r.set_detail(ReadRuntimeIntegrityParams(params).status);
        results.push_back(std::move(r));
        continue;
      }
      case v1::DEVICE_IDENTITY: {
        v1::CheckResult r;
        r.set_check(c.id());
        r.set_status(v1::CHECK_NOT_EVALUATED);
        r.set_reason(v1::CONTROL_NOT_EVALUATED);
        r.set_detail(absl::StrFormat(
            "%s (%d accelerator(s) in the inventory, none attested by its device key)",
            ReadDeviceIdentityParams(params).status, facts.inventory().accelerators_size()));
        results.push_back(std::move(r));
        continue;
      }
      case v1::PRIVILEGED_ACCESS:
        PrivilegedAccess(ReadPrivilegedAccessParams(params), ac, out);
        break;
      case v1::REMOTE_ACCESS:
        RemoteAccess(ReadRemoteAccessParams(params), ac, out);
        break;
      case v1::AUDIT_LOGGING:
        AuditLogging(ReadAuditLoggingParams(params), ac, out);
        break;
      case v1::FIREWALL:
        Firewall(ReadFirewallParams(params), ac, out);
        break;
      case v1::KERNEL_HARDENING:
        KernelHardening(ReadKernelHardeningParams(params), ac, out);
        break;
      case v1::STORAGE_ENCRYPTION:
        StorageEncryption(ReadStorageEncryptionParams(params), ac, out);
        break;
      case v1::WEIGHT_PROTECTION:
        WeightProtection(ReadWeightProtectionParams(params), facts, out);
        break;
      case v1::ACCELERATOR_INVENTORY: {
        bool evaluated = false;
        AcceleratorInventory(ReadAcceleratorInventoryParams(params), facts.inventory(), site, out,
                             &evaluated);
        v1::CheckResult r = out.Result(c);
        if (r.status() == v1::CHECK_PASS && !evaluated) {
          r.set_status(v1::CHECK_NOT_EVALUATED);
          r.set_reason(v1::CONTROL_NOT_EVALUATED);
          r.set_detail(r.detail() + "; no authorised quantity or TPP configured for the site");
        }
        results.push_back(std::move(r));
        continue;
      }
      default:
        continue;  // evaluated elsewhere (see the header)
    }
    if (!params.error().ok()) {
      // Only a pack that skipped ValidatePolicyPack gets here: its value cannot be judged.
      out.NotEvaluated(std::string(params.error().message()));
    }
    results.push_back(out.Result(c));
  }
  return results;
}

}  // namespace veu::facts
