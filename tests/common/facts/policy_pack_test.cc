// The shipped policy pack and the loader's refusals.
#include "common/facts/policy_pack.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "common/facts/catalogue.h"
#include "tests/support/status_matchers.h"

namespace veu::facts {
namespace {

using ::testing::HasSubstr;
using ::veu::testing::StatusIs;

const std::string kShippedPack =
    std::string(VEU_SOURCE_DIR) + "/deploy/policies/veu-2025.textproto";

TEST(ShippedPolicyPackTest, ParsesAndEveryControlHasIdTitleAndClause) {
  auto pack = LoadPolicyPackFile(kShippedPack);
  ASSERT_OK(pack.status());
  EXPECT_EQ(pack->id(), "veu-2025");
  ASSERT_GT(pack->controls_size(), 0);
  for (const v1::Control& c : pack->controls()) {
    EXPECT_FALSE(c.id().empty());
    EXPECT_FALSE(c.title().empty()) << c.id();
    EXPECT_THAT(c.clause(), HasSubstr("Supplement No. 10 to Part 748")) << c.id();
    EXPECT_NE(c.check(), v1::CHECK_KIND_UNSPECIFIED) << c.id();
  }
}

TEST(ShippedPolicyPackTest, CoversEveryRequiredCheck) {
  auto pack = LoadPolicyPackFile(kShippedPack);
  ASSERT_OK(pack.status());
  std::set<v1::CheckKind> kinds;
  std::set<std::string> ids;
  for (const v1::Control& c : pack->controls()) {
    kinds.insert(c.check());
    ids.insert(c.id());
  }
  for (v1::CheckKind k :
       {v1::MEASURED_BOOT, v1::SECURE_BOOT, v1::RUNTIME_INTEGRITY, v1::PRIVILEGED_ACCESS,
        v1::REMOTE_ACCESS, v1::AUDIT_LOGGING, v1::STORAGE_ENCRYPTION, v1::ACCELERATOR_INVENTORY,
        v1::ACCELERATOR_SITE, v1::COMPUTE_DISTRIBUTION, v1::NEEDS_EVIDENCE}) {
    EXPECT_TRUE(kinds.count(k)) << v1::CheckKind_Name(k);
  }
  // The document-only requirements are carried as needs-evidence.
  for (const char* id : {"VEU-02.military-ties", "VEU-09.end-use", "VEU-12.officer-certification",
                         "VEU-13.ownership", "VEU-19.assessments"}) {
    EXPECT_TRUE(ids.count(id)) << id;
  }
  EXPECT_DOUBLE_EQ(pack->caps().uveu_min_tier1_share(), 0.75);
  EXPECT_DOUBLE_EQ(pack->caps().uveu_max_single_non_tier1_share(), 0.07);
  int tier1 = 0;
  for (const v1::Country& c : pack->tiers().countries()) tier1 += c.tier() == v1::TIER_1;
  EXPECT_EQ(tier1, 19);
}

TEST(ShippedPolicyPackTest, CatalogueCarriesTheKnownFigures) {
  auto pack = LoadPolicyPackFile(kShippedPack);
  ASSERT_OK(pack.status());
  auto c = Catalogue::Create(pack->catalogue());
  ASSERT_OK(c.status());
  struct Want {
    uint32_t vendor, device;
    uint64_t tpp;
    const char* eccn;
  };
  for (const Want& w : {Want{0x10de, 0x2330, 15831, "3A090.a"},     // H100 SXM5
                        Want{0x10de, 0x20b0, 4992, "3A090.a"},      // A100 SXM4
                        Want{0x10de, 0x2329, 2368, "not-3A090.a"},  // H20
                        Want{0x10de, 0x26b9, 5864, "3A090.a"},      // L40S
                        Want{0x10de, 0x2901, 36000, "3A090.a"},     // B200
                        Want{0x1002, 0x74a1, 20919, "3A090.a"},     // MI300X
                        Want{0x1002, 0x7408, 6128, "3A090.a"},      // MI250X
                        Want{0x1da3, 0x1060, 29360, "3A090.a"}}) {  // Gaudi 3
    const v1::AcceleratorModel* m = c->Lookup(w.vendor, w.device);
    ASSERT_NE(m, nullptr) << std::hex << w.vendor << ":" << w.device;
    EXPECT_EQ(m->tpp(), w.tpp) << m->model();
    EXPECT_EQ(m->eccn(), w.eccn) << m->model();
    EXPECT_FALSE(m->source().empty()) << m->model();
  }
  for (const char* name :
       {"A100 SXM4", "A100 PCIe", "H100 SXM5", "H100 PCIe", "H100 NVL", "H200 SXM", "H20", "L40S",
        "B200", "GB200 (per GPU)", "MI250X", "MI300X", "MI325X", "Gaudi 2", "Gaudi 3"}) {
    bool found = false;
    for (const auto& m : pack->catalogue().models()) found |= m.model() == name;
    EXPECT_TRUE(found) << name;
  }
}

TEST(PolicyPackTest, SyntaxErrorNamesFileLineAndColumn) {
  EXPECT_THAT(ParsePolicyPack("id: \"x\"\nversion: \"1\"\ncontrols { id: }\n", "p.textproto"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("p.textproto:3:")));
}

TEST(PolicyPackTest, RejectsUnknownField) {
  EXPECT_THAT(ParsePolicyPack("id: \"x\"\nversion: \"1\"\nthreshold: 3\n", "p.textproto"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("p.textproto:3:")));
}

TEST(PolicyPackTest, RejectsControlWithoutClause) {
  EXPECT_THAT(ParsePolicyPack(R"(id: "x" version: "1"
                                 controls { id: "C-1" title: "t" check: NEEDS_EVIDENCE })",
                              "p.textproto"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("control C-1 needs")));
}

TEST(PolicyPackTest, RejectsDuplicateControlIds) {
  EXPECT_THAT(ParsePolicyPack(R"(id: "x" version: "1"
                         controls { id: "C-1" title: "t" clause: "c" check: NEEDS_EVIDENCE }
                         controls { id: "C-1" title: "u" clause: "c" check: NEEDS_EVIDENCE })",
                              "p.textproto"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("defined twice")));
}

TEST(PolicyPackTest, MissingFileIsNotFound) {
  EXPECT_THAT(LoadPolicyPackFile("/nonexistent/pack.textproto"),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace veu::facts
