// Access-control facts from hardened and weak /etc trees, and from malformed files.
#include "agent/collectors/access_controls.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/collectors/accounts.h"
#include "agent/collectors/authorized_keys.h"
#include "agent/collectors/sudoers.h"
#include "common/crypto/digest.h"
#include "tests/agent/collectors/fake_root.h"
#include "tests/support/status_matchers.h"

namespace veu::collectors {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::veu::collectors::testing::FakeRoot;
using ::veu::testing::StatusIs;

// Generated with ssh-keygen; fingerprints as `ssh-keygen -lf` printed them.
constexpr char kAliceKey[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJbE1IRojkeaHThUySCOHAyLdOaUZKogqByNahxmh/Bl "
    "alice@laptop";
constexpr char kAliceFingerprint[] = "SHA256:PlKYtaXd8DBWhZYZejzvINnBChOpLz7ybVFqKM2NBtk";
constexpr char kOpsKey[] =
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOi4prH+pxqPPQbkZgb8"
    "0ZFWw7uJZRLOTn/b4oOcuXCxVZjODHdJFDcQf05oA7MjW6ZcYXqyQfYaeCiJqvRFuUI= ops";
constexpr char kOpsFingerprint[] = "SHA256:8L5/gouJ6RNARDIYPYvyA+DSBPqDNlQKWzUFlv0IiK0";

constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n"
    "bob:x:1001:1001::/home/bob:/bin/bash\n"
    "svc:x:998:998::/var/lib/svc:/usr/sbin/nologin\n";
constexpr char kGroup[] =
    "root:x:0:\n"
    "sudo:x:27:alice\n"
    "alice:x:1000:\n"
    "bob:x:1001:\n"
    "svc:x:998:\n";

const v1::PrivilegedAccount* Account(const v1::AccessControls& ac, std::string_view name) {
  for (const auto& a : ac.privileged_accounts()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}
const v1::SshdSetting& Setting(const v1::AccessControls& ac, std::string_view keyword) {
  for (const auto& s : ac.sshd().settings()) {
    if (s.keyword() == keyword) return s;
  }
  ADD_FAILURE() << "no setting " << keyword;
  static const v1::SshdSetting none;
  return none;
}

void BuildHardened(const FakeRoot& root) {
  root.Write("/etc/passwd", kPasswd);
  root.Write("/etc/group", kGroup);
  root.Write("/etc/sudoers",
             "# /etc/sudoers\n"
             "Defaults\tenv_reset\n"
             "Defaults\tsecure_path=\"/usr/sbin:/usr/bin:/sbin:/bin\"\n"
             "root\tALL=(ALL:ALL) ALL\n"
             "%sudo\tALL=(ALL:ALL) ALL\n"
             "@includedir /etc/sudoers.d\n");
  root.Write("/etc/sudoers.d/README", "# files here are read\n");
  root.Write("/etc/ssh/sshd_config",
             "Include /etc/ssh/sshd_config.d/*.conf\n"
             "PermitRootLogin no\n"
             "PasswordAuthentication no\n"
             "KbdInteractiveAuthentication no\n"
             "AllowGroups sudo\n"
             "UsePAM yes\n");
  root.Write("/etc/ssh/sshd_config.d/10-hardening.conf", "AuthenticationMethods publickey\n");
  root.Write("/home/alice/.ssh/authorized_keys", std::string(kAliceKey) + "\n");
  root.Write("/sys/kernel/security/lockdown", "none [integrity] confidentiality\n");
  root.Write("/sys/module/apparmor/parameters/enabled", "Y\n");
  root.Write("/proc/1/comm", "systemd\n");
  root.Write("/proc/612/comm", "auditd\n");
  root.Write("/proc/self/comm", "auditd\n");  // not a pid: ignored
  root.Write("/etc/audit/audit.rules", "-D\n-b 8192\n-w /etc/sudoers -p wa -k scope\n");
  root.Write("/etc/audit/rules.d/10-base.rules", "# base\n-w /etc/passwd -p wa\n");
  root.Write("/etc/nftables.conf", "#!/usr/sbin/nft -f\nflush ruleset\ntable inet filter {}\n");
  root.Write("/proc/mounts",
             "/dev/nvme0n1p2 / ext4 rw,relatime 0 0\n"
             "/dev/mapper/weights /srv/model\\040weights xfs rw 0 0\n"
             "/dev/mapper/vg-data /data ext4 rw 0 0\n"
             "tmpfs /tmp tmpfs rw 0 0\n");
  root.Write("/sys/block/dm-0/dm/name", "weights\n");
  root.Write("/sys/block/dm-0/dm/uuid", "CRYPT-LUKS2-6d2a1c0b9e8f4a7d-weights\n");
  root.Write("/sys/block/dm-1/dm/name", "cryptdata\n");
  root.Write("/sys/block/dm-1/dm/uuid", "CRYPT-LUKS2-aa11-cryptdata\n");
  root.Write("/sys/block/dm-2/dm/name", "vg-data\n");
  root.Write("/sys/block/dm-2/dm/uuid", "LVM-abcdef\n");
  root.Mkdir("/sys/block/dm-2/slaves/dm-1");
}

AccessOptions Paths() {
  AccessOptions o;
  o.data_paths = {"/srv/model weights/llama", "/data/ckpt", "/var/lib/x", "/tmp/w"};
  return o;
}

TEST(AccessControlsTest, HardenedNodeReportsOnlyRootAndSudoMembers) {
  FakeRoot root;
  BuildHardened(root);
  v1::AccessControls ac = CollectAccessControls(RootFs(root.path()), Paths());
  EXPECT_THAT(ac.errors(), IsEmpty()) << ac.errors(0).message();
  ASSERT_THAT(ac.privileged_accounts(), SizeIs(2));
  const v1::PrivilegedAccount* rootacct = Account(ac, "root");
  ASSERT_NE(rootacct, nullptr);
  EXPECT_THAT(rootacct->reasons(), ElementsAre("uid 0 (/etc/passwd:1)", "sudoers /etc/sudoers:4"));
  const v1::PrivilegedAccount* alice = Account(ac, "alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_THAT(alice->reasons(),
              ElementsAre("group sudo (/etc/group:2)", "sudoers /etc/sudoers:5 via %sudo"));
  ASSERT_THAT(alice->authorized_keys(), SizeIs(1));
  EXPECT_EQ(alice->authorized_keys(0).fingerprint(), kAliceFingerprint);
  EXPECT_EQ(alice->authorized_keys(0).key_type(), "ssh-ed25519");
  EXPECT_EQ(alice->authorized_keys(0).comment(), "alice@laptop");
  EXPECT_EQ(alice->authorized_keys(0).source_path(), "/home/alice/.ssh/authorized_keys");
  EXPECT_EQ(Account(ac, "bob"), nullptr);

  ASSERT_THAT(ac.sudo().rules(), SizeIs(2));
  for (const auto& r : ac.sudo().rules()) {
    EXPECT_TRUE(r.grants_root());
    EXPECT_FALSE(r.nopasswd());
    EXPECT_TRUE(r.all_commands());
  }
  EXPECT_THAT(ac.sudo().files_read(), ElementsAre("/etc/sudoers", "/etc/sudoers.d/README"));

  EXPECT_TRUE(ac.sshd().present());
  EXPECT_EQ(Setting(ac, "PermitRootLogin").value(), "no");
  EXPECT_EQ(Setting(ac, "PermitRootLogin").line(), 2u);
  EXPECT_EQ(Setting(ac, "PasswordAuthentication").value(), "no");
  EXPECT_EQ(Setting(ac, "KbdInteractiveAuthentication").value(), "no");
  EXPECT_EQ(Setting(ac, "AuthenticationMethods").value(), "publickey");
  EXPECT_EQ(Setting(ac, "AuthenticationMethods").source_path(),
            "/etc/ssh/sshd_config.d/10-hardening.conf");
  EXPECT_EQ(Setting(ac, "AllowGroups").value(), "sudo");
  EXPECT_TRUE(Setting(ac, "PubkeyAuthentication").is_default());

  EXPECT_EQ(ac.kernel().lockdown(), "integrity");
  EXPECT_EQ(ac.kernel().apparmor(), v1::ENFORCING);
  EXPECT_EQ(ac.kernel().selinux(), v1::ABSENT);
  EXPECT_TRUE(ac.audit().auditd_running());
  EXPECT_EQ(ac.audit().process_source(), "/proc/612/comm");
  ASSERT_THAT(ac.audit().rules(), SizeIs(2));
  EXPECT_EQ(ac.audit().rules(0).sha256(),
            crypto::Sha256("-D\n-b 8192\n-w /etc/sudoers -p wa -k scope\n"));
  EXPECT_EQ(ac.audit().rules(0).rule_lines(), 3u);
  EXPECT_EQ(ac.audit().rules(1).path(), "/etc/audit/rules.d/10-base.rules");
  ASSERT_THAT(ac.firewall().configured(), SizeIs(1));
  EXPECT_EQ(ac.firewall().configured(0).path(), "/etc/nftables.conf");
  EXPECT_FALSE(ac.firewall().loaded_ruleset_read());

  ASSERT_THAT(ac.storage(), SizeIs(4));
  EXPECT_EQ(ac.storage(0).mount_point(), "/srv/model weights");
  EXPECT_EQ(ac.storage(0).encryption(), v1::LUKS);
  EXPECT_EQ(ac.storage(0).dm_name(), "dm-0");
  EXPECT_EQ(ac.storage(1).encryption(), v1::LUKS);  // LVM on LUKS
  EXPECT_EQ(ac.storage(1).dm_uuid(), "CRYPT-LUKS2-aa11-cryptdata");
  EXPECT_EQ(ac.storage(2).mount_point(), "/");
  EXPECT_EQ(ac.storage(2).encryption(), v1::UNENCRYPTED);
  EXPECT_EQ(ac.storage(3).encryption(), v1::UNENCRYPTED);  // tmpfs
}

void BuildWeak(const FakeRoot& root) {
  root.Write("/etc/passwd", std::string(kPasswd) + "toor:x:0:0::/root2:/bin/sh\n");
  root.Write("/etc/group", kGroup);
  root.Write("/etc/sudoers",
             "Defaults env_reset\n"
             "User_Alias OPS = bob, svc\n"
             "Runas_Alias ADMINS = root, operator\n"
             "root ALL=(ALL:ALL) ALL\n"
             "#includedir /etc/sudoers.d\n"
             "@include sudoers.local\n");
  root.Write("/etc/sudoers.d/90-ops", "OPS ALL=(ADMINS) NOPASSWD: ALL\n");
  root.Write("/etc/sudoers.d/README.md", "this is not read: bob ALL=(ALL) ALL\n");
  root.Write("/etc/sudoers.d/old~", "this is not read either\n");
  root.Write("/etc/sudoers.local",
             "alice ALL=(backup) NOPASSWD: /usr/bin/rsync, (root) /usr/bin/systemctl \\\n"
             "    restart nginx\n"
             "%alice ALL=(:adm) /usr/bin/journalctl\n");
  root.Write("/etc/ssh/sshd_config",
             "Include sshd_config.d/*.conf\n"
             "PasswordAuthentication no\n"
             "permitrootlogin = yes\n"
             "ChallengeResponseAuthentication yes\n"
             "Match User backup\n"
             "  PasswordAuthentication yes\n"
             "  PermitRootLogin no\n");
  root.Write("/etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication yes\n");
  root.Write("/etc/ssh/sshd_config.d/60-ignored.txt", "PermitRootLogin no\n");
  root.Write("/root/.ssh/authorized_keys",
             "# keys\n"
             "from=\"10.0.0.0/8\",command=\"/bin/true\" " +
                 std::string(kOpsKey) + "\n" + std::string(kAliceKey) + "\n");
  root.Write("/sys/kernel/security/lockdown", "[none] integrity confidentiality\n");
  root.Write("/sys/fs/selinux/enforce", "0");
  root.Write("/proc/1/comm", "systemd\n");
}

TEST(AccessControlsTest, WeakNodeShowsSecondUid0NopasswdAndRootLogin) {
  FakeRoot root;
  BuildWeak(root);
  v1::AccessControls ac = CollectAccessControls(RootFs(root.path()), {});
  EXPECT_THAT(ac.errors(), IsEmpty()) << ac.errors(0).message();
  const v1::PrivilegedAccount* toor = Account(ac, "toor");
  ASSERT_NE(toor, nullptr);
  EXPECT_THAT(toor->reasons(), ElementsAre("uid 0 (/etc/passwd:6)"));
  ASSERT_NE(Account(ac, "bob"), nullptr);
  EXPECT_THAT(Account(ac, "bob")->reasons(), ElementsAre("sudoers /etc/sudoers.d/90-ops:1"));
  ASSERT_NE(Account(ac, "svc"), nullptr);
  EXPECT_FALSE(Account(ac, "svc")->login_shell());
  ASSERT_NE(Account(ac, "alice"), nullptr);  // via (root) systemctl and group sudo

  const v1::PrivilegedAccount* r = Account(ac, "root");
  ASSERT_NE(r, nullptr);
  ASSERT_THAT(r->authorized_keys(), SizeIs(2));
  EXPECT_EQ(r->authorized_keys(0).fingerprint(), kOpsFingerprint);
  EXPECT_TRUE(r->authorized_keys(0).has_options());
  EXPECT_EQ(r->authorized_keys(0).line(), 2u);
  EXPECT_EQ(r->authorized_keys(1).fingerprint(), kAliceFingerprint);
  EXPECT_FALSE(r->authorized_keys(1).has_options());

  EXPECT_THAT(ac.sudo().files_read(),
              ElementsAre("/etc/sudoers", "/etc/sudoers.d/90-ops", "/etc/sudoers.local"));
  // root ALL; OPS NOPASSWD ALL; alice (backup) rsync; alice (root) systemctl; %alice (:adm).
  ASSERT_THAT(ac.sudo().rules(), SizeIs(5));
  const v1::SudoRule& ops = ac.sudo().rules(1);
  EXPECT_THAT(ops.principals(), ElementsAre("bob", "svc"));
  EXPECT_THAT(ops.runas(), ElementsAre("root", "operator"));
  EXPECT_TRUE(ops.grants_root());
  EXPECT_TRUE(ops.nopasswd());
  EXPECT_TRUE(ops.all_commands());
  const v1::SudoRule& rsync = ac.sudo().rules(2);
  EXPECT_FALSE(rsync.grants_root());
  EXPECT_TRUE(rsync.nopasswd());
  EXPECT_THAT(rsync.commands(), ElementsAre("/usr/bin/rsync"));
  const v1::SudoRule& systemctl = ac.sudo().rules(3);
  EXPECT_TRUE(systemctl.grants_root());
  EXPECT_TRUE(systemctl.nopasswd());  // NOPASSWD carries over within a line, as in sudo
  EXPECT_FALSE(systemctl.all_commands());
  EXPECT_THAT(systemctl.commands(), ElementsAre("/usr/bin/systemctl restart nginx"));
  EXPECT_EQ(systemctl.line(), 1u);
  EXPECT_FALSE(ac.sudo().rules(4).grants_root());  // (:adm) runs as oneself

  // First value wins: the included cloud-init file comes before the main file's "no".
  EXPECT_EQ(Setting(ac, "PasswordAuthentication").value(), "yes");
  EXPECT_EQ(Setting(ac, "PasswordAuthentication").source_path(),
            "/etc/ssh/sshd_config.d/50-cloud-init.conf");
  EXPECT_EQ(Setting(ac, "PermitRootLogin").value(), "yes");
  EXPECT_EQ(Setting(ac, "KbdInteractiveAuthentication").value(), "yes");
  EXPECT_FALSE(Setting(ac, "KbdInteractiveAuthentication").is_default());
  ASSERT_THAT(ac.sshd().match_blocks(), SizeIs(1));
  EXPECT_EQ(ac.sshd().match_blocks(0).criteria(), "User backup");
  EXPECT_THAT(ac.sshd().match_blocks(0).keywords(),
              ElementsAre("PasswordAuthentication", "PermitRootLogin"));
  EXPECT_EQ(ac.kernel().lockdown(), "none");
  EXPECT_EQ(ac.kernel().selinux(), v1::PERMISSIVE);
  EXPECT_EQ(ac.kernel().apparmor(), v1::ABSENT);
  EXPECT_FALSE(ac.audit().auditd_running());
}

TEST(AccessControlsTest, DefaultsNotAuthenticateIsReported) {
  FakeRoot root;
  root.Write("/etc/sudoers", "Defaults:bob !authenticate\nbob ALL=(ALL) ALL\n");
  v1::AccessControls ac = CollectAccessControls(RootFs(root.path()), {});
  EXPECT_THAT(ac.sudo().authenticate_disabled_at(), ElementsAre("/etc/sudoers:1"));
}

TEST(AccessControlsTest, SudoersIncludeCycleAndDepthAreBounded) {
  FakeRoot root;
  root.Write("/etc/sudoers", "#include /etc/sudoers\n@include /etc/a\n");
  root.Write("/etc/a", "@include /etc/b\n");
  root.Write("/etc/b", "@include /etc/a\nroot ALL=(ALL) ALL\n");
  v1::AccessControls ac = CollectAccessControls(RootFs(root.path()), {});
  EXPECT_THAT(ac.sudo().files_read(), ElementsAre("/etc/sudoers", "/etc/a", "/etc/b"));
  EXPECT_THAT(ac.sudo().rules(), SizeIs(1));
}

TEST(AccessControlsTest, MalformedFilesGiveErrorsNamingFileAndLine) {
  FakeRoot root;
  root.Write("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nbroken:x:1000\n");
  root.Write("/etc/group", "sudo:x:twenty-seven:alice\n");
  root.Write("/etc/sudoers",
             "root ALL=(ALL) ALL\n"
             "this line means nothing\n"
             "alice ALL=(ALL NOPASSWD: ALL\n"
             "bob ALL=(ALL) ALL\n"
             "@include /etc/sudoers.missing\n");
  root.Write("/etc/ssh/sshd_config",
             "PermitRootLogin maybe\n"
             "Banner \"/etc/issue\n"
             "Match\n"
             "PermitRootLogin no\n");
  root.Write("/root/.ssh/authorized_keys",
             "ssh-ed25519 !!!notbase64!!! x\n"
             "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIJbE1IRojkeaHThUySCOHAyLdOaUZKogqByNahxmh/Bl x\n"
             "no-key-here\n");
  root.Write("/sys/kernel/security/lockdown", "[none] [integrity]\n");
  root.Write("/proc/mounts", "/dev/sda1 /\n");
  AccessOptions o;
  o.data_paths = {"/srv"};
  v1::AccessControls ac = CollectAccessControls(RootFs(root.path()), o);
  std::vector<std::string> messages;
  for (const auto& e : ac.errors()) messages.push_back(e.message());
  EXPECT_THAT(messages, ::testing::IsSupersetOf({
                            HasSubstr("/etc/passwd:2: expected 7"),
                            HasSubstr("/etc/group:1: gid \"twenty-seven\""),
                            HasSubstr("/etc/sudoers:2: not a sudoers line"),
                            HasSubstr("/etc/sudoers:3: runas list"),
                            HasSubstr("/etc/sudoers:5: included file"),
                            HasSubstr("/etc/ssh/sshd_config:1: PermitRootLogin \"maybe\""),
                            HasSubstr("/etc/ssh/sshd_config:2: unterminated quote"),
                            HasSubstr("/etc/ssh/sshd_config:3: Match needs criteria"),
                            HasSubstr("/sys/kernel/security/lockdown:1:"),
                            HasSubstr("/proc/mounts:1: expected"),
                        }));
  // Good rules around the bad lines are still reported; the later sshd value is used.
  ASSERT_THAT(ac.sudo().rules(), SizeIs(2));
  EXPECT_EQ(ac.sudo().rules(1).line(), 4u);
  EXPECT_EQ(Setting(ac, "PermitRootLogin").value(), "no");
  // passwd was rejected, so no account (and no key file) could be read.
  EXPECT_THAT(ac.privileged_accounts(), IsEmpty());
}

TEST(AuthorizedKeysTest, MalformedLinesAreErrorsWithLineNumbers) {
  std::vector<v1::CollectionError> errors;
  auto keys = ParseAuthorizedKeys(
      "ssh-ed25519 !!!notbase64!!! x\n"
      "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIJbE1IRojkeaHThUySCOHAyLdOaUZKogqByNahxmh/Bl x\n"
      "no-key-here\n" +
          std::string(kAliceKey) + "\n",
      "/root/.ssh/authorized_keys", &errors);
  ASSERT_THAT(keys, SizeIs(1));
  EXPECT_EQ(keys[0].line(), 4u);
  ASSERT_THAT(errors, SizeIs(3));
  EXPECT_THAT(errors[0].message(), HasSubstr("authorized_keys:1: key data is not valid base64"));
  EXPECT_THAT(errors[1].message(), HasSubstr(":2: key data is a \"ssh-ed25519\" key"));
  EXPECT_THAT(errors[2].message(), HasSubstr(":3: no known key type"));
}

TEST(AccountsTest, ParsersRejectMalformedLinesWithFileAndLine) {
  EXPECT_THAT(ParsePasswd("root:x:0:0:root:/root:/bin/bash\n\n+::::::\n", "/etc/passwd"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("/etc/passwd:3: NIS")));
  EXPECT_THAT(ParsePasswd("root:x:-1:0:root:/root:/bin/bash\n", "/etc/passwd"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("/etc/passwd:1: uid")));
  EXPECT_THAT(ParsePasswd("root:x:4294967296:0::/:/bin/sh\n", "/etc/passwd"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParsePasswd(std::string("root:x:0:0::/:/bin/sh\0\n", 23), "/etc/passwd"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("NUL")));
  EXPECT_THAT(ParseGroup("sudo:x:27\n", "/etc/group"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("/etc/group:1: expected 4")));
  auto groups = ParseGroup("sudo:x:27:alice, bob\nwheel:x:10:\n", "/etc/group");
  ASSERT_OK(groups.status());
  EXPECT_THAT((*groups)[0].members, ElementsAre("alice", "bob"));
  EXPECT_THAT((*groups)[1].members, IsEmpty());
}

TEST(AccessControlsTest, EmptyRootGivesErrorsNotACrash) {
  FakeRoot root;
  v1::AccessControls ac = CollectAccessControls(RootFs(root.path()), Paths());
  EXPECT_THAT(ac.privileged_accounts(), IsEmpty());
  EXPECT_FALSE(ac.sshd().present());
  EXPECT_THAT(ac.sudo().files_read(), IsEmpty());
  EXPECT_EQ(ac.kernel().lockdown(), "");
  ASSERT_GE(ac.errors_size(), 3);  // passwd, group, /proc/mounts
  EXPECT_THAT(ac.errors(0).message(), HasSubstr("/etc/passwd"));
}

}  // namespace
}  // namespace veu::collectors
