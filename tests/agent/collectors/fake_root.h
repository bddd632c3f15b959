// A system tree in a temp dir, in the real file formats, for collector tests.
#ifndef VEU_TESTS_AGENT_COLLECTORS_FAKE_ROOT_H_
#define VEU_TESTS_AGENT_COLLECTORS_FAKE_ROOT_H_

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_format.h"
#include "common/facts/catalogue.h"
#include "common/facts/policy_pack.h"

namespace veu::collectors::testing {

class FakeRoot {
 public:
  FakeRoot() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "veu-root-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    root_ = tmpl;
  }
  ~FakeRoot() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  FakeRoot(const FakeRoot&) = delete;
  FakeRoot& operator=(const FakeRoot&) = delete;

  const std::string& path() const { return root_; }

  // Writes `content` at system path `p` (absolute), creating parent directories.
  void Write(const std::string& p, const std::string& content) const {
    const std::filesystem::path full = root_ + p;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out << content;
  }
  void Mkdir(const std::string& p) const { std::filesystem::create_directories(root_ + p); }
  // A symbolic link at `p` whose stored target is `target` (as sysfs's relative links).
  void Symlink(const std::string& target, const std::string& p) const {
    const std::filesystem::path full = root_ + p;
    std::filesystem::create_directories(full.parent_path());
    std::filesystem::create_symlink(target, full);
  }

  // A PCI function in sysfs format: "0x10de\n", class "0x030200\n", numa_node "0\n".
  void AddPci(const std::string& addr, uint32_t vendor, uint32_t device, uint32_t class_code,
              int numa = 0, uint32_t sub_vendor = 0, uint32_t sub_device = 0) const {
    const std::string dir = "/sys/bus/pci/devices/" + addr;
    Write(dir + "/vendor", absl::StrFormat("0x%04x\n", vendor));
    Write(dir + "/device", absl::StrFormat("0x%04x\n", device));
    Write(dir + "/class", absl::StrFormat("0x%06x\n", class_code));
    Write(dir + "/subsystem_vendor", absl::StrFormat("0x%04x\n", sub_vendor ? sub_vendor : vendor));
    Write(dir + "/subsystem_device", absl::StrFormat("0x%04x\n", sub_device));
    Write(dir + "/numa_node", absl::StrFormat("%d\n", numa));
  }
  // Marks `vf` as an SR-IOV virtual function of `pf` (physfn -> ../<pf>).
  void MakeVf(const std::string& vf, const std::string& pf) const {
    Symlink("../" + pf, "/sys/bus/pci/devices/" + vf + "/physfn");
  }

 private:
  std::string root_;
};

// The PCI addresses of the eight GPUs BuildHgxH100 creates.
inline constexpr const char* kHgxH100Gpus[] = {"0000:18:00.0", "0000:2a:00.0", "0000:3a:00.0",
                                               "0000:5d:00.0", "0000:9a:00.0", "0000:ab:00.0",
                                               "0000:ba:00.0", "0000:db:00.0"};

// An HGX H100 8-GPU baseboard: 8 x 10de:2330 (3D controller), ConnectX NICs, NVSwitches
// (bridge class 0x068000) and the BMC's ASPEED VGA.
inline void BuildHgxH100(const FakeRoot& root) {
  for (int i = 0; i < 8; ++i) {
    root.AddPci(kHgxH100Gpus[i], 0x10de, 0x2330, 0x030200, i / 4, 0x10de, 0x16c1);
  }
  root.AddPci("0000:17:00.0", 0x15b3, 0x1021, 0x020000, 0);  // ConnectX-7
  root.AddPci("0000:07:00.0", 0x10de, 0x22a3, 0x068000, 0);  // NVSwitch
  root.AddPci("0000:03:00.0", 0x1a03, 0x2000, 0x030000, 0);  // ASPEED BMC VGA
}

// The accelerator catalogue of the shipped veu-2025 policy pack, loaded once.
inline const facts::Catalogue& ShippedCatalogue() {
  static const facts::Catalogue* c = [] {
    auto pack = facts::LoadPolicyPackFile(std::string(VEU_SOURCE_DIR) +
                                          "/deploy/policies/veu-2025.textproto");
    EXPECT_TRUE(pack.ok()) << pack.status();
    auto cat = facts::Catalogue::Create(pack->catalogue());
    EXPECT_TRUE(cat.ok()) << cat.status();
    return new facts::Catalogue(*std::move(cat));
  }();
  return *c;
}

}  // namespace veu::collectors::testing

#endif  // VEU_TESTS_AGENT_COLLECTORS_FAKE_ROOT_H_
