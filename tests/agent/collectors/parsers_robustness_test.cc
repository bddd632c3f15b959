// Every /etc and sysfs parser, fed deterministic mutations of real-format input, either parses
// or returns an error naming the file, and never crashes or reads out of bounds (run under
// ASan/UBSan only in the sanitizer lane, README "Tests"; a plain build checks only that nothing
// crashes). A cheap stand-in until these get libFuzzer targets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "agent/collectors/accounts.h"
#include "agent/collectors/authorized_keys.h"
#include "agent/collectors/pci.h"
#include "agent/collectors/sudoers.h"
#include "agent/collectors/system_security.h"

namespace veu::collectors {
namespace {

using ::testing::HasSubstr;

constexpr int kMutationsPerSeed = 2000;

std::string Mutate(std::string s, std::mt19937& rng) {
  static constexpr char kInteresting[] = {'\0', '\n', '\\', ':', '#', '=', '(',    ')',   ',',
                                          '"',  ' ',  '%',  '@', '[', ']', '\x7f', '\xff'};
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    const size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 4) {
      case 0:  // insert an interesting byte
        s.insert(pos, 1, kInteresting[rng() % sizeof kInteresting]);
        break;
      case 1:  // delete a byte
        if (pos < s.size()) s.erase(pos, 1);
        break;
      case 2:  // truncate
        s.resize(pos);
        break;
      default:  // duplicate a slice
        if (pos < s.size()) s.insert(pos, s.substr(pos, rng() % 16));
        break;
    }
  }
  return s;
}

template <typename Fn>
void ForEachMutation(const std::string& seed, Fn fn) {
  std::mt19937 rng(12345);
  fn(seed);
  for (int i = 0; i < kMutationsPerSeed; ++i) fn(Mutate(seed, rng));
}

TEST(ParserRobustnessTest, PasswdAndGroupParseOrNameTheFile) {
  ForEachMutation("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n",
                  [](const std::string& in) {
                    auto r = ParsePasswd(in, "/etc/passwd");
                    if (!r.ok()) {
                      EXPECT_THAT(std::string(r.status().message()), HasSubstr("/etc/passwd:"));
                    }
                  });
  ForEachMutation("sudo:x:27:alice,bob\nwheel:x:10:\n", [](const std::string& in) {
    auto r = ParseGroup(in, "/etc/group");
    if (!r.ok()) {
      EXPECT_THAT(std::string(r.status().message()), HasSubstr("/etc/group:"));
    }
  });
}

TEST(ParserRobustnessTest, SudoersErrorsNameTheFile) {
  ForEachMutation(
      "Defaults env_reset\nUser_Alias OPS = bob, svc\n%sudo ALL=(ALL:ALL) ALL\n"
      "OPS ALL=(root) NOPASSWD: /usr/bin/rsync, (backup) /bin/ls \\\n  -l\n@includedir /x\n",
      [](const std::string& in) {
        SudoersFile f = ParseSudoers(in, "/etc/sudoers");
        for (const auto& e : f.errors) EXPECT_THAT(e.message(), HasSubstr("/etc/sudoers:"));
      });
}

TEST(ParserRobustnessTest, AuthorizedKeysErrorsNameTheFile) {
  ForEachMutation(
      "from=\"10.0.0.1\" ssh-ed25519 "
      "AAAAC3NzaC1lZDI1NTE5AAAAIJbE1IRojkeaHThUySCOHAyLdOaUZKogqByNahxmh/Bl a@b\n",
      [](const std::string& in) {
        std::vector<v1::CollectionError> errors;
        auto keys = ParseAuthorizedKeys(in, "/root/.ssh/authorized_keys", &errors);
        for (const auto& k : keys) EXPECT_EQ(k.fingerprint().rfind("SHA256:", 0), 0u);
        for (const auto& e : errors) EXPECT_THAT(e.message(), HasSubstr("authorized_keys:"));
      });
}

TEST(ParserRobustnessTest, MountsLockdownAndSysfsParseOrNameTheFile) {
  ForEachMutation("/dev/mapper/w /srv/model\\040weights xfs rw 0 0\n", [](const std::string& in) {
    auto r = ParseMounts(in, "/proc/mounts");
    if (!r.ok()) {
      EXPECT_THAT(std::string(r.status().message()), HasSubstr("/proc/mounts:"));
    }
  });
  ForEachMutation("none [integrity] confidentiality\n", [](const std::string& in) {
    auto r = ParseLockdown(in, "/sys/kernel/security/lockdown");
    if (!r.ok()) {
      EXPECT_THAT(std::string(r.status().message()), HasSubstr("lockdown:1:"));
    }
  });
  ForEachMutation("0x030200\n", [](const std::string& in) {
    auto r = ParseSysfsHex(in, 6, "class");
    if (!r.ok()) {
      EXPECT_THAT(std::string(r.status().message()), HasSubstr("class:1:"));
    }
    if (r.ok()) {
      EXPECT_LE(*r, 0xffffffu);
    }
  });
}

}  // namespace
}  // namespace veu::collectors
