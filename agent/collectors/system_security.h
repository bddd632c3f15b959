// Kernel and host security facts read from /sys, /proc and /etc: lockdown, SELinux/AppArmor,
// auditd and its rules, the configured firewall ruleset, and disk encryption of data paths.
#ifndef VEU_AGENT_COLLECTORS_SYSTEM_SECURITY_H_
#define VEU_AGENT_COLLECTORS_SYSTEM_SECURITY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/collectors/root_fs.h"
#include "veu/v1/inventory.pb.h"

namespace veu::collectors {

// Selected mode of /sys/kernel/security/lockdown ("none [integrity] confidentiality" ->
// "integrity"). InvalidArgument "path:1: ..." unless exactly one known mode is bracketed.
absl::StatusOr<std::string> ParseLockdown(std::string_view text, std::string_view path);

// Lockdown, SELinux (/sys/fs/selinux/enforce) and AppArmor
// (/sys/module/apparmor/parameters/enabled). Absent files mean the feature is absent.
void CollectKernelSecurity(const RootFs& fs, v1::KernelSecurityFacts* out,
                           std::vector<v1::CollectionError>* errors);

// auditd running (some /proc/<pid>/comm is "auditd") and digests of /etc/audit/audit.rules
// and /etc/audit/rules.d/*.rules.
void CollectAudit(const RootFs& fs, v1::AuditFacts* out, std::vector<v1::CollectionError>* errors);

// Digests of the configured firewall rules (/etc/nftables.conf, /etc/iptables/rules.v4|v6).
// These are the files on disk, not the ruleset loaded in the kernel.
void CollectFirewall(const RootFs& fs, v1::FirewallFacts* out,
                     std::vector<v1::CollectionError>* errors);

struct MountEntry {
  std::string device;
  std::string mount_point;
  std::string fs_type;
};

// Parses /proc/mounts (octal escapes such as \040 decoded). InvalidArgument "path:line: ..."
// on a line with fewer than 4 fields or a bad escape.
absl::StatusOr<std::vector<MountEntry>> ParseMounts(std::string_view text, std::string_view path);

// For each configured data path: the mount covering it (longest mount-point prefix) and
// whether its block device is dm-crypt/LUKS, looking through device-mapper stacks (LVM on
// LUKS) via /sys/block/dm-*/slaves.
void CollectStorage(const RootFs& fs, const std::vector<std::string>& data_paths,
                    std::vector<v1::DataPathStorage>* out,
                    std::vector<v1::CollectionError>* errors);

}  // namespace veu::collectors

#endif  // VEU_AGENT_COLLECTORS_SYSTEM_SECURITY_H_
