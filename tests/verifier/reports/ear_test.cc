#include "verifier/reports/ear.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"

namespace veu::verifier {
namespace {

veu::v1::CheckResult Check(const std::string& id, veu::v1::CheckStatus status,
                           veu::v1::ReasonCode reason = veu::v1::REASON_UNSPECIFIED) {
  veu::v1::CheckResult c;
  c.set_check(id);
  c.set_status(status);
  c.set_reason(reason);
  return c;
}

veu::v1::SiteStatus SiteWithOneNode(std::vector<veu::v1::CheckResult> checks,
                                    veu::v1::Verdict verdict) {
  veu::v1::SiteStatus status;
  status.mutable_site()->set_name("fra1");
  status.mutable_site()->set_country("DE");
  auto* node = status.add_agents();
  node->mutable_agent()->set_agent_id("agent-1");
  node->mutable_latest()->set_verdict(verdict);
  node->mutable_latest()->set_policy_version("spine-1+veu-2025@1");
  for (auto& c : checks) *node->mutable_latest()->add_checks() = c;
  return status;
}

const google::protobuf::Struct& Submod(const google::protobuf::Struct& ear) {
  return ear.fields().at("submods").struct_value().fields().at("agent-1").struct_value();
}

double Vector(const google::protobuf::Struct& submod, const std::string& claim) {
  const auto& v = submod.fields().at("ear_trustworthiness_vector").struct_value().fields();
  auto it = v.find(claim);
  return it == v.end() ? -1 : it->second.number_value();
}

TEST(EarTest, WithTheRegulationStatementTheEarCarriesTheRulesStatusSourcesAndEachControlsBasis) {
  veu::v1::RegulationStatement s;
  s.set_policy_pack("veu-2025@1");
  s.mutable_regulation()->set_citation("90 FR 4544");
  s.mutable_regulation()->set_status("rescinded 2025-05, replacement pending");
  s.mutable_regulation()->set_status_source("design/regulation.md");
  auto* src = s.mutable_regulation()->add_sources();
  src->set_citation("law firms, analysts, press");
  src->set_kind(veu::v1::SECONDARY);
  auto* para = s.mutable_regulation()->add_paragraphs();
  para->set_paragraph("Supplement No. 10 to Part 748, para. 1");
  para->set_text_source(veu::v1::PRIMARY);
  auto* basis = s.add_controls();
  basis->set_control("VEU-14.remote-access");
  basis->set_text_source(veu::v1::SECONDARY);
  basis->set_proxy(true);
  auto ear = SiteStatusToEar(
      SiteWithOneNode({Check("VEU-14.remote-access", veu::v1::CHECK_PASS),
                       Check("signature.valid", veu::v1::CHECK_PASS)},
                      veu::v1::VERDICT_ACCEPT),
      absl::FromUnixSeconds(1800000000), "test", &s);
  const auto& claim = ear.fields().at("veu_regulation").struct_value().fields();
  EXPECT_EQ(claim.at("status").string_value(), "rescinded 2025-05, replacement pending");
  EXPECT_EQ(claim.at("rule").string_value(), "90 FR 4544");
  EXPECT_EQ(claim.at("status_source").string_value(), "design/regulation.md");
  EXPECT_EQ(claim.at("sources").list_value().values(0).struct_value().fields().at("kind").string_value(),
            "SECONDARY");
  EXPECT_EQ(claim.at("paragraphs").list_value().values(0).struct_value().fields().at("text_source")
                .string_value(),
            "PRIMARY");
  const auto& controls = Submod(ear).fields().at("ear_verifier_claims").struct_value().fields()
                             .at("controls").list_value();
  const auto& ssh = controls.values(0).struct_value().fields();
  EXPECT_EQ(ssh.at("text_source").string_value(), "SECONDARY");
  EXPECT_TRUE(ssh.at("proxy").bool_value());
  // A check that no control of the pack is (the quote's own) names no text source.
  EXPECT_EQ(controls.values(1).struct_value().fields().count("text_source"), 0u);
  // Without the statement there is no claim to misread as the rule being in force.
  auto plain = SiteStatusToEar(SiteWithOneNode({}, veu::v1::VERDICT_ACCEPT), absl::Now(), "test");
  EXPECT_EQ(plain.fields().count("veu_regulation"), 0u);
}

TEST(EarTest, AcceptedNodeIsAffirmingWithAffirmingIdentityAndExecutables) {
  auto ear = SiteStatusToEar(
      SiteWithOneNode({Check("signature.valid", veu::v1::CHECK_PASS),
                       Check("eventlog.replay", veu::v1::CHECK_PASS),
                       Check("VEU-14.remote-access", veu::v1::CHECK_PASS)},
                      veu::v1::VERDICT_ACCEPT),
      absl::FromUnixSeconds(1800000000), "test");
  EXPECT_EQ(ear.fields().at("eat_profile").string_value(), kEarProfile);
  EXPECT_EQ(ear.fields().at("iat").number_value(), 1800000000);
  const auto& submod = Submod(ear);
  EXPECT_EQ(submod.fields().at("ear_status").string_value(), "affirming");
  EXPECT_EQ(Vector(submod, "instance-identity"), 2);
  EXPECT_EQ(Vector(submod, "executables"), 2);
  EXPECT_EQ(Vector(submod, "configuration"), 2);
  EXPECT_EQ(Vector(submod, "storage-opaque"), -1);  // no claim made
  EXPECT_EQ(submod.fields().at("ear_appraisal_policy_ids").list_value().values(0).string_value(),
            "spine-1+veu-2025@1");
}

TEST(EarTest, ForgedQuoteIsContraindicatedWithCryptographicFailure) {
  auto ear = SiteStatusToEar(
      SiteWithOneNode({Check("signature.valid", veu::v1::CHECK_FAIL,
                             veu::v1::QUOTE_SIGNATURE_INVALID)},
                      veu::v1::VERDICT_REJECT),
      absl::Now(), "test");
  const auto& submod = Submod(ear);
  EXPECT_EQ(submod.fields().at("ear_status").string_value(), "contraindicated");
  EXPECT_EQ(Vector(submod, "instance-identity"), 99);
  EXPECT_EQ(Vector(submod, "hardware"), 99);
}

TEST(EarTest, NeedsEvidenceIsAWarningNeverAffirming) {
  auto ear = SiteStatusToEar(
      SiteWithOneNode({Check("VEU-14.firewall", veu::v1::CHECK_NEEDS_EVIDENCE,
                             veu::v1::CONTROL_NEEDS_EVIDENCE)},
                      veu::v1::VERDICT_WARN),
      absl::Now(), "test");
  const auto& submod = Submod(ear);
  EXPECT_EQ(submod.fields().at("ear_status").string_value(), "warning");
  EXPECT_EQ(Vector(submod, "configuration"), 32);
  const auto& controls =
      submod.fields().at("ear_verifier_claims").struct_value().fields().at("controls").list_value();
  EXPECT_EQ(controls.values(0).struct_value().fields().at("reason").string_value(),
            "CONTROL_NEEDS_EVIDENCE");
}

TEST(EarTest, StaleNodeIsAWarning) {
  auto status = SiteWithOneNode({Check("signature.valid", veu::v1::CHECK_PASS)},
                                veu::v1::VERDICT_ACCEPT);
  status.mutable_agents(0)->set_stale(true);
  auto ear = SiteStatusToEar(status, absl::Now(), "test");
  EXPECT_EQ(Submod(ear).fields().at("ear_status").string_value(), "warning");
}

}  // namespace
}  // namespace veu::verifier
