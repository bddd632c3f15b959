// ExtractFacts on real logs: Secure Boot state, boot chain, kernel, command lines, firmware.
#include "common/eventlog/facts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/eventlog/binding.h"
#include "common/eventlog/efi_variable.h"
#include "common/eventlog/parser.h"
#include "common/hex.h"
#include "tests/common/eventlog/fixtures.h"
#include "tests/support/status_matchers.h"

namespace veu::eventlog {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

veu::v1::MeasuredBootFacts FactsOf(const std::string& fixture) {
  auto log = ParseEventLog(testing::FixtureLog(fixture));
  EXPECT_TRUE(log.ok()) << log.status();
  return ExtractFacts(TrustForOfflineReview(*log));
}

TEST(Facts, ReadsSecureBootStateAndDatabasesFromRhel8) {
  const auto facts = FactsOf("go-tpm-tools__rhel8-uefi.bin");
  const auto& sb = facts.secure_boot();
  EXPECT_TRUE(sb.evaluated());
  EXPECT_TRUE(sb.secure_boot());
  EXPECT_FALSE(sb.setup_mode());
  EXPECT_TRUE(sb.pk().present());
  EXPECT_EQ(sb.pk().entries_size(), 1);
  EXPECT_EQ(sb.pk().entries(0).signature_type(), CertX509Guid().ToString());
  EXPECT_TRUE(sb.db().present());
  EXPECT_GT(sb.dbx().entries_size(), 100);
  EXPECT_EQ(sb.dbx().sha256().size(), 32u);
  EXPECT_EQ(sb.authorities_size(), 2);  // db cert for shim, shim's own cert for GRUB
}

TEST(Facts, ReportsSecureBootOffOnTheUbuntuShieldedVm) {
  const auto facts = FactsOf("go-attestation__ubuntu_2104_shielded_vm_no_secure_boot_eventlog");
  EXPECT_TRUE(facts.secure_boot().evaluated());
  EXPECT_FALSE(facts.secure_boot().secure_boot());
}

TEST(Facts, ListsBootApplicationsWithDigestsAndDevicePaths) {
  const auto facts = FactsOf("go-tpm-tools__rhel8-uefi.bin");
  ASSERT_EQ(facts.boot_applications_size(), 3);
  EXPECT_EQ(facts.boot_applications(0).pcr(), 4u);
  EXPECT_EQ(facts.boot_applications(0).digests_size(), 3);  // sha1, sha256, sha384
  EXPECT_THAT(facts.boot_applications(0).device_path(), StartsWith("PciRoot(0x0)/Pci(0x3,0x0)"));
  EXPECT_THAT(facts.boot_applications(0).device_path(), HasSubstr("HD(1,GPT,"));
  EXPECT_EQ(facts.boot_applications(1).device_path(), "\\EFI\\redhat\\grubx64.efi");
}

TEST(Facts, ReadsGrubKernelAndCommandLine) {
  const auto facts = FactsOf("go-attestation__ubuntu_2104_shielded_vm_no_secure_boot_eventlog");
  EXPECT_THAT(facts.kernel().path(), HasSubstr("vmlinuz-5.11.0"));
  EXPECT_EQ(facts.kernel().digests_size(), 3);
  EXPECT_EQ(facts.initrd().path(), "") << "this boot was initrdless (GRUB_FORCE_PARTUUID)";
  ASSERT_EQ(facts.kernel_cmdlines_size(), 1);
  EXPECT_THAT(facts.kernel_cmdlines(0), StartsWith("/boot/vmlinuz-5.11.0"));
  EXPECT_THAT(facts.kernel_cmdlines(0), HasSubstr("root="));
}

TEST(Facts, ReadsTheSystemdBootCommandLine) {
  const auto facts = FactsOf("go-tpm-tools__arch-linux-workstation.bin");
  ASSERT_EQ(facts.kernel_cmdlines_size(), 1);
  EXPECT_THAT(facts.kernel_cmdlines(0), StartsWith("initrd=\\intel-ucode.img"));
  EXPECT_THAT(facts.kernel_cmdlines(0), HasSubstr("cryptdevice=UUID="));
}

TEST(Facts, ReadsTheFirmwareVersion) {
  EXPECT_THAT(FactsOf("go-tpm-tools__rhel8-uefi.bin").firmware_versions(),
              ElementsAre("GCE Virtual Firmware v1"));
}

TEST(Facts, CountsSeparatorsPerPcr) {
  const auto facts = FactsOf("go-tpm-tools__rhel8-uefi.bin");
  ASSERT_GE(facts.separators_size(), 8);
  for (const auto& s : facts.separators()) {
    if (s.pcr() < 8) {
      EXPECT_EQ(s.count(), 1u) << "PCR " << s.pcr();
    }
    EXPECT_FALSE(s.error_value());
  }
}

TEST(Facts, ComeOnlyFromBoundPcrs) {
  auto log = ParseEventLog(testing::FixtureLog("go-tpm-tools__rhel8-uefi.bin"));
  ASSERT_OK(log);
  PcrValues quoted;
  quoted[crypto::kAlgSha256][0] = Replay(*log).at(crypto::kAlgSha256).at(0);
  BindingOutcome outcome = BindToQuote(*log, quoted);
  ASSERT_TRUE(outcome.verified.has_value());
  const auto facts = ExtractFacts(*outcome.verified);
  EXPECT_FALSE(facts.secure_boot().evaluated());
  EXPECT_TRUE(facts.boot_applications().empty());
  EXPECT_TRUE(facts.kernel_cmdlines().empty());
  EXPECT_THAT(facts.firmware_versions(), Contains("GCE Virtual Firmware v1"));
  EXPECT_THAT(facts.bound_pcrs(), ElementsAre(0u));
}

}  // namespace
}  // namespace veu::eventlog
