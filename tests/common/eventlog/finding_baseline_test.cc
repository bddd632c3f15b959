// Findings with a baseline: reference values learned from a known-good log record that log's
// structural findings, so the same node passes and a node whose findings differ fails, named.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "common/eventlog/binding.h"
#include "common/eventlog/event_types.h"
#include "common/eventlog/findings.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/reference_values.h"
#include "tests/common/eventlog/fixtures.h"
#include "tests/common/eventlog/real_shaped_logs.h"
#include "tests/support/status_matchers.h"

namespace veu::eventlog {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using ::veu::testing::StatusIs;

UnverifiedEventLog Parse(const std::string& bytes) {
  auto log = ParseEventLog(bytes);
  EXPECT_TRUE(log.ok()) << log.status();
  return *std::move(log);
}

// A log as its own TPM quoted it (replay bound to itself).
VerifiedEventLog Bound(const std::string& bytes) {
  const UnverifiedEventLog log = Parse(bytes);
  BindingOutcome bound = BindToQuote(log, Replay(log));
  EXPECT_TRUE(bound.verified.has_value()) << bound.check.detail();
  return *std::move(bound.verified);
}

std::string OptionRomNode(const std::string& rom = "option ROM image") {
  return testing::WithOptionRomsAndOddCrtmVersion(
      testing::FixtureLog("go-tpm-tools__rhel8-uefi.bin"), rom);
}

std::vector<veu::v1::CheckResult> Appraise(const VerifiedEventLog& log,
                                           const veu::v1::ReferenceValues& refs) {
  auto checks = AppraiseAgainstReferenceValues(log, refs);
  EXPECT_TRUE(checks.ok()) << checks.status();
  return checks.ok() ? *checks : std::vector<veu::v1::CheckResult>{};
}

// Copies, so callers may pass a temporary.
std::vector<veu::v1::CheckResult> Failing(const std::vector<veu::v1::CheckResult>& checks) {
  std::vector<veu::v1::CheckResult> out;
  for (const auto& c : checks) {
    if (c.status() != veu::v1::CHECK_PASS) out.push_back(c);
  }
  return out;
}

TEST(FindingBaseline, TheRealShapedLogHasTheFindingsRealFirmwareProduces) {
  std::vector<veu::v1::ReasonCode> reasons;
  for (const auto& f : FindStructuralProblems(Parse(OptionRomNode()))) reasons.push_back(f.reason());
  EXPECT_THAT(reasons, UnorderedElementsAre(veu::v1::EVENTLOG_DIGEST_DATA_MISMATCH,
                                            veu::v1::EVENTLOG_EVENT_AFTER_SEPARATOR,
                                            veu::v1::EVENTLOG_EVENT_AFTER_SEPARATOR));
}

TEST(FindingBaseline, LearnedFromANodeWithOptionRomsThatNodePassesEveryCheck) {
  const VerifiedEventLog log = Bound(OptionRomNode());
  const veu::v1::ReferenceValues refs = LearnReferenceValues(log, "gpu-node");
  ASSERT_EQ(refs.expected_findings_size(), 3);
  EXPECT_EQ(refs.expected_findings(0).hash_alg(), crypto::kAlgSha256);
  const auto checks = Appraise(log, refs);
  for (const auto& c : Failing(checks)) ADD_FAILURE() << c.check() << ": " << c.detail();
  int structure = 0;
  for (const auto& c : checks) structure += c.check() == "eventlog.structure";
  EXPECT_EQ(structure, 3) << "every finding is still reported, as expected";
}

TEST(FindingBaseline, ANodeWhoseOptionRomChangedFailsNamingTheUnexpectedFinding) {
  const veu::v1::ReferenceValues refs = LearnReferenceValues(Bound(OptionRomNode()), "gpu-node");
  // Same class, another option ROM: its TPM quoted its own PCRs, so the replay binds.
  const auto checks = Appraise(Bound(OptionRomNode("another ROM")), refs);
  std::vector<std::string> failing;
  for (const auto& c : Failing(checks)) {
    failing.push_back(c.check());
    if (c.check() == "eventlog.structure") {
      EXPECT_EQ(c.reason(), veu::v1::EVENTLOG_EVENT_AFTER_SEPARATOR);
      EXPECT_THAT(c.detail(), HasSubstr("PCR 2"));
      EXPECT_THAT(c.detail(), HasSubstr("not among the 3 findings the reference values expect"));
    }
  }
  // Both drivers' findings, and PCR 2's learned value (in each bank).
  EXPECT_EQ(std::count(failing.begin(), failing.end(), "eventlog.structure"), 2);
  EXPECT_THAT(failing, ::testing::Contains("refvalue.pcr"));
}

TEST(FindingBaseline, AnAllowedKindPassesOnlyThatKindInThoseRegisters) {
  const VerifiedEventLog log = Bound(OptionRomNode());
  veu::v1::ReferenceValues refs;
  veu::v1::FindingKind* kind = refs.add_allowed_finding_kinds();
  kind->set_reason(veu::v1::EVENTLOG_EVENT_AFTER_SEPARATOR);
  kind->add_pcrs(2);
  std::vector<veu::v1::ReasonCode> failing;
  for (const auto& c : Failing(Appraise(log, refs))) failing.push_back(c.reason());
  EXPECT_THAT(failing, UnorderedElementsAre(veu::v1::EVENTLOG_DIGEST_DATA_MISMATCH));
  kind->set_pcrs(0, 3);
  failing.clear();
  for (const auto& c : Failing(Appraise(log, refs))) failing.push_back(c.reason());
  EXPECT_EQ(failing.size(), 3u);
}

TEST(FindingBaseline, LoadingASetWithTheWithdrawnAllowFindingsSaysWhatToUseInstead) {
  EXPECT_THAT(ParseReferenceValues("name: \"x\" allow_findings: true"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expected_findings")));
  EXPECT_THAT(ParseReferenceValues("{\"name\": \"x\", \"allow_findings\": true}"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("allowed_finding_kinds")));
  EXPECT_THAT(ParseReferenceValues("allowed_finding_kinds { pcrs: 2 }"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no reason")));
  auto ok = ParseReferenceValues(
      "allowed_finding_kinds { reason: EVENTLOG_EVENT_AFTER_SEPARATOR pcrs: 2 }");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->allowed_finding_kinds_size(), 1);
}

TEST(FindingBaseline, LearnedFindingsSurviveTheJsonRoundTrip) {
  const veu::v1::ReferenceValues refs = LearnReferenceValues(Bound(OptionRomNode()), "gpu-node");
  auto parsed = ParseReferenceValues(ReferenceValuesToJson(refs));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->expected_findings_size(), 3);
  EXPECT_EQ(parsed->expected_findings(1).digest(), refs.expected_findings(1).digest());
}

TEST(FindingBaseline, AnHcrtmNodeWithOptionRomsPassesItsOwnSetAndFailsOnceAnEventChanges) {
  const std::string node = testing::WithHcrtm(OptionRomNode(), "crtm");
  const veu::v1::ReferenceValues refs = LearnReferenceValues(Bound(node), "hcrtm-node");
  for (const auto& c : Failing(Appraise(Bound(node), refs))) {
    ADD_FAILURE() << c.check() << ": " << c.detail();
  }
  // Its H-CRTM measured something else: PCR 0 differs from the learned value.
  std::vector<std::string> failing;
  for (const auto& c : Failing(Appraise(Bound(testing::WithHcrtm(OptionRomNode(), "crtm!")), refs))) {
    failing.push_back(c.check() + " " + c.detail());
  }
  ASSERT_FALSE(failing.empty());
  EXPECT_THAT(failing, ::testing::Contains(HasSubstr("PCR 0")));
}

}  // namespace
}  // namespace veu::eventlog
