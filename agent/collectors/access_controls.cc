#include "agent/collectors/access_controls.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "agent/collectors/accounts.h"
#include "agent/collectors/authorized_keys.h"
#include "agent/collectors/sshd_config.h"
#include "agent/collectors/sudoers.h"
#include "agent/collectors/system_security.h"
#include "agent/collectors/text_lines.h"

namespace veu::collectors {
namespace {

constexpr std::string_view kPasswd = "/etc/passwd";
constexpr std::string_view kGroup = "/etc/group";

void AddError(std::vector<v1::CollectionError>* errors, std::string_view path, uint32_t line,
              std::string_view message) {
  v1::CollectionError e;
  e.set_source_path(std::string(path));
  e.set_line(line);
  e.set_message(std::string(message));
  errors->push_back(std::move(e));
}

uint32_t LineOf(const absl::Status& s) {
  // Messages are "path:line: ..."; the line is informative only.
  std::vector<std::string_view> parts = Split(StdView(s.message()), ':');
  uint32_t line = 0;
  if (parts.size() < 3) return 0;
  auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), line);
  return ec == std::errc() && end == parts[1].data() + parts[1].size() ? line : 0;
}

// AuthorizedKeysFile tokens for one account, as absolute paths.
std::vector<std::string> KeyFiles(const std::string& setting, const PasswdEntry& account) {
  std::vector<std::string> out;
  for (std::string_view token : Split(setting, ' ', /*skip_empty=*/true)) {
    if (token == "none") continue;
    std::string path = absl::StrReplaceAll(
        AbslView(token), {{"%%", "\x01"}, {"%h", account.home}, {"%u", account.name}});
    path = absl::StrReplaceAll(path, {{"\x01", "%"}});
    if (path.empty()) continue;
    if (path.front() != '/') path = JoinPath(account.home, path);
    out.push_back(path);
  }
  return out;
}

}  // namespace

v1::AccessControls CollectAccessControls(const RootFs& fs, const AccessOptions& options) {
  v1::AccessControls ac;
  std::vector<v1::CollectionError> errors;

  std::vector<PasswdEntry> accounts;
  if (auto text = fs.ReadFile(kPasswd); !text.ok()) {
    AddError(&errors, kPasswd, 0,
             absl::StrFormat("%s; privileged accounts unknown", text.status().message()));
  } else if (auto parsed = ParsePasswd(*text, kPasswd); !parsed.ok()) {
    AddError(&errors, kPasswd, LineOf(parsed.status()), StdView(parsed.status().message()));
  } else {
    accounts = *std::move(parsed);
  }
  std::vector<GroupEntry> groups;
  if (auto text = fs.ReadFile(kGroup); !text.ok()) {
    AddError(&errors, kGroup, 0,
             absl::StrFormat("%s; admin group members unknown", text.status().message()));
  } else if (auto parsed = ParseGroup(*text, kGroup); !parsed.ok()) {
    AddError(&errors, kGroup, LineOf(parsed.status()), StdView(parsed.status().message()));
  } else {
    groups = *std::move(parsed);
  }

  CollectSudoers(fs, ac.mutable_sudo(), &errors);
  CollectSshdConfig(fs, ac.mutable_sshd(), &errors);

  // Reasons each account is privileged, keyed by account name, in discovery order.
  std::map<std::string, std::vector<std::string>> reasons;
  for (const PasswdEntry& a : accounts) {
    if (a.uid == 0) reasons[a.name].push_back(absl::StrFormat("uid 0 (%s:%d)", kPasswd, a.line));
  }
  auto group_members = [&](const GroupEntry& g) {
    std::vector<std::string> members = g.members;
    for (const PasswdEntry& a : accounts) {
      if (a.gid == g.gid && std::find(members.begin(), members.end(), a.name) == members.end()) {
        members.push_back(a.name);  // primary group
      }
    }
    return members;
  };
  for (const GroupEntry& g : groups) {
    if (std::find_if(std::begin(kAdminGroups), std::end(kAdminGroups),
                     [&](const char* n) { return g.name == n; }) == std::end(kAdminGroups)) {
      continue;
    }
    v1::GroupMembership* m = ac.add_admin_groups();
    m->set_group(g.name);
    m->set_gid(g.gid);
    m->set_source_path(std::string(kGroup));
    for (const std::string& member : group_members(g)) {
      m->add_members(member);
      reasons[member].push_back(absl::StrFormat("group %s (%s:%d)", g.name, kGroup, g.line));
    }
  }
  for (const v1::SudoRule& rule : ac.sudo().rules()) {
    if (!rule.grants_root()) continue;
    const std::string where = absl::StrFormat("sudoers %s:%d", rule.source_path(), rule.line());
    for (const std::string& p : rule.principals()) {
      if (p.size() > 1 && p[0] == '%') {
        for (const GroupEntry& g : groups) {
          if (g.name != p.substr(1)) continue;
          for (const std::string& member : group_members(g)) {
            reasons[member].push_back(absl::StrFormat("%s via %s", where, p));
          }
        }
      } else if (!p.empty() && p[0] != '!' && p != "ALL") {
        reasons[p].push_back(where);
      }
    }
  }

  std::string key_files_setting;
  for (const v1::SshdSetting& s : ac.sshd().settings()) {
    if (s.keyword() == "AuthorizedKeysFile") key_files_setting = s.value();
  }
  for (const PasswdEntry& a : accounts) {
    auto it = reasons.find(a.name);
    if (it == reasons.end()) continue;
    v1::PrivilegedAccount* p = ac.add_privileged_accounts();
    p->set_name(a.name);
    p->set_uid(a.uid);
    p->set_home(a.home);
    p->set_shell(a.shell);
    p->set_login_shell(IsLoginShell(a.shell));
    for (const std::string& r : it->second) {
      if (std::find(p->reasons().begin(), p->reasons().end(), r) == p->reasons().end()) {
        p->add_reasons(r);
      }
    }
    if (a.home.empty() || a.home.front() != '/') continue;
    for (const std::string& file : KeyFiles(key_files_setting, a)) {
      auto text = fs.ReadFile(file, kMaxAuthorizedKeysBytes);
      if (!text.ok()) {
        if (!absl::IsNotFound(text.status())) {
          AddError(&errors, file, 0, StdView(text.status().message()));
        }
        continue;
      }
      for (auto& k : ParseAuthorizedKeys(*text, file, &errors)) {
        *p->add_authorized_keys() = std::move(k);
      }
    }
  }
  // Names sudo grants root to that have no local account (directory users, typos).
  for (const auto& [name, why] : reasons) {
    if (std::none_of(accounts.begin(), accounts.end(),
                     [&](const PasswdEntry& a) { return a.name == name; }) &&
        !accounts.empty()) {
      v1::PrivilegedAccount* p = ac.add_privileged_accounts();
      p->set_name(name);
      p->set_no_local_account(true);
      for (const std::string& r : why) p->add_reasons(r);
    }
  }

  CollectAudit(fs, ac.mutable_audit(), &errors);
  CollectFirewall(fs, ac.mutable_firewall(), &errors);
  CollectKernelSecurity(fs, ac.mutable_kernel(), &errors);
  std::vector<v1::DataPathStorage> storage;
  CollectStorage(fs, options.data_paths, &storage, &errors);
  for (auto& s : storage) *ac.add_storage() = std::move(s);
  for (auto& e : errors) *ac.add_errors() = std::move(e);
  return ac;
}

}  // namespace veu::collectors
