// Findings: mistakes other verifiers made, one regression test each. A replay proves digests,
// not meaning, so these logs all replay fine; the findings are what must catch them.
#include "common/eventlog/findings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/eventlog/efi_variable.h"
#include "common/eventlog/event_types.h"
#include "common/eventlog/parser.h"
#include "tests/common/eventlog/log_builder.h"
#include "tests/support/status_matchers.h"

namespace veu::eventlog {
namespace {

using testing::EfiVariable;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::LogBuilder;

std::string Zero4() { return std::string(4, '\0'); }

// A normal UEFI boot: PCR 7 Secure Boot config, separators, then boot-time events in 4, 5, 7.
LogBuilder NormalBoot() {
  LogBuilder b;
  b.Add(0, kEvSCrtmVersion, testing::Utf16("1.0", true));
  b.Add(7, kEvEfiVariableDriverConfig, EfiVariable(EfiGlobalVariableGuid(), "SecureBoot", "\x01"));
  b.Add(7, kEvEfiVariableDriverConfig, EfiVariable(ImageSecurityDatabaseGuid(), "db", ""));
  b.Add(1, kEvEfiVariableBoot,
        EfiVariable(EfiGlobalVariableGuid(), "BootOrder", std::string(2, '\0')));
  b.Separators();
  b.Add(4, kEvEfiAction, "Calling EFI Application from Boot Option");
  b.AddMeasuring(4, kEvEfiBootServicesApplication, std::string(32, '\0'), "pe image");
  b.Add(7, kEvEfiVariableAuthority, EfiVariable(ImageSecurityDatabaseGuid(), "db", "cert"));
  b.Add(1, kEvEfiHandoffTables, std::string(8, '\0'));
  b.Add(5, kEvEfiAction, "Exit Boot Services Invocation");
  return b;
}

std::vector<veu::v1::ReasonCode> Reasons(const std::string& bytes) {
  auto log = ParseEventLog(bytes);
  EXPECT_TRUE(log.ok()) << log.status();
  std::vector<veu::v1::ReasonCode> out;
  for (const auto& f : FindStructuralProblems(*log)) out.push_back(f.reason());
  return out;
}

TEST(Findings, ANormalBootHasNone) { EXPECT_THAT(Reasons(NormalBoot().Build()), IsEmpty()); }

TEST(Findings, FlagsASecondSeparatorInPcr0To7WithItsRecordNumber) {
  for (uint32_t pcr = 0; pcr < 8; ++pcr) {
    LogBuilder b = NormalBoot();
    b.Add(pcr, kEvSeparator, Zero4());
    auto log = ParseEventLog(b.Build());
    ASSERT_OK(log);
    auto findings = FindStructuralProblems(*log);
    ASSERT_EQ(findings.size(), 1u) << "PCR " << pcr;
    EXPECT_EQ(findings[0].reason(), veu::v1::EVENTLOG_SEPARATOR_REPEATED);
    EXPECT_EQ(findings[0].record(), log->events().back().record);
    EXPECT_EQ(findings[0].pcr(), pcr);
  }
}

TEST(Findings, AllowsRepeatedSeparatorsAbovePcr7) {
  LogBuilder b = NormalBoot();
  b.Add(8, kEvSeparator, Zero4()).Add(8, kEvSeparator, Zero4());
  EXPECT_THAT(Reasons(b.Build()), IsEmpty());
}

TEST(Findings, FlagsSecureBootConfigurationMeasuredAfterPcr7Separator) {
  LogBuilder b = NormalBoot();
  b.Add(7, kEvEfiVariableDriverConfig, EfiVariable(EfiGlobalVariableGuid(), "SecureBoot", "\x01"));
  EXPECT_THAT(Reasons(b.Build()), ElementsAre(veu::v1::EVENTLOG_EVENT_AFTER_SEPARATOR));
}

TEST(Findings, AllowsAuthoritiesAndShimVariablesAfterPcr7Separator) {
  LogBuilder b = NormalBoot();
  b.Add(7, kEvEfiVariableAuthority, EfiVariable(ShimLockGuid(), "Shim", "cert"));
  b.Add(7, kEvEfiVariableDriverConfig, EfiVariable(ShimLockGuid(), "SbatLevel", "sbat,1\n"));
  EXPECT_THAT(Reasons(b.Build()), IsEmpty());
}

TEST(Findings, FlagsAnyOtherEventTypeInPcr7) {
  LogBuilder b = NormalBoot();
  b.AddMeasuring(7, kEvEfiBootServicesApplication, std::string(32, '\0'), "pe image");
  EXPECT_THAT(Reasons(b.Build()), ElementsAre(veu::v1::EVENTLOG_UNEXPECTED_EVENT_TYPE));
}

TEST(Findings, FlagsASecureBootVariableThatIsNotUnderTheGlobalVariableGuid) {
  LogBuilder b;
  b.Add(7, kEvEfiVariableDriverConfig, EfiVariable(ShimLockGuid(), "SecureBoot", "\x01"));
  EXPECT_THAT(Reasons(b.Build()), ElementsAre(veu::v1::EVENTLOG_VARIABLE_MISMATCH));
}

TEST(Findings, FlagsDbUnderTheGlobalVariableGuid) {
  LogBuilder b;
  b.Add(7, kEvEfiVariableDriverConfig, EfiVariable(EfiGlobalVariableGuid(), "db", ""));
  EXPECT_THAT(Reasons(b.Build()), ElementsAre(veu::v1::EVENTLOG_VARIABLE_MISMATCH));
}

TEST(Findings, FlagsABootVariableEventNamingSomethingElse) {
  LogBuilder b;
  b.Add(1, kEvEfiVariableBoot, EfiVariable(EfiGlobalVariableGuid(), "SecureBoot", "\x00"));
  EXPECT_THAT(Reasons(b.Build()), ElementsAre(veu::v1::EVENTLOG_VARIABLE_MISMATCH));
}

TEST(Findings, FlagsMalformedVariableData) {
  LogBuilder b;
  b.Add(7, kEvEfiVariableDriverConfig, "too short");
  EXPECT_THAT(Reasons(b.Build()), ElementsAre(veu::v1::EVENTLOG_VARIABLE_MISMATCH));
}

TEST(Findings, FlagsEventsAfterTheSeparatorOfPcr0236) {
  for (uint32_t pcr : {0u, 2u, 3u, 6u}) {
    LogBuilder b = NormalBoot();
    b.Add(pcr, kEvPostCode, "late");
    EXPECT_THAT(Reasons(b.Build()), ElementsAre(veu::v1::EVENTLOG_EVENT_AFTER_SEPARATOR))
        << "PCR " << pcr;
  }
}

TEST(Findings, FlagsUnexpectedTypesAfterTheSeparatorOfPcr1And4) {
  LogBuilder b = NormalBoot();
  b.Add(1, kEvPostCode, "late");
  b.Add(4, kEvSCrtmVersion, "late");
  EXPECT_THAT(Reasons(b.Build()), ElementsAre(veu::v1::EVENTLOG_EVENT_AFTER_SEPARATOR,
                                              veu::v1::EVENTLOG_EVENT_AFTER_SEPARATOR));
}

TEST(Findings, FlagsDataThatDoesNotHashToItsDigest) {
  LogBuilder b = NormalBoot();
  b.AddMeasuring(5, kEvEfiAction, "Exit Boot Services Returned with Success", "something else");
  auto log = ParseEventLog(b.Build());
  ASSERT_OK(log);
  auto findings = FindStructuralProblems(*log);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].reason(), veu::v1::EVENTLOG_DIGEST_DATA_MISMATCH);
  EXPECT_EQ(findings[0].record(), log->events().back().record);
}

TEST(Findings, AcceptsGrubStringsWhoseDigestOmitsPrefixAndNul) {
  LogBuilder b;
  b.AddMeasuring(8, kEvIpl, std::string("grub_cmd: linux /vmlinuz ro\0", 29), "linux /vmlinuz ro");
  b.AddMeasuring(8, kEvIpl, std::string("kernel_cmdline: /vmlinuz ro\0", 28), "/vmlinuz ro");
  auto log = ParseEventLog(b.Build());
  ASSERT_OK(log);
  EXPECT_EQ(log->events()[1].binding, DataBinding::kVerified);
  EXPECT_EQ(log->events()[2].binding, DataBinding::kVerified);
  EXPECT_THAT(FindStructuralProblems(*log), IsEmpty());
}

TEST(Findings, FlagsAGrubCommandLineUnderAnotherDigest) {
  LogBuilder b;
  b.AddMeasuring(8, kEvIpl, std::string("kernel_cmdline: /vmlinuz ro\0", 28),
                 "/vmlinuz rw init=/bin/sh");
  EXPECT_THAT(Reasons(b.Build()), ElementsAre(veu::v1::EVENTLOG_DIGEST_DATA_MISMATCH));
}

}  // namespace
}  // namespace veu::eventlog
