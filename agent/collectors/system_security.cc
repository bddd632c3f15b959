#include "agent/collectors/system_security.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "agent/collectors/text_lines.h"
#include "common/crypto/digest.h"

namespace veu::collectors {
namespace {

constexpr size_t kSmallFile = 4096;
constexpr int kMaxDmDepth = 8;

void AddError(std::vector<v1::CollectionError>* errors, std::string_view path, uint32_t line,
              std::string_view message) {
  v1::CollectionError e;
  e.set_source_path(std::string(path));
  e.set_line(line);
  e.set_message(std::string(message));
  errors->push_back(std::move(e));
}

// Reads an optional small file: nullopt-like empty status NotFound is passed through.
absl::StatusOr<std::string> ReadSmall(const RootFs& fs, std::string_view path) {
  return fs.ReadFile(path, kSmallFile);
}

bool Digest(const RootFs& fs, const std::string& path,
            google::protobuf::RepeatedPtrField<v1::FileDigest>* out,
            std::vector<v1::CollectionError>* errors) {
  auto text = fs.ReadFile(path);
  if (!text.ok()) {
    if (!absl::IsNotFound(text.status()))
      AddError(errors, path, 0, StdView(text.status().message()));
    return false;
  }
  v1::FileDigest* d = out->Add();
  d->set_path(path);
  d->set_sha256(crypto::Sha256(*text));
  uint32_t rules = 0;
  for (std::string_view line : Split(*text, '\n')) {
    line = Trim(line);
    if (!line.empty() && line.front() != '#') ++rules;
  }
  d->set_rule_lines(rules);
  return true;
}

}  // namespace

absl::StatusOr<std::string> ParseLockdown(std::string_view text, std::string_view path) {
  std::string selected;
  int brackets = 0;
  for (std::string_view word : Split(Trim(text), ' ', /*skip_empty=*/true)) {
    if (word.size() > 2 && word.front() == '[' && word.back() == ']') {
      ++brackets;
      selected = std::string(word.substr(1, word.size() - 2));
    }
  }
  if (brackets != 1 ||
      (selected != "none" && selected != "integrity" && selected != "confidentiality")) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s:1: expected one bracketed mode of none/integrity/confidentiality, found \"%s\"", path,
        Escaped(Trim(text))));
  }
  return selected;
}

void CollectKernelSecurity(const RootFs& fs, v1::KernelSecurityFacts* out,
                           std::vector<v1::CollectionError>* errors) {
  constexpr std::string_view kLockdown = "/sys/kernel/security/lockdown";
  constexpr std::string_view kSelinux = "/sys/fs/selinux/enforce";
  constexpr std::string_view kApparmor = "/sys/module/apparmor/parameters/enabled";
  if (auto text = ReadSmall(fs, kLockdown); text.ok()) {
    out->add_sources(std::string(kLockdown));
    auto mode = ParseLockdown(*text, kLockdown);
    if (mode.ok()) {
      out->set_lockdown(*mode);
    } else {
      AddError(errors, kLockdown, 1, StdView(mode.status().message()));
    }
  } else if (!absl::IsNotFound(text.status())) {
    AddError(errors, kLockdown, 0, StdView(text.status().message()));
  }

  out->set_selinux(v1::ABSENT);
  if (auto text = ReadSmall(fs, kSelinux); text.ok()) {
    out->add_sources(std::string(kSelinux));
    const std::string_view v = Trim(*text);
    if (v == "1") {
      out->set_selinux(v1::ENFORCING);
    } else if (v == "0") {
      out->set_selinux(v1::PERMISSIVE);
    } else {
      out->set_selinux(v1::SECURITY_MODULE_MODE_UNSPECIFIED);
      AddError(errors, kSelinux, 1,
               absl::StrFormat("%s:1: expected 0 or 1, found \"%s\"", kSelinux, Escaped(v, 16)));
    }
  } else if (!absl::IsNotFound(text.status())) {
    AddError(errors, kSelinux, 0, StdView(text.status().message()));
  }

  out->set_apparmor(v1::ABSENT);
  if (auto text = ReadSmall(fs, kApparmor); text.ok()) {
    out->add_sources(std::string(kApparmor));
    const std::string_view v = Trim(*text);
    if (v == "Y") {
      out->set_apparmor(v1::ENFORCING);
    } else if (v == "N") {
      out->set_apparmor(v1::DISABLED);
    } else {
      out->set_apparmor(v1::SECURITY_MODULE_MODE_UNSPECIFIED);
      AddError(errors, kApparmor, 1,
               absl::StrFormat("%s:1: expected Y or N, found \"%s\"", kApparmor, Escaped(v, 16)));
    }
  } else if (!absl::IsNotFound(text.status())) {
    AddError(errors, kApparmor, 0, StdView(text.status().message()));
  }
}

void CollectAudit(const RootFs& fs, v1::AuditFacts* out, std::vector<v1::CollectionError>* errors) {
  auto pids = fs.ListDir("/proc");
  if (!pids.ok()) {
    AddError(errors, "/proc", 0,
             absl::StrFormat("cannot list processes: %s; auditd state unknown",
                             pids.status().message()));
  } else {
    for (const std::string& pid : *pids) {
      if (pid.empty() || !std::all_of(pid.begin(), pid.end(), [](char c) {
            return absl::ascii_isdigit(static_cast<unsigned char>(c));
          })) {
        continue;
      }
      const std::string comm_path = JoinPath(JoinPath("/proc", pid), "comm");
      auto comm = fs.ReadFile(comm_path, 64);  // processes come and go: errors are normal
      if (comm.ok() && Trim(*comm) == "auditd") {
        out->set_auditd_running(true);
        out->set_process_source(comm_path);
        break;
      }
    }
  }
  Digest(fs, "/etc/audit/audit.rules", out->mutable_rules(), errors);
  auto names = fs.ListDir("/etc/audit/rules.d");
  if (names.ok()) {
    for (const std::string& name : *names) {
      if (name.ends_with(".rules")) {
        Digest(fs, JoinPath("/etc/audit/rules.d", name), out->mutable_rules(), errors);
      }
    }
  } else if (!absl::IsNotFound(names.status())) {
    AddError(errors, "/etc/audit/rules.d", 0, StdView(names.status().message()));
  }
}

void CollectFirewall(const RootFs& fs, v1::FirewallFacts* out,
                     std::vector<v1::CollectionError>* errors) {
  for (const char* path :
       {"/etc/nftables.conf", "/etc/iptables/rules.v4", "/etc/iptables/rules.v6"}) {
    Digest(fs, path, out->mutable_configured(), errors);
  }
  out->set_loaded_ruleset_read(false);
}

absl::StatusOr<std::vector<MountEntry>> ParseMounts(std::string_view text, std::string_view path) {
  auto lines = SplitLines(text, path);
  if (!lines.ok()) return lines.status();
  auto unescape = [&](std::string_view s, uint32_t line) -> absl::StatusOr<std::string> {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\\') {
        out += s[i];
        continue;
      }
      if (s.size() - i < 4) {
        return absl::InvalidArgumentError(
            absl::StrFormat("%s:%d: truncated octal escape", path, line));
      }
      int v = 0;
      for (size_t k = 1; k <= 3; ++k) {
        const char c = s[i + k];
        if (c < '0' || c > '7') {
          return absl::InvalidArgumentError(absl::StrFormat("%s:%d: bad octal escape \"%s\"", path,
                                                            line, Escaped(s.substr(i, 4))));
        }
        v = v * 8 + (c - '0');
      }
      if (v > 255 || v == 0) {
        return absl::InvalidArgumentError(
            absl::StrFormat("%s:%d: octal escape out of range", path, line));
      }
      out += static_cast<char>(v);
      i += 3;
    }
    return out;
  };
  std::vector<MountEntry> mounts;
  for (const TextLine& l : *lines) {
    if (Trim(l.text).empty()) continue;
    std::vector<std::string_view> f = Split(l.text, ' ', /*skip_empty=*/true);
    if (f.size() < 4) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s:%d: expected `device mountpoint fstype options ...`, found %d fields",
                          path, l.number, f.size()));
    }
    MountEntry m;
    auto device = unescape(f[0], l.number);
    if (!device.ok()) return device.status();
    auto mp = unescape(f[1], l.number);
    if (!mp.ok()) return mp.status();
    m.device = *device;
    m.mount_point = *mp;
    m.fs_type = std::string(f[2]);
    mounts.push_back(std::move(m));
  }
  return mounts;
}

namespace {

bool Covers(std::string_view mount_point, std::string_view path) {
  if (mount_point == "/") return path.starts_with("/");
  return path == mount_point || (path.starts_with(mount_point) && path[mount_point.size()] == '/');
}

// Encryption of dm-N, looking down through its slaves.
v1::StorageEncryption DmEncryption(const RootFs& fs, const std::string& dm, int depth,
                                   std::string* deciding_uuid) {
  const std::string base = JoinPath("/sys/block", dm);
  if (auto uuid = fs.ReadFile(JoinPath(base, "dm/uuid"), kSmallFile); uuid.ok()) {
    const std::string_view u = Trim(*uuid);
    if (u.starts_with("CRYPT-LUKS")) {
      *deciding_uuid = std::string(u);
      return v1::LUKS;
    }
    if (u.starts_with("CRYPT-")) {
      *deciding_uuid = std::string(u);
      return v1::DM_CRYPT_PLAIN;
    }
  }
  if (depth < kMaxDmDepth) {
    if (auto slaves = fs.ListDir(JoinPath(base, "slaves")); slaves.ok()) {
      v1::StorageEncryption best = v1::UNENCRYPTED;
      for (const std::string& s : *slaves) {
        if (!s.starts_with("dm-")) continue;
        std::string uuid;
        const v1::StorageEncryption e = DmEncryption(fs, s, depth + 1, &uuid);
        // Every path down must be encrypted for the data to be; report the weakest.
        if (e == v1::UNENCRYPTED) return v1::UNENCRYPTED;
        if (best == v1::UNENCRYPTED || e == v1::DM_CRYPT_PLAIN) {
          best = e;
          *deciding_uuid = uuid;
        }
      }
      return best;
    }
  }
  return v1::UNENCRYPTED;
}

}  // namespace

void CollectStorage(const RootFs& fs, const std::vector<std::string>& data_paths,
                    std::vector<v1::DataPathStorage>* out,
                    std::vector<v1::CollectionError>* errors) {
  if (data_paths.empty()) return;
  constexpr std::string_view kMounts = "/proc/mounts";
  auto text = fs.ReadFile(kMounts);
  absl::StatusOr<std::vector<MountEntry>> mounts =
      text.ok() ? ParseMounts(*text, kMounts)
                : absl::StatusOr<std::vector<MountEntry>>(text.status());
  if (!mounts.ok()) {
    AddError(
        errors, kMounts, 0,
        absl::StrFormat("%s; storage encryption of data paths unknown", mounts.status().message()));
    return;
  }
  // /dev/mapper/NAME -> dm-N
  std::vector<std::pair<std::string, std::string>> dm_names;
  if (auto blocks = fs.ListDir("/sys/block"); blocks.ok()) {
    for (const std::string& b : *blocks) {
      if (!b.starts_with("dm-")) continue;
      if (auto name = fs.ReadFile(JoinPath(JoinPath("/sys/block", b), "dm/name"), kSmallFile);
          name.ok()) {
        dm_names.emplace_back(std::string(Trim(*name)), b);
      }
    }
  }
  for (const std::string& path : data_paths) {
    v1::DataPathStorage s;
    s.set_path(path);
    const MountEntry* best = nullptr;
    for (const MountEntry& m : *mounts) {
      // Later entries over-mount earlier ones at the same point.
      if (Covers(m.mount_point, path) &&
          (best == nullptr || m.mount_point.size() >= best->mount_point.size())) {
        best = &m;
      }
    }
    if (best == nullptr) {
      s.set_encryption(v1::PATH_NOT_MOUNTED);
      out->push_back(std::move(s));
      continue;
    }
    s.set_mount_point(best->mount_point);
    s.set_device(best->device);
    std::string dm;
    const std::string_view d = best->device;
    if (d.starts_with("/dev/mapper/")) {
      for (const auto& [name, block] : dm_names) {
        if (name == d.substr(12)) dm = block;
      }
    } else if (d.starts_with("/dev/dm-")) {
      dm = std::string(d.substr(5));
    }
    s.set_dm_name(dm);
    if (dm.empty()) {
      s.set_encryption(v1::UNENCRYPTED);
    } else {
      std::string uuid;
      s.set_encryption(DmEncryption(fs, dm, 0, &uuid));
      s.set_dm_uuid(uuid);
    }
    out->push_back(std::move(s));
  }
}

}  // namespace veu::collectors
