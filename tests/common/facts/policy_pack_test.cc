// The shipped policy pack and the loader's refusals.
#include "common/facts/policy_pack.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "common/facts/catalogue.h"
#include "common/facts/control_params.h"
#include "common/facts/distribution.h"
#include "tests/support/status_matchers.h"

namespace veu::facts {
namespace {

using ::testing::AllOf;
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
    // Every control names the text it rests on: a Supplement No. 10 paragraph, or (the NVEU
    // caps) the section of the rule itself.
    EXPECT_THAT(c.clause(), ::testing::AnyOf(HasSubstr("Supplement No. 10 to Part 748"),
                                             HasSubstr("15 CFR 748.15")))
        << c.id();
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
                                 controls { id: "C-1" title: "t" check: NEEDS_EVIDENCE
                                            text_source: PRIMARY text_citation: "x" })",
                              "p.textproto"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("control C-1 needs")));
}

TEST(PolicyPackTest, RejectsDuplicateControlIds) {
  EXPECT_THAT(ParsePolicyPack(R"(id: "x" version: "1"
                         controls { id: "C-1" title: "t" clause: "c" check: NEEDS_EVIDENCE
                                    text_source: PRIMARY text_citation: "x" }
                         controls { id: "C-1" title: "u" clause: "c" check: NEEDS_EVIDENCE
                                    text_source: PRIMARY text_citation: "x" })",
                              "p.textproto"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("defined twice")));
}

std::string ShippedText() {
  std::ifstream in(kShippedPack);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// The shipped pack with `insert` placed after the first line containing `after`.
std::string ShippedWith(const std::string& after, const std::string& insert) {
  std::string text = ShippedText();
  const size_t at = text.find(after);
  EXPECT_NE(at, std::string::npos) << after;
  const size_t eol = text.find('\n', at);
  text.insert(eol + 1, insert);
  return text;
}

std::string ShippedReplacing(const std::string& from, const std::string& to) {
  std::string text = ShippedText();
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  return text;
}

int LineOf(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

// --- Every declared parameter is read (issue 16) ---

TEST(ControlParameters, EveryParameterOfTheShippedPackIsReadByItsControlsCode) {
  auto pack = LoadPolicyPackFile(kShippedPack);
  ASSERT_OK(pack.status());
  for (const v1::Control& c : pack->controls()) {
    EXPECT_OK(CheckControlParameters(c)) << c.id();
  }
}

TEST(ControlParameters, AParameterNoCodeReadsRefusesThePackNamingControlKeyAndLine) {
  // The parameter issue 16 found: declared for VEU-06, read by nothing.
  const std::string text = ShippedWith("key: \"us_hq_min_us_share\"",
                                       "  parameters { key: \"us_headquartered\" value: \"true\" }\n");
  const int line = LineOf(text, "key: \"us_headquartered\"");
  EXPECT_THAT(ParsePolicyPack(text, "veu-2025.textproto"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("veu-2025.textproto: line " + std::to_string(line)),
                             HasSubstr("control VEU-06.distribution declares parameter "
                                       "`us_headquartered`, which no code"))));
}

TEST(ControlParameters, AValueOutsideTheChecksVocabularyRefusesThePack) {
  const std::string text = ShippedReplacing(
      "key: \"gpu_confidential_computing\" value: \"preferred\"",
      "key: \"gpu_confidential_computing\" value: \"sometimes\"");
  EXPECT_THAT(ParsePolicyPack(text, "p"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("VEU-15.weight-protection"),
                             HasSubstr("`gpu_confidential_computing` is \"sometimes\""),
                             HasSubstr("required | preferred | not-required"))));
}

TEST(ControlParameters, AMissingRequiredShareRefusesThePack) {
  const std::string text =
      ShippedReplacing("  parameters { key: \"min_tier1_share\" value: \"0.75\" }\n", "");
  EXPECT_THAT(ParsePolicyPack(text, "p"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("control VEU-06.distribution: parameter `min_tier1_share` is "
                                 "required")));
}

TEST(ControlParameters, ControlSharesThatDisagreeWithCapsRefuseThePack) {
  const std::string text =
      ShippedReplacing("key: \"min_tier1_share\" value: \"0.75\"", "key: \"min_tier1_share\" value: \"0.7\"");
  EXPECT_THAT(ParsePolicyPack(text, "p"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("one rule needs one figure")));
}

TEST(ControlParameters, ReaderRecordsWhatWasRead) {
  v1::Control c;
  c.set_id("C");
  (*c.mutable_parameters())["a"] = "1";
  (*c.mutable_parameters())["b"] = "2";
  ParamReader r(c);
  EXPECT_EQ(r.String("a", ""), "1");
  EXPECT_EQ(r.String("z", "fallback"), "fallback");
  EXPECT_THAT(r.Unread(), ::testing::ElementsAre("b"));
  EXPECT_OK(r.error());
}

TEST(ControlParameters, MeasuredBootReadsItsPcrListAndBank) {
  v1::Control c;
  c.set_id("MB");
  c.set_check(v1::MEASURED_BOOT);
  (*c.mutable_parameters())["pcrs"] = "0-2,7";
  ParamReader r(c);
  EXPECT_THAT(ReadMeasuredBootParams(r).pcrs, ::testing::ElementsAre(0u, 1u, 2u, 7u));
  (*c.mutable_parameters())["bank"] = "sha1";
  EXPECT_THAT(CheckControlParameters(c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("`bank` is \"sha1\"")));
  (*c.mutable_parameters())["bank"] = "sha256";
  (*c.mutable_parameters())["pcrs"] = "0-99";
  EXPECT_THAT(CheckControlParameters(c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("`pcrs`")));
}

// --- Country tiers (issue 16) ---

TEST(CountryTiers, Tier1CitesSupplementNo5ParagraphAAndTier3SaysItIsASelection) {
  auto pack = LoadPolicyPackFile(kShippedPack);
  ASSERT_OK(pack.status());
  EXPECT_THAT(pack->tiers().tier1_source(), HasSubstr("Supplement No. 5 to Part 740, paragraph (a)"));
  EXPECT_THAT(pack->tiers().tier3_source(), HasSubstr("Country Group D:5"));
  EXPECT_THAT(pack->tiers().tier3_source(), HasSubstr("Macau"));
  EXPECT_THAT(pack->tiers().tier3_source(), HasSubstr("INCOMPLETE"));
  EXPECT_FALSE(pack->tiers().complete());
  EXPECT_EQ(TierOf("MO", pack->tiers()), v1::TIER_3);
  EXPECT_EQ(TierOf("DE", pack->tiers()), v1::TIER_1);
}

TEST(CountryTiers, AnUnlistedCountryHasNoTierWhileTheListsAreASelectionNeverTier2) {
  auto pack = LoadPolicyPackFile(kShippedPack);
  ASSERT_OK(pack.status());
  EXPECT_EQ(TierOf("ZZ", pack->tiers()), v1::COUNTRY_TIER_UNSPECIFIED);
  v1::CountryTiers complete = pack->tiers();
  complete.set_complete(true);
  complete.set_default_tier(v1::TIER_2);
  EXPECT_EQ(TierOf("ZZ", complete), v1::TIER_2);
}

TEST(CountryTiers, ADefaultTierWithoutCompleteListsRefusesThePack) {
  const std::string text = ShippedReplacing("  complete: false\n", "  default_tier: TIER_2\n");
  EXPECT_THAT(ParsePolicyPack(text, "p"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("default_tier TIER_2 but are not `complete: true`")));
  EXPECT_THAT(ParsePolicyPack(ShippedReplacing("  complete: false\n", "  complete: true\n"), "p"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no default_tier")));
}

TEST(CountryTiers, AnInvalidCountryCodeRefusesThePack) {
  const std::string text = ShippedReplacing("iso_code: \"MO\"", "iso_code: \"mo\"");
  EXPECT_THAT(ParsePolicyPack(text, "p"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ISO 3166-1 alpha-2")));
}

TEST(CountryTiers, ATierListWithoutItsSourceRefusesThePack) {
  auto pack = LoadPolicyPackFile(kShippedPack);
  ASSERT_OK(pack.status());
  v1::PolicyPack p = *pack;
  p.mutable_tiers()->clear_tier3_source();
  EXPECT_THAT(ValidatePolicyPack(p),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tier3_source")));
}

// --- Catalogue (issue 16) ---

TEST(PackCatalogue, APackWithoutThresholdsIsRefused) {
  const std::string text = ShippedReplacing(
      "thresholds { tpp_min: 4800 tpp_dense_min: 1600 density_min: 5.92 h100_equivalent_tpp: 15831 }",
      "");
  EXPECT_THAT(ParsePolicyPack(text, "p"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("none is built in")));
}

TEST(PackCatalogue, ARowWhoseInputsDoNotGiveItsTppIsRefusedWithItsLine) {
  const std::string text = ShippedReplacing("tpp: 36000", "tpp: 36001");
  const int line = LineOf(text, "model: \"B200\"") - 1;  // the `models {` line
  EXPECT_THAT(ParsePolicyPack(text, "p"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("line " + std::to_string(line)),
                             HasSubstr("declares tpp 36001 but its peaks give 36000"))));
}

TEST(PackCatalogue, RowsStateThePublishedInputsGb300FromFp4AndB200FromTheSparseFigureHalved) {
  auto pack = LoadPolicyPackFile(kShippedPack);
  ASSERT_OK(pack.status());
  for (const auto& m : pack->catalogue().models()) {
    if (m.model() == "GB300 (per GPU)") {
      ASSERT_EQ(m.peaks_size(), 1);
      EXPECT_EQ(m.peaks(0).precision(), "FP4");
      EXPECT_EQ(m.peaks(0).bit_length(), 4u);
      EXPECT_THAT(m.peaks(0).published(), HasSubstr("derived"));
      EXPECT_TRUE(m.unconfirmed());
    }
    if (m.model() == "B200") {
      EXPECT_THAT(m.source(), HasSubstr("sparse"));
      EXPECT_THAT(m.peaks(0).published(), HasSubstr("with sparsity"));
    }
    EXPECT_EQ(m.memory_bandwidth_gbps(), 0) << m.model() << ": no published figure in regulation.md";
  }
}

TEST(ShippedPolicyPackTest, WeightProtectionIsItsOwnCheckNotTheLuksCheckAgain) {
  auto pack = LoadPolicyPackFile(kShippedPack);
  ASSERT_OK(pack.status());
  for (const v1::Control& c : pack->controls()) {
    if (c.id() == "VEU-15.weight-protection") {
      EXPECT_EQ(c.check(), v1::WEIGHT_PROTECTION);
    }
    if (c.id() == "VEU-08.weight-storage") {
      EXPECT_EQ(c.check(), v1::STORAGE_ENCRYPTION);
    }
  }
}

// --- The rule's status and each control's text source (issue 16) ---

TEST(RegulationBlock, TheShippedPackStatesTheRuleItsStatusAndItsSources) {
  auto pack = LoadPolicyPackFile(kShippedPack);
  ASSERT_OK(pack.status());
  const v1::Regulation& rule = pack->rule();
  EXPECT_THAT(rule.citation(), HasSubstr("90 FR 4544"));
  EXPECT_EQ(rule.status(), "rescinded 2025-05, replacement pending");
  EXPECT_THAT(rule.status_source(), HasSubstr("regulation.md"));
  bool primary = false, secondary = false;
  for (const auto& s : rule.sources()) {
    primary |= s.kind() == v1::PRIMARY;
    secondary |= s.kind() == v1::SECONDARY;
  }
  EXPECT_TRUE(primary && secondary);
  // Only paras. 1 and 2 were read in the primary text; para. 14 rests on an unconfirmed reading.
  std::set<std::string> primary_paragraphs;
  for (const auto& p : rule.paragraphs()) {
    if (p.text_source() == v1::PRIMARY) primary_paragraphs.insert(p.paragraph());
    if (p.paragraph() == "Supplement No. 10 to Part 748, para. 14") {
      EXPECT_EQ(p.text_source(), v1::SECONDARY);
      EXPECT_TRUE(p.unconfirmed());
    }
  }
  EXPECT_EQ(primary_paragraphs, (std::set<std::string>{"Supplement No. 10 to Part 748, para. 1",
                                                       "Supplement No. 10 to Part 748, para. 2"}));
}

TEST(RegulationBlock, HostChecksAreMarkedAsSecondaryProxiesNotAsTheRulesWords) {
  auto pack = LoadPolicyPackFile(kShippedPack);
  ASSERT_OK(pack.status());
  int host_checks = 0;
  for (const v1::Control& c : pack->controls()) {
    EXPECT_NE(c.text_source(), v1::TEXT_SOURCE_UNSPECIFIED) << c.id();
    EXPECT_FALSE(c.text_citation().empty()) << c.id();
    if (c.id().rfind("VEU-14.", 0) == 0 && c.check() != v1::NEEDS_EVIDENCE) {
      ++host_checks;
      EXPECT_EQ(c.text_source(), v1::SECONDARY) << c.id();
      EXPECT_TRUE(c.proxy()) << c.id();
      EXPECT_THAT(c.clause(), HasSubstr("a proxy, not the rule's words")) << c.id();
      EXPECT_THAT(c.text_citation(), HasSubstr("names no such setting")) << c.id();
    }
    if (c.id() == "VEU-01.security-plan" || c.id() == "VEU-02.military-ties") {
      EXPECT_EQ(c.text_source(), v1::PRIMARY) << c.id();
    }
  }
  EXPECT_EQ(host_checks, 8);
}

TEST(RegulationBlock, APackWithoutTheRuleBlockIsRefused) {
  std::string text = ShippedText();
  const size_t from = text.find("\nrule {\n");
  ASSERT_NE(from, std::string::npos);
  const size_t to = text.find("\n}\n", from + 1);
  text.erase(from + 1, to + 3 - (from + 1));
  EXPECT_THAT(ParsePolicyPack(text, "p"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs a `rule` block with citation, status and status_source")));
  auto pack = LoadPolicyPackFile(kShippedPack);
  ASSERT_OK(pack.status());
  v1::PolicyPack p = *pack;
  p.mutable_rule()->clear_status();
  EXPECT_THAT(ValidatePolicyPack(p), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("`rule` block")));
  p = *pack;
  p.mutable_rule()->mutable_paragraphs(0)->clear_text_source();
  EXPECT_THAT(ValidatePolicyPack(p),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs a name and a text_source")));
}

TEST(RegulationBlock, AControlWithoutTextSourceIsRefusedWithItsLine) {
  const std::string from = "  text_source: PRIMARY\n";
  std::string text = ShippedText();
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.erase(at, from.size());
  // The first PRIMARY control is VEU-01; its `controls {` line is the one before its id.
  const int line = LineOf(text, "id: \"VEU-01.security-plan\"") - 1;
  EXPECT_THAT(ParsePolicyPack(text, "veu-2025.textproto"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("veu-2025.textproto: line " + std::to_string(line)),
                             HasSubstr("control VEU-01.security-plan needs text_source"))));
}

TEST(RegulationBlock, TheStatementResultsCarryNamesThePackTheRuleAndEachControlsBasis) {
  auto pack = LoadPolicyPackFile(kShippedPack);
  ASSERT_OK(pack.status());
  const v1::RegulationStatement s = RegulationStatementOf(*pack);
  EXPECT_EQ(s.policy_pack(), pack->id() + "@" + pack->version());
  EXPECT_EQ(s.regulation().status(), "rescinded 2025-05, replacement pending");
  ASSERT_EQ(s.controls_size(), pack->controls_size());
  for (int i = 0; i < s.controls_size(); ++i) {
    EXPECT_EQ(s.controls(i).control(), pack->controls(i).id());
    EXPECT_EQ(s.controls(i).text_source(), pack->controls(i).text_source());
    EXPECT_EQ(s.controls(i).proxy(), pack->controls(i).proxy());
  }
}

TEST(PolicyPackTest, MissingFileIsNotFound) {
  EXPECT_THAT(LoadPolicyPackFile("/nonexistent/pack.textproto"),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace veu::facts
