// Catalogue TPP/ECCN math and classification: the figures of the January 2025 rule.
#include "common/facts/catalogue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace veu::facts {
namespace {

using ::testing::HasSubstr;
using ::veu::testing::IsOkAndHolds;
using ::veu::testing::StatusIs;

// The 3A090.a thresholds of the January 2025 rule (design/regulation.md), as a pack states them:
// the code has none of its own.
v1::Eccn3A090Thresholds RuleThresholds() {
  v1::Eccn3A090Thresholds t;
  t.set_tpp_min(4800);
  t.set_tpp_dense_min(1600);
  t.set_density_min(5.92);
  t.set_h100_equivalent_tpp(15831);
  return t;
}

// An empty catalogue with the rule's thresholds.
v1::AcceleratorCatalogue Data() {
  v1::AcceleratorCatalogue data;
  *data.mutable_thresholds() = RuleThresholds();
  return data;
}

v1::AcceleratorModel Model(std::string name, uint32_t device,
                           std::vector<std::tuple<std::string, double, uint32_t>> peaks,
                           double die_area = 0) {
  v1::AcceleratorModel m;
  m.set_model(std::move(name));
  m.set_vendor("Test");
  v1::PciId* id = m.add_pci_ids();
  id->set_vendor_id(0x10de);
  id->set_device_id(device);
  for (const auto& [precision, tops, bits] : peaks) {
    v1::PrecisionPeak* p = m.add_peaks();
    p->set_precision(precision);
    p->set_dense_tops(tops);
    p->set_bit_length(bits);
    p->set_published("unit test figure, dense");
  }
  m.set_die_area_mm2(die_area);
  m.set_source("unit test");
  return m;
}

// Fills the declared figures the way a correct catalogue row would.
v1::AcceleratorModel Declared(v1::AcceleratorModel m) {
  const double tpp = *ComputeTpp(m);
  m.set_tpp(static_cast<uint64_t>(tpp + 1e-6));
  m.set_performance_density(PerformanceDensity(tpp, m.die_area_mm2()));
  m.set_eccn(std::string(Classify3A090(tpp, m.die_area_mm2(), RuleThresholds())));
  return m;
}

TEST(TppTest, H100SxmFp8DensePeakGivesTpp15831) {
  auto m = Model("H100 SXM5", 0x2330, {{"FP8", 1978.9, 8}, {"FP16", 989.4, 16}}, 814);
  auto tpp = ComputeTpp(m);
  ASSERT_OK(tpp.status());
  EXPECT_EQ(static_cast<uint64_t>(*tpp), 15831u);
  EXPECT_EQ(Classify3A090(*tpp, 814, RuleThresholds()), kEccn3A090a);
}

TEST(TppTest, A100Int8PeakGivesTpp4992AndIsControlled) {
  auto m = Model("A100", 0x20b0, {{"INT8", 624, 8}, {"FP16", 312, 16}}, 826);
  EXPECT_THAT(ComputeTpp(m), IsOkAndHolds(4992.0));
  // Below 4,800? No: 4,992 >= 4,800 on TPP alone.
  EXPECT_EQ(Classify3A090(4992, 826, RuleThresholds()), kEccn3A090a);
}

TEST(TppTest, H20At2368IsNot3A090aBecauseItsDensityIsLow) {
  auto m = Model("H20", 0x2329, {{"FP8", 296, 8}}, 814);
  EXPECT_THAT(ComputeTpp(m), IsOkAndHolds(2368.0));
  EXPECT_LT(PerformanceDensity(2368, 814), 5.92);
  EXPECT_EQ(Classify3A090(2368, 814, RuleThresholds()), kEccnNot3A090a);
}

TEST(TppTest, TakesThePrecisionWithTheHighestTpp) {
  // FP16 at 600 x 16 = 9600 beats INT8 at 1000 x 8 = 8000.
  auto m = Model("X", 1, {{"INT8", 1000, 8}, {"FP16", 600, 16}});
  EXPECT_THAT(ComputeTpp(m), IsOkAndHolds(9600.0));
}

TEST(TppTest, DensityRuleControlsMidTppPartsOnlyAtOrAbove592) {
  const auto t = RuleThresholds();
  EXPECT_EQ(Classify3A090(2000, 300, t), kEccn3A090a);          // density 6.67
  EXPECT_EQ(Classify3A090(2000, 400, t), kEccnNot3A090a);       // density 5.0
  EXPECT_EQ(Classify3A090(1600, 1600 / 5.92, t), kEccn3A090a);  // exactly on both lines
  EXPECT_EQ(Classify3A090(1599, 10, t), kEccnNot3A090a);        // dense but below 1,600
  EXPECT_EQ(Classify3A090(4800, 100000, t), kEccn3A090a);       // TPP alone suffices
  EXPECT_EQ(Classify3A090(2000, 0, t), kEccnUndetermined);      // die area unknown
}

TEST(TppTest, RejectsPeakWithoutBitLength) {
  auto m = Model("X", 1, {{"FP8", 100, 0}});
  EXPECT_THAT(ComputeTpp(m), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bit_length")));
}

TEST(CatalogueTest, RejectsRowWhoseDeclaredTppDisagreesWithItsPeaks) {
  v1::AcceleratorCatalogue data = Data();
  auto m = Declared(Model("H100 SXM5", 0x2330, {{"FP8", 1978.9, 8}}, 814));
  m.set_tpp(15832);
  *data.add_models() = m;
  EXPECT_THAT(Catalogue::Create(data),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("declares tpp 15832")));
}

TEST(CatalogueTest, RejectsRowWhoseDeclaredEccnDisagreesWithTheThresholds) {
  v1::AcceleratorCatalogue data = Data();
  auto m = Declared(Model("H20", 0x2329, {{"FP8", 296, 8}}, 814));
  m.set_eccn("3A090.a");
  *data.add_models() = m;
  EXPECT_THAT(Catalogue::Create(data),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not-3A090.a")));
}

TEST(CatalogueTest, RejectsTwoRowsClaimingOnePciId) {
  v1::AcceleratorCatalogue data = Data();
  *data.add_models() = Declared(Model("A", 0x1111, {{"FP8", 100, 8}}));
  *data.add_models() = Declared(Model("B", 0x1111, {{"FP8", 200, 8}}));
  EXPECT_THAT(Catalogue::Create(data),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("10de:1111")));
}

TEST(CatalogueTest, RejectsRowWithoutSource) {
  v1::AcceleratorCatalogue data = Data();
  auto m = Declared(Model("A", 0x1111, {{"FP8", 100, 8}}));
  m.clear_source();
  *data.add_models() = m;
  EXPECT_THAT(Catalogue::Create(data),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no source")));
}

TEST(CatalogueTest, RefusesACatalogueWithoutThresholdsBecauseNoneIsBuiltIn) {
  v1::AcceleratorCatalogue data;
  *data.add_models() = Declared(Model("A", 0x1111, {{"FP8", 100, 8}}));
  EXPECT_THAT(Catalogue::Create(data),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("none is built in")));
  data = Data();
  data.mutable_thresholds()->clear_density_min();
  EXPECT_THAT(Catalogue::Create(data),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("density_min")));
}

TEST(CatalogueTest, RefusesARowWhoseTppPeakDoesNotSayWhatWasPublished) {
  v1::AcceleratorCatalogue data = Data();
  auto m = Declared(Model("GB300", 0x31c2, {{"FP4", 15000, 4}, {"FP8", 5000, 8}}));
  m.mutable_peaks(0)->clear_published();  // FP4 gives the TPP (60,000)
  *data.add_models() = m;
  EXPECT_THAT(Catalogue::Create(data),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("peak FP4 gives the TPP")));
  // The other peak may go without: it does not decide the TPP.
  data.mutable_models(0)->mutable_peaks(0)->set_published("x");
  data.mutable_models(0)->mutable_peaks(1)->clear_published();
  EXPECT_OK(Catalogue::Create(data).status());
}

TEST(CatalogueTest, MemoryBandwidthNeedsItsSource) {
  v1::AcceleratorCatalogue data = Data();
  auto m = Declared(Model("A", 0x1111, {{"FP8", 100, 8}}));
  m.set_memory_bandwidth_gbps(3350);
  *data.add_models() = m;
  EXPECT_THAT(Catalogue::Create(data), StatusIs(absl::StatusCode::kInvalidArgument,
                                                HasSubstr("memory_bandwidth_source")));
  data.mutable_models(0)->set_memory_bandwidth_source("datasheet");
  EXPECT_OK(Catalogue::Create(data).status());
}

TEST(CatalogueTest, LooksUpModelsAndMarksVirtualFunctionIds) {
  v1::AcceleratorCatalogue data = Data();
  auto m = Declared(Model("MI300X", 0x74a1, {{"FP8", 2614.9, 8}}));
  m.mutable_pci_ids(0)->set_vendor_id(0x1002);
  v1::PciId* vf = m.add_pci_ids();
  vf->set_vendor_id(0x1002);
  vf->set_device_id(0x74b5);
  vf->set_virtual_function(true);
  *data.add_models() = m;
  auto c = Catalogue::Create(data);
  ASSERT_OK(c.status());
  bool is_vf = true;
  ASSERT_NE(c->Lookup(0x1002, 0x74a1, &is_vf), nullptr);
  EXPECT_FALSE(is_vf);
  ASSERT_NE(c->Lookup(0x1002, 0x74b5, &is_vf), nullptr);
  EXPECT_TRUE(is_vf);
  EXPECT_EQ(c->Lookup(0x1002, 0x74b5)->tpp(), 20919u);
  EXPECT_EQ(c->Lookup(0x10de, 0x74a1), nullptr);
}

v1::AcceleratorDevice Dev(std::string addr, v1::DeviceRole role, uint64_t tpp, bool vf = false,
                          std::string physfn = "") {
  v1::AcceleratorDevice d;
  d.set_pci_address(std::move(addr));
  d.set_role(role);
  d.set_tpp(tpp);
  d.set_virtual_function(vf);
  d.set_physfn_address(std::move(physfn));
  return d;
}

TEST(TotalsTest, CountsEachPhysicalDeviceOnceAndFlagsUnknownTppAsLowerBound) {
  google::protobuf::RepeatedPtrField<v1::AcceleratorDevice> devs;
  *devs.Add() = Dev("0000:01:00.0", v1::ACCELERATOR_KNOWN, 20919);
  *devs.Add() = Dev("0000:01:00.1", v1::ACCELERATOR_KNOWN, 20919, true, "0000:01:00.0");
  *devs.Add() = Dev("0000:02:00.0", v1::ACCELERATOR_UNKNOWN, 0);
  *devs.Add() = Dev("0000:03:00.0", v1::DISPLAY_ONLY, 0);
  // A guest's VF whose parent is not visible stands for its device.
  *devs.Add() = Dev("0000:04:00.0", v1::ACCELERATOR_KNOWN, 20919, true, "");
  v1::AcceleratorTotals t = Totals(devs);
  EXPECT_EQ(t.count(), 3u);
  EXPECT_EQ(t.tpp(), 2u * 20919u);
  EXPECT_EQ(t.unknown_count(), 1u);
  EXPECT_EQ(t.virtual_function_count(), 2u);
}

TEST(ClassifyTest, UnknownDeviceOfAcceleratorVendorIsReportedNotDropped) {
  auto c = Catalogue::Create(Data());
  ASSERT_OK(c.status());
  v1::AcceleratorDevice d;
  d.set_vendor_id(0x10de);
  d.set_device_id(0xfff0);
  d.set_class_code(0x030000);
  Classify(*c, d);
  EXPECT_EQ(d.role(), v1::ACCELERATOR_UNKNOWN);
  EXPECT_EQ(d.model(), "unknown");
  EXPECT_EQ(d.eccn(), "unknown");

  v1::AcceleratorDevice bmc;  // ASPEED AST2600 VGA
  bmc.set_vendor_id(0x1a03);
  bmc.set_device_id(0x2000);
  bmc.set_class_code(0x030000);
  Classify(*c, bmc);
  EXPECT_EQ(bmc.role(), v1::DISPLAY_ONLY);

  v1::AcceleratorDevice npu;  // processing accelerator of a vendor we do not know
  npu.set_vendor_id(0x1234);
  npu.set_device_id(0x5678);
  npu.set_class_code(0x120000);
  Classify(*c, npu);
  EXPECT_EQ(npu.role(), v1::ACCELERATOR_UNKNOWN);
}

}  // namespace
}  // namespace veu::facts
