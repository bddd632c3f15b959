// Specifications of the organisation-wide controls: VEU-04 (chips stay at their site) and
// VEU-06 (country shares), evaluated over the shipped veu-2025 policy pack.
#include "verifier/appraisal/organisation_controls.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/facts/policy_pack.h"
#include "common/proto_time.h"
#include "verifier/appraisal/inventory_summary.h"

namespace veu::verifier {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1795000000);

veu::v1::PolicyPack Pack() {
  absl::StatusOr<veu::v1::PolicyPack> pack =
      facts::LoadPolicyPackFile(std::string(VEU_SOURCE_DIR) + "/deploy/policies/veu-2025.textproto");
  EXPECT_TRUE(pack.ok()) << pack.status();
  return *pack;
}

veu::v1::Site MakeSite(const std::string& name, const std::string& country) {
  veu::v1::Site s;
  s.set_name(name);
  s.set_organisation("acme");
  s.set_country(country);
  return s;
}

veu::v1::InventorySummary Identified(std::vector<std::string> ids, uint64_t tpp_each = 15831) {
  veu::v1::InventorySummary s;
  s.set_reported(true);
  s.set_count(ids.size());
  s.set_tpp(tpp_each * ids.size());
  for (auto& id : ids) s.add_identities(id);
  return s;
}

veu::v1::AcceleratorSighting Seen(const std::string& id, const std::string& site) {
  veu::v1::AcceleratorSighting s;
  s.set_identity(id);
  s.set_site(site);
  s.set_agent_id("agent-at-" + site);
  *s.mutable_last_seen() = ToProtoTime(kNow - absl::Hours(1));
  return s;
}

const veu::v1::CheckResult& Result(const OrganisationControlsOutcome& out, const std::string& id) {
  for (const auto& r : out.results) {
    if (r.check() == id) return r;
  }
  static const veu::v1::CheckResult* none = new veu::v1::CheckResult();
  ADD_FAILURE() << "no result for " << id;
  return *none;
}

TEST(AcceleratorSite, IdentitySeenAtAnotherSiteOpensACaseAndFails) {
  OrganisationContext ctx;
  ctx.sightings = {Seen("serial:1650", "frankfurt"), Seen("serial:1651", "dubai")};
  OrganisationControlsOutcome out = EvaluateOrganisationControls(
      Pack(), MakeSite("dubai", "AE"), "agent-b", Identified({"serial:1650", "serial:1651"}), &ctx,
      kNow);
  const auto& r = Result(out, "VEU-04.site");
  EXPECT_EQ(r.status(), veu::v1::CHECK_FAIL);
  EXPECT_EQ(r.reason(), veu::v1::ACCELERATOR_DIVERSION);
  EXPECT_THAT(r.detail(), HasSubstr("serial:1650"));
  EXPECT_THAT(r.detail(), HasSubstr("frankfurt"));
  ASSERT_EQ(out.new_diversions.size(), 1u);  // serial:1651 was seen only here
  EXPECT_EQ(out.new_diversions[0].identity(), "serial:1650");
  EXPECT_EQ(out.new_diversions[0].site(), "dubai");
  EXPECT_EQ(out.new_diversions[0].other_site(), "frankfurt");
  EXPECT_EQ(out.new_diversions[0].other_agent_id(), "agent-at-frankfurt");
  ASSERT_EQ(out.events.size(), 2u);  // one for each site
  EXPECT_EQ(out.events[0].kind(), veu::v1::EVENT_DIVERSION_SUSPECTED);
  EXPECT_EQ(out.events[0].site(), "dubai");
  EXPECT_EQ(out.events[1].site(), "frankfurt");
}

TEST(AcceleratorSite, AnOpenCaseIsNotOpenedAgainButKeepsFailing) {
  OrganisationContext ctx;
  ctx.sightings = {Seen("serial:1650", "frankfurt")};
  veu::v1::Diversion open;
  open.set_id(7);
  open.set_identity("serial:1650");
  open.set_site("dubai");
  open.set_other_site("frankfurt");
  ctx.open_diversions = {open};
  OrganisationControlsOutcome out = EvaluateOrganisationControls(
      Pack(), MakeSite("dubai", "AE"), "agent-b", Identified({"serial:1650"}), &ctx, kNow);
  EXPECT_EQ(Result(out, "VEU-04.site").status(), veu::v1::CHECK_FAIL);
  EXPECT_THAT(Result(out, "VEU-04.site").detail(), HasSubstr("case 7"));
  EXPECT_TRUE(out.new_diversions.empty());
  EXPECT_TRUE(out.events.empty());
}

TEST(AcceleratorSite, TheSiteTheChipLeftFailsToo) {
  // Frankfurt no longer reports the chip, but the case naming it is open.
  OrganisationContext ctx;
  veu::v1::Diversion open;
  open.set_id(3);
  open.set_identity("serial:1650");
  open.set_site("dubai");
  open.set_other_site("frankfurt");
  ctx.open_diversions = {open};
  OrganisationControlsOutcome out = EvaluateOrganisationControls(
      Pack(), MakeSite("frankfurt", "DE"), "agent-a", Identified({"serial:2000"}), &ctx, kNow);
  EXPECT_EQ(Result(out, "VEU-04.site").status(), veu::v1::CHECK_FAIL);
}

TEST(AcceleratorSite, SightingsAtTheSameSitePass) {
  OrganisationContext ctx;
  ctx.sightings = {Seen("serial:1650", "frankfurt")};
  OrganisationControlsOutcome out = EvaluateOrganisationControls(
      Pack(), MakeSite("frankfurt", "DE"), "agent-a", Identified({"serial:1650"}), &ctx, kNow);
  EXPECT_EQ(Result(out, "VEU-04.site").status(), veu::v1::CHECK_PASS);
  EXPECT_TRUE(out.new_diversions.empty());
}

TEST(AcceleratorSite, ChipsWithoutSerialsCannotBeFollowedSoNeverPass) {
  OrganisationContext ctx;
  veu::v1::InventorySummary pci_only;
  pci_only.set_reported(true);
  pci_only.set_count(2);
  pci_only.set_unidentified_count(2);
  OrganisationControlsOutcome out = EvaluateOrganisationControls(
      Pack(), MakeSite("frankfurt", "DE"), "agent-a", pci_only, &ctx, kNow);
  EXPECT_EQ(Result(out, "VEU-04.site").status(), veu::v1::CHECK_NOT_EVALUATED);
  EXPECT_THAT(Result(out, "VEU-04.site").detail(), HasSubstr("no serial or UUID"));

  veu::v1::PolicyPack strict = Pack();
  for (auto& c : *strict.mutable_controls()) {
    if (c.id() == "VEU-04.site") (*c.mutable_parameters())["pci_ids_only"] = "fail";
  }
  out = EvaluateOrganisationControls(strict, MakeSite("frankfurt", "DE"), "agent-a", pci_only,
                                     &ctx, kNow);
  EXPECT_EQ(Result(out, "VEU-04.site").status(), veu::v1::CHECK_FAIL);
}

TEST(OrganisationControls, WithoutTheOrganisationsViewBothAreNotEvaluated) {
  OrganisationControlsOutcome out = EvaluateOrganisationControls(
      Pack(), MakeSite("frankfurt", "DE"), "agent-a", Identified({"serial:1"}), nullptr, kNow);
  EXPECT_EQ(Result(out, "VEU-04.site").status(), veu::v1::CHECK_NOT_EVALUATED);
  EXPECT_EQ(Result(out, "VEU-06.distribution").status(), veu::v1::CHECK_NOT_EVALUATED);
}

TEST(ComputeDistribution, Tier1MajorityAndSmallOtherSharesPass) {
  OrganisationContext ctx;
  // Other sites: 95 H100s in Germany and the US; this node adds 5 in the UAE (5 %).
  ctx.organisation_sites = {{"DE", 50 * 15831}, {"US", 45 * 15831}};
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back("serial:" + std::to_string(i));
  OrganisationControlsOutcome out = EvaluateOrganisationControls(
      Pack(), MakeSite("dubai", "AE"), "agent-b", Identified(ids), &ctx, kNow);
  EXPECT_EQ(Result(out, "VEU-06.distribution").status(), veu::v1::CHECK_PASS)
      << Result(out, "VEU-06.distribution").detail();
}

TEST(ComputeDistribution, OneNonTier1CountryAboveSevenPercentFails) {
  OrganisationContext ctx;
  ctx.organisation_sites = {{"DE", 90 * 15831}};
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) ids.push_back("serial:" + std::to_string(i));
  OrganisationControlsOutcome out = EvaluateOrganisationControls(
      Pack(), MakeSite("dubai", "AE"), "agent-b", Identified(ids), &ctx, kNow);
  const auto& r = Result(out, "VEU-06.distribution");
  EXPECT_EQ(r.status(), veu::v1::CHECK_FAIL);
  EXPECT_EQ(r.reason(), veu::v1::COMPUTE_SHARE_EXCEEDED);
  EXPECT_THAT(r.detail(), HasSubstr("AE"));
}

TEST(InventorySummary, CountsIdentitiesOnceAndVirtualFunctionsWithTheirParent) {
  veu::v1::Inventory inv;
  inv.mutable_totals()->set_count(2);
  inv.mutable_totals()->set_tpp(2 * 15831);
  auto* a = inv.add_accelerators();
  a->set_pci_address("0000:17:00.0");
  a->set_role(veu::v1::ACCELERATOR_KNOWN);
  a->set_model("H100 PCIe");
  a->mutable_gpu()->set_serial("1650");
  auto* vf = inv.add_accelerators();
  vf->set_pci_address("0000:17:00.4");
  vf->set_role(veu::v1::ACCELERATOR_KNOWN);
  vf->set_model("H100 PCIe");
  vf->set_virtual_function(true);
  vf->set_physfn_address("0000:17:00.0");
  auto* b = inv.add_accelerators();
  b->set_pci_address("0000:65:00.0");
  b->set_role(veu::v1::ACCELERATOR_KNOWN);
  b->set_model("H100 PCIe");
  b->mutable_gpu()->set_uuid("GPU-aa");
  auto* display = inv.add_accelerators();
  display->set_role(veu::v1::DISPLAY_ONLY);
  veu::v1::InventorySummary s = SummariseInventory(inv);
  EXPECT_TRUE(s.reported());
  EXPECT_EQ(s.count(), 2u);
  EXPECT_THAT(s.identities(), ::testing::ElementsAre("serial:1650", "uuid:GPU-aa"));
  EXPECT_EQ(s.unidentified_count(), 0u);
  EXPECT_EQ(s.models().at("H100 PCIe"), 2u);
}

TEST(InventorySummary, ComparesIdentities) {
  IdentityChanges c = CompareIdentities(Identified({"serial:1", "serial:2"}),
                                        Identified({"serial:2", "serial:3"}));
  EXPECT_THAT(c.added, ::testing::ElementsAre("serial:3"));
  EXPECT_THAT(c.removed, ::testing::ElementsAre("serial:1"));
}

}  // namespace
}  // namespace veu::verifier
