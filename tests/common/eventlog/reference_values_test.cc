// Reference values: learn from a known-good log, appraise with per-check reason codes.
#include "common/eventlog/reference_values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/eventlog/binding.h"
#include "common/eventlog/parser.h"
#include "tests/common/eventlog/fixtures.h"
#include "tests/support/status_matchers.h"

namespace veu::eventlog {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::veu::testing::StatusIs;

VerifiedEventLog Trusted(const std::string& fixture) {
  auto log = ParseEventLog(testing::FixtureLog(fixture));
  EXPECT_TRUE(log.ok()) << log.status();
  return TrustForOfflineReview(*log);
}

std::vector<veu::v1::CheckResult> Appraise(const VerifiedEventLog& log,
                                           const veu::v1::ReferenceValues& refs) {
  auto checks = AppraiseAgainstReferenceValues(log, refs);
  EXPECT_TRUE(checks.ok()) << checks.status();
  return checks.ok() ? *checks : std::vector<veu::v1::CheckResult>{};
}

const veu::v1::CheckResult* Find(const std::vector<veu::v1::CheckResult>& checks,
                                 const std::string& id) {
  for (const auto& c : checks) {
    if (c.check() == id) return &c;
  }
  return nullptr;
}

TEST(ReferenceValues, LearnedFromALogTheSameLogPassesEveryCheck) {
  const VerifiedEventLog log = Trusted("go-tpm-tools__rhel8-uefi.bin");
  const veu::v1::ReferenceValues refs = LearnReferenceValues(log, "gce-rhel8");
  EXPECT_EQ(refs.name(), "gce-rhel8");
  EXPECT_TRUE(refs.secure_boot_required());
  EXPECT_FALSE(refs.required_dbx_sha256().empty());
  EXPECT_FALSE(refs.kernel_cmdline_patterns().empty());
  const auto checks = Appraise(log, refs);
  ASSERT_GT(checks.size(), 20u);
  for (const auto& c : checks)
    EXPECT_EQ(c.status(), veu::v1::CHECK_PASS) << c.check() << ": " << c.detail();
}

TEST(ReferenceValues, AnotherPlatformFailsWithSpecificReasons) {
  const veu::v1::ReferenceValues refs =
      LearnReferenceValues(Trusted("go-tpm-tools__rhel8-uefi.bin"), "gce-rhel8");
  const auto checks = Appraise(Trusted("go-tpm-tools__cos-85-amd-sev.bin"), refs);
  std::vector<veu::v1::ReasonCode> reasons;
  for (const auto& c : checks) {
    if (c.status() == veu::v1::CHECK_FAIL) reasons.push_back(c.reason());
  }
  EXPECT_THAT(reasons, Contains(veu::v1::REFERENCE_VALUE_MISMATCH));
  EXPECT_THAT(reasons, Contains(veu::v1::DBX_ENTRY_MISSING));
  EXPECT_THAT(reasons, Contains(veu::v1::KERNEL_CMDLINE_REFUSED));
  ASSERT_NE(Find(checks, "secureboot.enabled"), nullptr);
  EXPECT_EQ(Find(checks, "secureboot.enabled")->status(), veu::v1::CHECK_PASS);
}

TEST(ReferenceValues, SecureBootRequiredFailsWhereItIsOff) {
  veu::v1::ReferenceValues refs;
  refs.set_secure_boot_required(true);
  const auto checks =
      Appraise(Trusted("go-attestation__ubuntu_2104_shielded_vm_no_secure_boot_eventlog"), refs);
  const auto* c = Find(checks, "secureboot.enabled");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status(), veu::v1::CHECK_FAIL);
  EXPECT_EQ(c->reason(), veu::v1::SECURE_BOOT_DISABLED);
}

TEST(ReferenceValues, ChecksWithoutEvidenceAreNotEvaluatedNeverPass) {
  auto log = ParseEventLog(testing::FixtureLog("go-tpm-tools__rhel8-uefi.bin"));
  ASSERT_OK(log);
  PcrValues quoted;
  quoted[crypto::kAlgSha256][0] = Replay(*log).at(crypto::kAlgSha256).at(0);
  BindingOutcome outcome = BindToQuote(*log, quoted);  // only PCR 0 is bound
  ASSERT_TRUE(outcome.verified.has_value());
  veu::v1::ReferenceValues refs =
      LearnReferenceValues(Trusted("go-tpm-tools__rhel8-uefi.bin"), "x");
  for (const auto& c : Appraise(*outcome.verified, refs)) {
    if (c.check() == "secureboot.enabled" || c.check() == "secureboot.dbx" ||
        c.check() == "kernel.cmdline" || c.check() == "refvalue.boot_application" ||
        c.check() == "refvalue.db") {
      EXPECT_EQ(c.status(), veu::v1::CHECK_NOT_EVALUATED) << c.check();
      EXPECT_NE(c.reason(), veu::v1::REASON_UNSPECIFIED) << c.check();
    }
  }
}

TEST(ReferenceValues, RefusesAFirmwareVersionNotListed) {
  veu::v1::ReferenceValues refs;
  refs.add_firmware_versions("GCE Virtual Firmware v2");
  const auto checks = Appraise(Trusted("go-tpm-tools__rhel8-uefi.bin"), refs);
  const auto* c = Find(checks, "firmware.version");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->reason(), veu::v1::FIRMWARE_VERSION_REFUSED);
  EXPECT_THAT(c->detail(), HasSubstr("GCE Virtual Firmware v1"));
}

TEST(ReferenceValues, MatchesKernelCommandLinesAgainstPatterns) {
  veu::v1::ReferenceValues refs;
  refs.add_kernel_cmdline_patterns(
      "/boot/vmlinuz-[0-9a-z.-]+ root=PARTUUID=[0-9a-f-]+ ro console=ttyS0 panic=-1");
  const VerifiedEventLog log =
      Trusted("go-attestation__ubuntu_2104_shielded_vm_no_secure_boot_eventlog");
  const auto accepted = Appraise(log, refs);
  ASSERT_NE(Find(accepted, "kernel.cmdline"), nullptr);
  EXPECT_EQ(Find(accepted, "kernel.cmdline")->status(), veu::v1::CHECK_PASS);
  refs.set_kernel_cmdline_patterns(0, ".* init=/bin/sh.*");
  const auto refused = Appraise(log, refs);
  ASSERT_NE(Find(refused, "kernel.cmdline"), nullptr);
  EXPECT_EQ(Find(refused, "kernel.cmdline")->reason(), veu::v1::KERNEL_CMDLINE_REFUSED);
}

TEST(ReferenceValues, RejectsAnUnusableReferenceSet) {
  const VerifiedEventLog log = Trusted("go-tpm-tools__rhel8-uefi.bin");
  veu::v1::ReferenceValues bad_regex;
  bad_regex.add_kernel_cmdline_patterns("([unclosed");
  EXPECT_THAT(AppraiseAgainstReferenceValues(log, bad_regex),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("regex")));
  veu::v1::ReferenceValues bad_component;
  bad_component.add_allowed()->set_component("bootloader");
  EXPECT_THAT(AppraiseAgainstReferenceValues(log, bad_component),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bootloader")));
}

TEST(ReferenceValues, RoundTripThroughJsonAndParseTextFormat) {
  const veu::v1::ReferenceValues refs =
      LearnReferenceValues(Trusted("go-tpm-tools__rhel8-uefi.bin"), "gce");
  auto parsed = ParseReferenceValues(ReferenceValuesToJson(refs));
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->SerializeAsString(), refs.SerializeAsString());
  auto text = ParseReferenceValues("name: \"t\" secure_boot_required: true");
  ASSERT_OK(text);
  EXPECT_TRUE(text->secure_boot_required());
  EXPECT_THAT(ParseReferenceValues("{\"nope\": 1}"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ReferenceValues, StructuralFindingsFailUnlessAllowed) {
  // The forged SecureBoot log of corruption_test: a DIGEST_DATA_MISMATCH finding.
  std::string bytes = testing::FixtureLog("go-tpm-tools__rhel8-uefi.bin");
  auto original = ParseEventLog(bytes);
  ASSERT_OK(original);
  const Event& sb = original->events()[3];
  bytes[static_cast<size_t>(sb.data.data() - original->raw().data()) + sb.data.size() - 1] = 0;
  auto forged = ParseEventLog(bytes);
  ASSERT_OK(forged);
  veu::v1::ReferenceValues refs;
  refs.set_secure_boot_required(true);
  const auto checks = Appraise(TrustForOfflineReview(*forged), refs);
  const auto* structure = Find(checks, "eventlog.structure");
  ASSERT_NE(structure, nullptr);
  EXPECT_EQ(structure->status(), veu::v1::CHECK_FAIL);
  EXPECT_EQ(structure->reason(), veu::v1::EVENTLOG_DIGEST_DATA_MISMATCH);
  ASSERT_NE(Find(checks, "secureboot.enabled"), nullptr);
  EXPECT_EQ(Find(checks, "secureboot.enabled")->status(), veu::v1::CHECK_NOT_EVALUATED);
  // A set stored before allow_findings was withdrawn keeps its old meaning: not passed.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  refs.set_allow_findings(true);
#pragma GCC diagnostic pop
  const auto allowed = Appraise(TrustForOfflineReview(*forged), refs);
  ASSERT_NE(Find(allowed, "eventlog.structure"), nullptr);
  EXPECT_EQ(Find(allowed, "eventlog.structure")->status(), veu::v1::CHECK_NEEDS_EVIDENCE);
}

}  // namespace
}  // namespace veu::eventlog
