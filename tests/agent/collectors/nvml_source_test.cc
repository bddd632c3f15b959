// NVML identity through the real dlopen/dlsym path, with libfake-nvml.so standing in for
// NVIDIA's library (tests/support/fake_nvml/fake_nvml.h), merged into real node shapes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "agent/collectors/inventory.h"
#include "agent/collectors/nvml_source.h"
#include "common/facts/policy_pack.h"
#include "tests/agent/collectors/fake_root.h"
#include "tests/support/fake_nvml/fake_nvml.h"

namespace veu::collectors {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::veu::collectors::testing::BuildHgxH100;
using ::veu::collectors::testing::FakeRoot;
using ::veu::collectors::testing::ShippedCatalogue;
using ::veu::collectors::testing::kHgxH100Gpus;
using ::veu::testing::ScopedFakeNvmlDevices;

TEST(NvmlSourceTest, ReadsEachDevicesIdentityAndNormalisesItsBusId) {
  ScopedFakeNvmlDevices devices(
      "driver 550.90.07\n"
      "cc on\n"
      "0000:9a:00.0 1652823054567 GPU-2f6b8a1c-0d7e-4b1e-9a5c-3e8f7d6c5b4a "
      "\"NVIDIA H100 80GB HBM3\" 692-2G520-0200-000 96.00.74.00.01\n"
      "0000:18:00.0 1652823054999 GPU-0a1b2c3d-0000-4000-8000-000000000018 "
      "\"NVIDIA H100 80GB HBM3\" 692-2G520-0200-000 96.00.74.00.02\n");
  NvmlGpuInventorySource source(VEU_FAKE_NVML_PATH);
  GpuReport r = source.Query();
  EXPECT_TRUE(r.status.available());
  EXPECT_EQ(r.status.driver_version(), "550.90.07");
  EXPECT_TRUE(r.status.confidential_computing_known());
  EXPECT_TRUE(r.status.confidential_computing_on());
  EXPECT_EQ(r.status.detail(), "");
  ASSERT_THAT(r.gpus, SizeIs(2));
  // NVML says "00000000:9A:00.0"; sysfs says "0000:9a:00.0": the merge needs one form.
  EXPECT_EQ(r.gpus[0].pci_bus_id(), "0000:9a:00.0");
  EXPECT_EQ(r.gpus[0].serial(), "1652823054567");
  EXPECT_EQ(r.gpus[0].uuid(), "GPU-2f6b8a1c-0d7e-4b1e-9a5c-3e8f7d6c5b4a");
  EXPECT_EQ(r.gpus[0].name(), "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(r.gpus[0].board_part_number(), "692-2G520-0200-000");
  EXPECT_EQ(r.gpus[0].vbios_version(), "96.00.74.00.01");
  EXPECT_EQ(r.gpus[1].pci_bus_id(), "0000:18:00.0");
  EXPECT_EQ(r.gpus[1].vbios_version(), "96.00.74.00.02");
}

TEST(NvmlSourceTest, FieldTheDriverCannotReportIsLeftEmptyAndNamedInTheDetail) {
  ScopedFakeNvmlDevices devices("0000:9a:00.0 - GPU-1 name part vbios\n");  // no cc line
  NvmlGpuInventorySource source(VEU_FAKE_NVML_PATH);
  GpuReport r = source.Query();
  EXPECT_TRUE(r.status.available());
  ASSERT_THAT(r.gpus, SizeIs(1));
  EXPECT_EQ(r.gpus[0].serial(), "");
  EXPECT_EQ(r.gpus[0].uuid(), "GPU-1");
  EXPECT_THAT(r.status.detail(), HasSubstr("device 0: nvmlDeviceGetSerial: Not Supported (3)"));
  EXPECT_FALSE(r.status.confidential_computing_known());
  EXPECT_THAT(r.status.detail(), HasSubstr("confidential-computing state not reported"));
}

TEST(NvmlSourceTest, FailingInitIsUnavailableWithNvmlsReason) {
  unsetenv(::veu::testing::kFakeNvmlDevicesEnv);  // the fake's "driver not loaded"
  NvmlGpuInventorySource source(VEU_FAKE_NVML_PATH);
  GpuReport r = source.Query();
  EXPECT_FALSE(r.status.available());
  EXPECT_THAT(r.status.detail(), HasSubstr("nvmlInit_v2 failed: Driver Not Loaded (9)"));
  EXPECT_THAT(r.status.detail(), HasSubstr("PCI IDs only"));
  EXPECT_THAT(r.gpus, IsEmpty());
}

TEST(NvmlSourceTest, NodeWithNoGpusGivesAnAvailableEmptyReport) {
  ScopedFakeNvmlDevices devices("driver 550.90.07\n");
  NvmlGpuInventorySource source(VEU_FAKE_NVML_PATH);
  GpuReport r = source.Query();
  EXPECT_TRUE(r.status.available());
  EXPECT_THAT(r.gpus, IsEmpty());
}

// An HGX node: NVML sees the eight GPUs sysfs lists, plus one sysfs does not (a GPU hidden from
// the PCI scan, or a library that lies): serials land on the matching accelerators, the extra
// one is an inventory error naming it, and is not counted.
TEST(InventoryWithNvmlTest, HgxNodeGetsEachGpusSerialAndTheExtraGpuIsAnError) {
  FakeRoot root;
  BuildHgxH100(root);
  std::string lines = "driver 550.90.07\ncc off\n";
  for (int i = 0; i < 8; ++i) {
    lines += absl::StrFormat("%s 16528230545%02d GPU-0000000%d-0000-4000-8000-000000000000 "
                             "\"NVIDIA H100 80GB HBM3\" 692-2G520-0200-000 96.00.74.00.01\n",
                             kHgxH100Gpus[i], i, i);
  }
  lines += "0000:ee:00.0 9999999999999 GPU-ghost \"NVIDIA H100 80GB HBM3\" - -\n";
  ScopedFakeNvmlDevices devices(lines);
  NvmlGpuInventorySource nvml(VEU_FAKE_NVML_PATH);
  v1::Inventory inv = CollectInventory(RootFs(root.path()), ShippedCatalogue(), &nvml);

  EXPECT_TRUE(inv.nvml().available());
  EXPECT_EQ(inv.nvml().driver_version(), "550.90.07");
  EXPECT_TRUE(inv.nvml().confidential_computing_known());
  EXPECT_FALSE(inv.nvml().confidential_computing_on());
  int with_serial = 0;
  for (const auto& d : inv.accelerators()) {
    if (d.role() == v1::DISPLAY_ONLY) {  // the BMC's VGA: NVML does not know it
      EXPECT_EQ(d.identity_source(), v1::PCI_IDS_ONLY);
      EXPECT_FALSE(d.has_gpu());
      continue;
    }
    int i = 0;
    while (i < 8 && d.pci_address() != kHgxH100Gpus[i]) ++i;
    ASSERT_LT(i, 8) << d.pci_address();
    EXPECT_EQ(d.identity_source(), v1::NVML) << d.pci_address();
    EXPECT_EQ(d.gpu().serial(), absl::StrFormat("16528230545%02d", i)) << d.pci_address();
    EXPECT_EQ(d.gpu().uuid(), absl::StrFormat("GPU-0000000%d-0000-4000-8000-000000000000", i));
    ++with_serial;
  }
  EXPECT_EQ(with_serial, 8);
  EXPECT_EQ(inv.totals().count(), 8u);
  EXPECT_EQ(inv.totals().tpp(), 8u * 15831u);
  ASSERT_THAT(inv.errors(), SizeIs(1));
  EXPECT_EQ(inv.errors(0).source_path(), "nvml");
  EXPECT_THAT(inv.errors(0).message(), HasSubstr("GPU-ghost"));
  EXPECT_THAT(inv.errors(0).message(), HasSubstr("0000:ee:00.0"));
  EXPECT_THAT(inv.errors(0).message(), HasSubstr("sysfs does not list"));
}

// A mixed node: NVML knows only the NVIDIA parts; the AMD and Intel accelerators keep PCI-ID
// identity and the NVIDIA ones get NVML's.
TEST(InventoryWithNvmlTest, MixedNodeGetsNvmlIdentityOnlyOnNvidiaGpus) {
  FakeRoot root;
  root.AddPci("0000:01:00.0", 0x10de, 0x20b5, 0x030200);  // A100 PCIe 80GB
  root.AddPci("0000:41:00.0", 0x10de, 0x26b9, 0x030200, 1);  // L40S
  root.AddPci("0000:81:00.0", 0x1002, 0x74a1, 0x120000, 1);  // MI300X
  root.AddPci("0000:c1:00.0", 0x1da3, 0x1020, 0x120000, 1);  // Gaudi 2
  ScopedFakeNvmlDevices devices(
      "0000:01:00.0 1324020000001 GPU-a100 \"NVIDIA A100 80GB PCIe\" 900-21001-0020-100 "
      "92.00.9E.00.03\n"
      "0000:41:00.0 1325021000002 GPU-l40s \"NVIDIA L40S\" 900-2G133-0080-000 95.02.5D.00.01\n");
  NvmlGpuInventorySource nvml(VEU_FAKE_NVML_PATH);
  v1::Inventory inv = CollectInventory(RootFs(root.path()), ShippedCatalogue(), &nvml);
  EXPECT_THAT(inv.errors(), IsEmpty());
  ASSERT_EQ(inv.accelerators_size(), 4);
  for (const auto& d : inv.accelerators()) {
    if (d.vendor_id() == 0x10de) {
      EXPECT_EQ(d.identity_source(), v1::NVML) << d.pci_address();
      EXPECT_THAT(d.gpu().uuid(), HasSubstr("GPU-")) << d.pci_address();
    } else {
      EXPECT_EQ(d.identity_source(), v1::PCI_IDS_ONLY) << d.pci_address();
      EXPECT_FALSE(d.has_gpu()) << d.pci_address();
    }
  }
}

}  // namespace
}  // namespace veu::collectors
