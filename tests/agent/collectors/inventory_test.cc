// Accelerator inventory from sysfs trees of real node shapes, with and without NVML.
#include "agent/collectors/inventory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/collectors/nvml_source.h"
#include "agent/collectors/pci.h"
#include "common/facts/policy_pack.h"
#include "tests/agent/collectors/fake_root.h"
#include "tests/support/status_matchers.h"

namespace veu::collectors {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::veu::collectors::testing::BuildHgxH100;
using ::veu::collectors::testing::FakeRoot;
using ::veu::collectors::testing::ShippedCatalogue;
using ::veu::testing::IsOkAndHolds;
using ::veu::testing::StatusIs;

class FakeGpuSource : public GpuInventorySource {
 public:
  GpuReport report;
  GpuReport Query() override { return report; }
};

const v1::AcceleratorDevice* Find(const v1::Inventory& inv, std::string_view addr) {
  for (const auto& d : inv.accelerators()) {
    if (d.pci_address() == addr) return &d;
  }
  return nullptr;
}

TEST(InventoryTest, HgxNodeWithEightH100sTotalsEightTimes15831) {
  FakeRoot root;
  BuildHgxH100(root);
  v1::Inventory inv = CollectInventory(RootFs(root.path()), ShippedCatalogue(), nullptr);
  EXPECT_THAT(inv.errors(), SizeIs(0));
  EXPECT_EQ(inv.totals().count(), 8u);
  EXPECT_EQ(inv.totals().tpp(), 8u * 15831u);
  EXPECT_EQ(inv.totals().unknown_count(), 0u);
  const v1::AcceleratorDevice* gpu = Find(inv, "0000:9a:00.0");
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ(gpu->role(), v1::ACCELERATOR_KNOWN);
  EXPECT_EQ(gpu->model(), "H100 SXM5");
  EXPECT_EQ(gpu->eccn(), "3A090.a");
  EXPECT_EQ(gpu->numa_node(), 1);
  EXPECT_EQ(gpu->subsystem_device_id(), 0x16c1u);
  EXPECT_EQ(gpu->class_code(), 0x030200u);
  EXPECT_EQ(gpu->identity_source(), v1::PCI_IDS_ONLY);
  EXPECT_EQ(gpu->source_path(), "/sys/bus/pci/devices/0000:9a:00.0");
  // The BMC's VGA is listed as display-only; the NIC and NVSwitch are not accelerators.
  ASSERT_NE(Find(inv, "0000:03:00.0"), nullptr);
  EXPECT_EQ(Find(inv, "0000:03:00.0")->role(), v1::DISPLAY_ONLY);
  EXPECT_EQ(Find(inv, "0000:17:00.0"), nullptr);
  EXPECT_EQ(Find(inv, "0000:07:00.0"), nullptr);
  // Without NVML the result says what is lost.
  EXPECT_FALSE(inv.nvml().available());
  EXPECT_THAT(inv.nvml().detail(), HasSubstr("PCI IDs only"));
  EXPECT_EQ(inv.catalogue_version(), "veu-2025/catalogue-1");
}

TEST(InventoryTest, MixedNodeSumsEachModelsTpp) {
  FakeRoot root;
  root.AddPci("0000:01:00.0", 0x10de, 0x20b5, 0x030200);  // A100 PCIe 80GB
  root.AddPci("0000:02:00.0", 0x10de, 0x20b5, 0x030200);
  root.AddPci("0000:41:00.0", 0x10de, 0x26b9, 0x030200, 1);  // L40S
  root.AddPci("0000:81:00.0", 0x1002, 0x74a1, 0x120000, 1);  // MI300X: processing accelerator
  root.AddPci("0000:c1:00.0", 0x1da3, 0x1020, 0x120000, 1);  // Gaudi 2
  v1::Inventory inv = CollectInventory(RootFs(root.path()), ShippedCatalogue(), nullptr);
  EXPECT_EQ(inv.totals().count(), 5u);
  EXPECT_EQ(inv.totals().tpp(), 2u * 4992u + 5864u + 20919u + 6920u);
  EXPECT_EQ(Find(inv, "0000:81:00.0")->model(), "MI300X");
  EXPECT_EQ(Find(inv, "0000:c1:00.0")->model(), "Gaudi 2");
}

TEST(InventoryTest, UnknownAcceleratorIsReportedAsUnknownNeverDropped) {
  FakeRoot root;
  root.AddPci("0000:18:00.0", 0x10de, 0x2330, 0x030200);
  root.AddPci("0000:19:00.0", 0x10de, 0x2bff, 0x030200);  // a future NVIDIA part
  root.AddPci("0000:1a:00.0", 0x1e52, 0xb140, 0x120000);  // Tenstorrent, not catalogued
  v1::Inventory inv = CollectInventory(RootFs(root.path()), ShippedCatalogue(), nullptr);
  ASSERT_NE(Find(inv, "0000:19:00.0"), nullptr);
  EXPECT_EQ(Find(inv, "0000:19:00.0")->role(), v1::ACCELERATOR_UNKNOWN);
  EXPECT_EQ(Find(inv, "0000:19:00.0")->model(), "unknown");
  EXPECT_EQ(Find(inv, "0000:19:00.0")->eccn(), "unknown");
  EXPECT_EQ(Find(inv, "0000:1a:00.0")->role(), v1::ACCELERATOR_UNKNOWN);
  EXPECT_EQ(inv.totals().count(), 3u);
  EXPECT_EQ(inv.totals().unknown_count(), 2u);
  EXPECT_EQ(inv.totals().tpp(), 15831u);  // a lower bound, and the totals say so
}

TEST(InventoryTest, VirtualFunctionsAreMarkedAndNotCountedTwice) {
  FakeRoot root;
  root.AddPci("0000:81:00.0", 0x1002, 0x74a1, 0x120000);  // MI300X PF
  root.AddPci("0000:81:02.0", 0x1002, 0x74b5, 0x120000);  // its VFs
  root.AddPci("0000:81:02.1", 0x1002, 0x74b5, 0x120000);
  root.MakeVf("0000:81:02.0", "0000:81:00.0");
  root.MakeVf("0000:81:02.1", "0000:81:00.0");
  v1::Inventory inv = CollectInventory(RootFs(root.path()), ShippedCatalogue(), nullptr);
  const v1::AcceleratorDevice* vf = Find(inv, "0000:81:02.1");
  ASSERT_NE(vf, nullptr);
  EXPECT_TRUE(vf->virtual_function());
  EXPECT_EQ(vf->physfn_address(), "0000:81:00.0");
  EXPECT_EQ(vf->model(), "MI300X");
  EXPECT_FALSE(Find(inv, "0000:81:00.0")->virtual_function());
  EXPECT_EQ(inv.totals().count(), 1u);
  EXPECT_EQ(inv.totals().tpp(), 20919u);
  EXPECT_EQ(inv.totals().virtual_function_count(), 2u);
}

TEST(InventoryTest, GuestSeesVirtualFunctionWithoutParentAndCountsIt) {
  FakeRoot root;  // inside a VM: the VF ID, no physfn link, no PF
  root.AddPci("0000:00:05.0", 0x1002, 0x74b5, 0x120000);
  v1::Inventory inv = CollectInventory(RootFs(root.path()), ShippedCatalogue(), nullptr);
  ASSERT_NE(Find(inv, "0000:00:05.0"), nullptr);
  EXPECT_TRUE(Find(inv, "0000:00:05.0")->virtual_function());
  EXPECT_EQ(inv.totals().count(), 1u);
  EXPECT_EQ(inv.totals().tpp(), 20919u);
}

TEST(InventoryTest, MalformedSysfsAttributeIsAnErrorNamingFileAndLine) {
  FakeRoot root;
  root.AddPci("0000:18:00.0", 0x10de, 0x2330, 0x030200);
  root.AddPci("0000:19:00.0", 0x10de, 0x2330, 0x030200);
  root.Write("/sys/bus/pci/devices/0000:19:00.0/vendor", "10de\n");  // no 0x
  root.AddPci("0000:1a:00.0", 0x10de, 0x2330, 0x030200);
  root.Write("/sys/bus/pci/devices/0000:1a:00.0/class", "0x0302\n");  // truncated
  root.AddPci("0000:1b:00.0", 0x10de, 0x2330, 0x030200);
  root.Write("/sys/bus/pci/devices/0000:1b:00.0/numa_node", "zero\n");
  root.Mkdir("/sys/bus/pci/devices/not-an-address");
  v1::Inventory inv = CollectInventory(RootFs(root.path()), ShippedCatalogue(), nullptr);
  ASSERT_THAT(inv.errors(), SizeIs(4));
  EXPECT_THAT(inv.errors(0).message(), HasSubstr("/sys/bus/pci/devices/0000:19:00.0/vendor:1"));
  EXPECT_THAT(inv.errors(1).message(), HasSubstr("/sys/bus/pci/devices/0000:1a:00.0/class:1"));
  EXPECT_THAT(inv.errors(2).message(), HasSubstr("0000:1b:00.0/numa_node:1"));
  EXPECT_THAT(inv.errors(3).message(), HasSubstr("not a PCI address"));
  // An accelerator whose numa_node is bad is still listed.
  EXPECT_NE(Find(inv, "0000:1b:00.0"), nullptr);
  EXPECT_EQ(Find(inv, "0000:19:00.0"), nullptr);
}

TEST(InventoryTest, MissingSysfsIsAnErrorNotACrash) {
  FakeRoot root;
  v1::Inventory inv = CollectInventory(RootFs(root.path()), ShippedCatalogue(), nullptr);
  ASSERT_THAT(inv.errors(), SizeIs(1));
  EXPECT_THAT(inv.errors(0).message(), HasSubstr("incomplete"));
  EXPECT_EQ(inv.totals().count(), 0u);
}

TEST(InventoryTest, NvmlIdentityIsMergedByPciAddress) {
  FakeRoot root;
  BuildHgxH100(root);
  FakeGpuSource nvml;
  nvml.report.status.set_available(true);
  nvml.report.status.set_driver_version("550.90.07");
  nvml.report.status.set_confidential_computing_known(true);
  nvml.report.status.set_confidential_computing_on(true);
  v1::GpuIdentity id;
  id.set_pci_bus_id(NormalisePciAddress("00000000:9A:00.0"));
  id.set_serial("1652823054567");
  id.set_uuid("GPU-2f6b8a1c-0d7e-4b1e-9a5c-3e8f7d6c5b4a");
  id.set_board_part_number("692-2G520-0200-000");
  id.set_vbios_version("96.00.74.00.01");
  nvml.report.gpus.push_back(id);
  v1::GpuIdentity ghost;  // NVML sees a GPU sysfs does not
  ghost.set_pci_bus_id("0000:ee:00.0");
  ghost.set_uuid("GPU-ghost");
  nvml.report.gpus.push_back(ghost);
  v1::Inventory inv = CollectInventory(RootFs(root.path()), ShippedCatalogue(), &nvml);
  const v1::AcceleratorDevice* gpu = Find(inv, "0000:9a:00.0");
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ(gpu->identity_source(), v1::NVML);
  EXPECT_EQ(gpu->gpu().serial(), "1652823054567");
  EXPECT_EQ(gpu->gpu().vbios_version(), "96.00.74.00.01");
  EXPECT_EQ(Find(inv, "0000:18:00.0")->identity_source(), v1::PCI_IDS_ONLY);
  EXPECT_TRUE(inv.nvml().available());
  EXPECT_TRUE(inv.nvml().confidential_computing_on());
  ASSERT_THAT(inv.errors(), SizeIs(1));
  EXPECT_THAT(inv.errors(0).message(), HasSubstr("GPU-ghost"));
}

TEST(NvmlSourceTest, AbsentLibraryIsNotAnErrorButSaysWhatIsLost) {
  NvmlGpuInventorySource source("libnvidia-ml-does-not-exist.so.1");
  GpuReport r = source.Query();
  EXPECT_FALSE(r.status.available());
  EXPECT_THAT(r.status.detail(), HasSubstr("could not be loaded"));
  EXPECT_THAT(r.status.detail(), HasSubstr("PCI IDs only"));
  EXPECT_TRUE(r.gpus.empty());
}

TEST(SysfsParseTest, AcceptsKernelFormatAndRejectsEverythingElse) {
  EXPECT_THAT(ParseSysfsHex("0x10de\n", 4, "f"), IsOkAndHolds(0x10deu));
  EXPECT_THAT(ParseSysfsHex("0x030200\n", 6, "f"), IsOkAndHolds(0x030200u));
  EXPECT_THAT(ParseSysfsHex("0x10de", 4, "f"), IsOkAndHolds(0x10deu));
  for (const char* bad : {"", "\n", "10de\n", "0x10d\n", "0x10dex\n", "0x10de\n\n", "0x-1de\n",
                          "0x10de \n", "0xffffffffff\n"}) {
    EXPECT_THAT(ParseSysfsHex(bad, 4, "/sys/x/vendor"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("/sys/x/vendor:1:")))
        << bad;
  }
  EXPECT_THAT(ParseSysfsInt("-1\n", "f"), IsOkAndHolds(-1));
  EXPECT_THAT(ParseSysfsInt("99999999999\n", "f"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(NormalisePciAddress("00000000:9A:00.0"), "0000:9a:00.0");
  EXPECT_EQ(NormalisePciAddress("0001:9a:00.0"), "0001:9a:00.0");
  EXPECT_EQ(NormalisePciAddress("00010000:9a:00.0"), "");
  EXPECT_EQ(NormalisePciAddress("garbage"), "");
}

TEST(RootFsTest, RefusesPathsThatClimbOutOfTheRoot) {
  FakeRoot root;
  RootFs fs(root.path());
  EXPECT_THAT(fs.ReadFile("/../etc/passwd"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(fs.ReadFile("etc/passwd"), StatusIs(absl::StatusCode::kInvalidArgument));
  root.Write("/big", std::string(100, 'x'));
  EXPECT_THAT(fs.ReadFile("/big", 99), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(fs.ReadFile("/missing"), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace veu::collectors
