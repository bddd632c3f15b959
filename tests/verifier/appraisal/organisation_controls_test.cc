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

// A site of a Universal VEU headquartered in `hq`.
veu::v1::Site UveuSite(const std::string& name, const std::string& country,
                       const std::string& hq = "DE") {
  veu::v1::Site s = MakeSite(name, country);
  s.set_veu_type(veu::v1::VEU_TYPE_UNIVERSAL);
  s.set_headquarters_country(hq);
  return s;
}

// The shipped pack with the UAE listed as Tier 2 (the shipped lists are a selection and list no
// Tier 2 country, so a pass outside Tier 1 needs the country placed explicitly).
veu::v1::PolicyPack PackWithUaeTier2() {
  veu::v1::PolicyPack pack = Pack();
  veu::v1::Country* ae = pack.mutable_tiers()->add_countries();
  ae->set_iso_code("AE");
  ae->set_name("United Arab Emirates");
  ae->set_tier(veu::v1::TIER_2);
  return pack;
}

std::vector<std::string> Serials(int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back("serial:" + std::to_string(i));
  return ids;
}

veu::v1::CheckResult Distribution(const veu::v1::PolicyPack& pack, const veu::v1::Site& site,
                                  const OrganisationContext& ctx, int h100s) {
  OrganisationControlsOutcome out =
      EvaluateOrganisationControls(pack, site, "agent-b", Identified(Serials(h100s)), &ctx, kNow);
  return Result(out, "VEU-06.distribution");
}

TEST(ComputeDistribution, Tier1MajorityAndSmallOtherSharesPass) {
  OrganisationContext ctx;
  // Other sites: 95 H100s in Germany and the US; this node adds 5 in the UAE (5 %).
  ctx.organisation_sites = {{"DE", 50 * 15831}, {"US", 45 * 15831}};
  const auto r = Distribution(PackWithUaeTier2(), UveuSite("dubai", "AE"), ctx, 5);
  EXPECT_EQ(r.status(), veu::v1::CHECK_PASS) << r.detail();
  EXPECT_THAT(r.detail(), HasSubstr("Universal VEU, headquarters DE"));
}

TEST(ComputeDistribution, OneNonTier1CountryAboveSevenPercentFails) {
  OrganisationContext ctx;
  ctx.organisation_sites = {{"DE", 90 * 15831}};
  const auto r = Distribution(Pack(), UveuSite("dubai", "AE"), ctx, 10);
  EXPECT_EQ(r.status(), veu::v1::CHECK_FAIL);
  EXPECT_EQ(r.reason(), veu::v1::COMPUTE_SHARE_EXCEEDED);
  EXPECT_THAT(r.detail(), HasSubstr("AE holds 10.00%"));
}

TEST(ComputeDistribution, Tier1ShareBelowSeventyFivePercentFails) {
  // Four other countries at 6.5 % each (each within 7 %) leave 74 % in Tier 1.
  veu::v1::PolicyPack pack = PackWithUaeTier2();
  for (const char* iso : {"SA", "IN", "BR"}) {
    veu::v1::Country* c = pack.mutable_tiers()->add_countries();
    c->set_iso_code(iso);
    c->set_tier(veu::v1::TIER_2);  // placed explicitly for the test
  }
  OrganisationContext ctx;
  ctx.organisation_sites = {{"DE", 148 * 15831}, {"AE", 13 * 15831}, {"SA", 13 * 15831},
                            {"IN", 13 * 15831}};
  const auto r = Distribution(pack, UveuSite("sao-paulo", "BR"), ctx, 13);
  EXPECT_EQ(r.status(), veu::v1::CHECK_FAIL) << r.detail();
  EXPECT_THAT(r.detail(), HasSubstr("74.00% of TPP is in Tier 1 countries; at least 75.00%"));
  EXPECT_THAT(r.detail(), ::testing::Not(HasSubstr("may hold at most")));
}

TEST(ComputeDistribution, UsHeadquarteredUveuNeedsHalfItsTppInTheUs) {
  OrganisationContext ctx;
  ctx.organisation_sites = {{"DE", 60 * 15831}};
  const auto r = Distribution(Pack(), UveuSite("virginia", "US", "US"), ctx, 40);
  EXPECT_EQ(r.status(), veu::v1::CHECK_FAIL) << r.detail();
  EXPECT_THAT(r.detail(), HasSubstr("40.00% of TPP is in the US; a US-headquartered UVEU needs at "
                                    "least 50.00%"));
  // The same shares for a German-headquartered UVEU pass: the rule binds US headquarters only.
  EXPECT_EQ(Distribution(Pack(), UveuSite("virginia", "US", "DE"), ctx, 40).status(),
            veu::v1::CHECK_PASS);
}

TEST(ComputeDistribution, ASiteWithoutVerifiedInventoryLeavesTheSharesNotEvaluated) {
  OrganisationContext ctx;
  ctx.organisation_sites = {{"DE", 50 * 15831}};
  ctx.sites_without_inventory = 1;
  const auto r = Distribution(Pack(), UveuSite("berlin", "DE"), ctx, 10);
  EXPECT_EQ(r.status(), veu::v1::CHECK_NOT_EVALUATED) << r.detail();
  EXPECT_THAT(r.detail(), HasSubstr("1 sites have no verified inventory"));
  // Nor does a share failure stand while a site's inventory is missing...
  ctx.organisation_sites = {{"DE", 50 * 15831}};
  EXPECT_EQ(Distribution(Pack(), UveuSite("dubai", "AE"), ctx, 50).status(),
            veu::v1::CHECK_NOT_EVALUATED);
  // ...but Tier 3 compute fails whatever the missing site holds.
  const auto cn = Distribution(Pack(), UveuSite("shanghai", "CN"), ctx, 1);
  EXPECT_EQ(cn.status(), veu::v1::CHECK_FAIL) << cn.detail();
  EXPECT_THAT(cn.detail(), HasSubstr("is in CN (Tier 3)"));
}

TEST(ComputeDistribution, ACountryNoTierListPlacesIsNotEvaluatedNeverTier2) {
  // The shipped Tier 3 list is a selection of D:5: a country outside every list may be in D:5.
  OrganisationContext ctx;
  ctx.organisation_sites = {{"DE", 97 * 15831}};
  const auto r = Distribution(Pack(), UveuSite("elsewhere", "ZW"), ctx, 3);
  EXPECT_EQ(r.status(), veu::v1::CHECK_NOT_EVALUATED) << r.detail();
  EXPECT_EQ(r.reason(), veu::v1::COUNTRY_TIER_UNKNOWN);
  EXPECT_THAT(r.detail(), HasSubstr("do not place ZW"));
}

TEST(ComputeDistribution, AnInvalidSiteCountryIsNotEvaluatedWithTheReason) {
  OrganisationContext ctx;
  const auto r = Distribution(Pack(), UveuSite("x", "Germany"), ctx, 1);
  EXPECT_EQ(r.status(), veu::v1::CHECK_NOT_EVALUATED);
  EXPECT_EQ(r.reason(), veu::v1::COUNTRY_TIER_UNKNOWN);
  EXPECT_THAT(r.detail(), HasSubstr("\"Germany\" is not an ISO 3166-1 alpha-2 code"));
}

TEST(ComputeDistribution, AppliesToUniversalVeusOnly) {
  OrganisationContext ctx;
  veu::v1::Site national = MakeSite("riyadh", "SA");
  national.set_veu_type(veu::v1::VEU_TYPE_NATIONAL);
  auto r = Distribution(Pack(), national, ctx, 100);
  EXPECT_EQ(r.status(), veu::v1::CHECK_NOT_EVALUATED);
  EXPECT_THAT(r.detail(), HasSubstr("not applicable"));
  r = Distribution(Pack(), MakeSite("berlin", "DE"), ctx, 1);  // type not recorded
  EXPECT_EQ(r.status(), veu::v1::CHECK_NOT_EVALUATED);
  EXPECT_THAT(r.detail(), HasSubstr("no VEU type recorded"));
}

TEST(ComputeDistribution, HeadquartersDecideTheUsRuleAndMustBeTier1) {
  OrganisationContext ctx;
  auto r = Distribution(Pack(), UveuSite("berlin", "DE", ""), ctx, 1);
  EXPECT_EQ(r.status(), veu::v1::CHECK_NOT_EVALUATED);
  EXPECT_THAT(r.detail(), HasSubstr("headquarters not recorded"));
  r = Distribution(Pack(), UveuSite("berlin", "DE", "CN"), ctx, 1);
  EXPECT_EQ(r.status(), veu::v1::CHECK_FAIL);
  EXPECT_THAT(r.detail(), HasSubstr("headquartered in a Tier 1 country; CN is not"));
}

// --- National VEU installed-base cap (issue 16, part 6) ---

veu::v1::Site NveuSite(const std::string& country) {
  veu::v1::Site s = MakeSite("nveu-" + country, country);
  s.set_veu_type(veu::v1::VEU_TYPE_NATIONAL);
  return s;
}

veu::v1::CheckResult InstalledBase(const veu::v1::PolicyPack& pack, const veu::v1::Site& site,
                                   const OrganisationContext& ctx, uint64_t h100s, absl::Time at) {
  veu::v1::InventorySummary inv;
  inv.set_reported(true);
  inv.set_count(1);
  inv.set_tpp(h100s * 15831);
  inv.add_identities("serial:1");
  OrganisationControlsOutcome out =
      EvaluateOrganisationControls(pack, site, "agent-n", inv, &ctx, at);
  return Result(out, "VEU-NVEU.installed-base");
}

const absl::Time k2028 = absl::FromCivil(absl::CivilDay(2028, 1, 1), absl::UTCTimeZone());
const absl::Time k2026 = absl::FromCivil(absl::CivilDay(2026, 6, 1), absl::UTCTimeZone());

TEST(InstalledBaseCap, WithinTheEnd2027CeilingPassesOnceItApplies) {
  OrganisationContext ctx;
  ctx.organisation_sites = {{"SA", 100000ull * 15831}, {"DE", 500000ull * 15831}};
  const auto r = InstalledBase(Pack(), NveuSite("SA"), ctx, 1000, k2028);
  EXPECT_EQ(r.status(), veu::v1::CHECK_PASS) << r.detail();
  EXPECT_THAT(r.detail(), HasSubstr("101000.0 H100-equivalents"));  // DE does not count
  EXPECT_THAT(r.detail(), HasSubstr("in force since 2027-12-31"));
}

TEST(InstalledBaseCap, AboveTheCeilingFailsEvenBeforeItApplies) {
  OrganisationContext ctx;
  ctx.organisation_sites = {{"SA", 320000ull * 15831}};
  for (absl::Time at : {k2026, k2028}) {
    const auto r = InstalledBase(Pack(), NveuSite("SA"), ctx, 1, at);
    EXPECT_EQ(r.status(), veu::v1::CHECK_FAIL) << r.detail();
    EXPECT_EQ(r.reason(), veu::v1::INSTALLED_BASE_CAP_EXCEEDED);
  }
}

TEST(InstalledBaseCap, BeforeTheFirstStatedCapThePhaseIsUnknown) {
  OrganisationContext ctx;
  const auto r = InstalledBase(Pack(), NveuSite("SA"), ctx, 10, k2026);
  EXPECT_EQ(r.status(), veu::v1::CHECK_NOT_EVALUATED) << r.detail();
  EXPECT_THAT(r.detail(), HasSubstr("no cap before 2027-12-31"));
}

TEST(InstalledBaseCap, NeedsEveryInventoryAndANationalVeu) {
  OrganisationContext ctx;
  ctx.sites_without_inventory = 1;
  EXPECT_EQ(InstalledBase(Pack(), NveuSite("SA"), ctx, 10, k2028).status(),
            veu::v1::CHECK_NOT_EVALUATED);
  OrganisationContext full;
  auto r = InstalledBase(Pack(), UveuSite("riyadh", "SA"), full, 10, k2028);
  EXPECT_EQ(r.status(), veu::v1::CHECK_NOT_EVALUATED);
  EXPECT_THAT(r.detail(), HasSubstr("not applicable"));
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
