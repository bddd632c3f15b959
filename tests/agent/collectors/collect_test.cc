// The whole evidence into Facts, and its JSON view.
#include "agent/collectors/collect.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/collectors/nvml_source.h"
#include "common/facts/policy_pack.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/agent/collectors/fake_root.h"
#include "tests/support/status_matchers.h"

namespace veu::collectors {
namespace {

using ::veu::collectors::testing::FakeRoot;

TEST(CollectTest, FillsInventoryAndAccessAndRendersTheDocumentedJson) {
  FakeRoot root;
  root.AddPci("0000:18:00.0", 0x10de, 0x2330, 0x030200);
  root.AddPci("0000:19:00.0", 0x10de, 0x2bff, 0x030200);
  root.Write("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
  root.Write("/etc/group", "root:x:0:\n");
  auto pack = facts::LoadPolicyPackFile(std::string(VEU_SOURCE_DIR) +
                                        "/deploy/policies/veu-2025.textproto");
  ASSERT_OK(pack.status());
  auto catalogue = facts::Catalogue::Create(pack->catalogue());
  ASSERT_OK(catalogue.status());

  v1::Facts facts;
  facts.set_agent_version("test");
  CollectEvidence(RootFs(root.path()), *catalogue, {}, &facts);
  EXPECT_EQ(facts.agent_version(), "test");  // other fields untouched
  EXPECT_EQ(facts.inventory().accelerators_size(), 2);
  EXPECT_EQ(facts.access().privileged_accounts_size(), 1);
  // Facts are signed as deterministic bytes: they must serialise.
  std::string bytes;
  ASSERT_TRUE(facts.SerializeToString(&bytes));

  auto json = RenderFactsJson(facts);
  ASSERT_OK(json.status());
  google::protobuf::Struct doc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*json, &doc).ok()) << *json;
  const auto& f = doc.fields();
  ASSERT_TRUE(f.contains("accelerators"));
  const auto& list = f.at("accelerators").list_value();
  ASSERT_EQ(list.values_size(), 2);
  const auto& h100 = list.values(0).struct_value().fields();
  EXPECT_EQ(h100.at("pci_address").string_value(), "0000:18:00.0");
  EXPECT_EQ(h100.at("vendor_id").string_value(), "10de");
  EXPECT_EQ(h100.at("device_id").string_value(), "2330");
  EXPECT_EQ(h100.at("model").string_value(), "H100 SXM5");
  EXPECT_EQ(h100.at("tpp").number_value(), 15831);
  EXPECT_EQ(h100.at("eccn").string_value(), "3A090.a");
  const auto& unknown = list.values(1).struct_value().fields();
  EXPECT_EQ(unknown.at("model").string_value(), "unknown");
  const auto& totals = f.at("accelerator_totals").struct_value().fields();
  EXPECT_EQ(totals.at("count").number_value(), 2);
  EXPECT_EQ(totals.at("tpp").number_value(), 15831);
  EXPECT_TRUE(totals.at("tpp_is_lower_bound").bool_value());
  ASSERT_TRUE(f.contains("access"));
  const auto& access = f.at("access").struct_value().fields();
  ASSERT_TRUE(access.contains("privileged_accounts"));
  EXPECT_EQ(access.at("privileged_accounts")
                .list_value()
                .values(0)
                .struct_value()
                .fields()
                .at("name")
                .string_value(),
            "root");
  EXPECT_FALSE(f.at("nvml").struct_value().fields().at("available").bool_value());
}

}  // namespace
}  // namespace veu::collectors

namespace veu::collectors {
namespace {

// This machine (or CI container) as it is: whatever it has, collection completes, every
// accelerator gets a role, and the JSON renders. Real NVML is tried if present.
TEST(CollectTest, LiveSystemCollectsAndRendersWithoutCrashing) {
  v1::AcceleratorCatalogue empty;  // no rows; thresholds are required and come from the pack
  empty.mutable_thresholds()->set_tpp_min(4800);
  empty.mutable_thresholds()->set_tpp_dense_min(1600);
  empty.mutable_thresholds()->set_density_min(5.92);
  empty.mutable_thresholds()->set_h100_equivalent_tpp(15831);
  auto catalogue = facts::Catalogue::Create(empty);
  ASSERT_OK(catalogue.status());
  NvmlGpuInventorySource nvml;
  CollectOptions options;
  options.gpu = &nvml;
  options.data_paths = {"/", "/tmp"};
  v1::Facts facts;
  CollectEvidence(RootFs("/"), *catalogue, options, &facts);
  for (const auto& d : facts.inventory().accelerators()) {
    EXPECT_NE(d.role(), v1::DEVICE_ROLE_UNSPECIFIED) << d.pci_address();
  }
  EXPECT_EQ(facts.access().storage_size(), 2);
  auto json = RenderFactsJson(facts);
  ASSERT_OK(json.status());
  EXPECT_THAT(*json, ::testing::HasSubstr("\"accelerator_totals\""));
}

}  // namespace
}  // namespace veu::collectors
