// The swtpm_localca case end to end: a software TPM provisioned with an EK certificate by a
// private swtpm_localca CA; the certificate is read from NV with tpm2_nvread (what an agent
// on a real node sends) and must chain to that CA's root, and to nothing else.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/x509/ek_chain.h"
#include "common/x509/trust_store_dir.h"
#include "tests/common/x509/test_files.h"
#include "tests/common/x509/test_pki.h"
#include "tests/support/status_matchers.h"
#include "tests/support/swtpm_process.h"

// Designated initialisers leave the other fields at their defaults on purpose; GCC 12 warns.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace veu::x509 {
namespace {

using ::testing::HasSubstr;
using testing::ReadFileOrDie;

// Runs a shell command; returns its exit status (or -1 if it did not exit normally).
int RunShell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class EkSwtpmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<veu::testing::SwtpmProcess>> swtpm =
        veu::testing::SwtpmProcess::Start();
    ASSERT_OK(swtpm.status());
    swtpm_ = *std::move(swtpm);
  }

  // The NV index's whole contents, as `tpm2_nvread -C o INDEX` returns them.
  std::string NvRead(uint32_t index) {
    const std::string out = absl::StrCat(swtpm_->TempDir(), "/nv-", absl::Hex(index), ".bin");
    const std::string cmd =
        absl::StrCat("TPM2TOOLS_TCTI='", swtpm_->ToolsTcti(), "' tpm2_nvread -C o -o '", out,
                     "' 0x", absl::Hex(index), " 2>'", out, ".log'");
    EXPECT_EQ(RunShell(cmd), 0) << cmd;
    return ReadFileOrDie(out);
  }

  std::unique_ptr<veu::testing::SwtpmProcess> swtpm_;
};

TEST_F(EkSwtpmTest, RsaAndEccEkCertificatesFromNvChainToTheLocalCaRoot) {
  absl::StatusOr<TrustStore> store = LoadTrustStoreDir(swtpm_->CaDir());
  ASSERT_OK(store);
  EXPECT_EQ(store->anchor_count(), 1u);
  for (uint32_t index : {kNvIndexRsaEkCert, uint32_t{0x01c00016}}) {
    const ChainResult r = VerifyStoredEkCertificate(NvRead(index), *store, absl::Now(),
                                                    {.expiry = ExpiryPolicy::kReject});
    ASSERT_TRUE(r.accepted) << absl::StrCat("NV 0x", absl::Hex(index), ": ", r.detail);
    ASSERT_EQ(r.chain.size(), 3u);
    EXPECT_THAT(r.chain[2].source, HasSubstr("root.pem"));
    EXPECT_THAT(r.chain[1].source, HasSubstr("intermediate.pem"));
  }
  absl::StatusOr<EkCertificate> cert = ParseEkCertificate(NvRead(kNvIndexRsaEkCert));
  ASSERT_OK(cert);
  ASSERT_TRUE(cert->tpm_identity().has_value());
  EXPECT_EQ(cert->tpm_identity()->manufacturer, "id:00001014");  // IBM's vendor ID, swtpm's
}

TEST_F(EkSwtpmTest, LocalCaEkCertificateIsUntrustedUnderRealVendorRoots) {
  absl::StatusOr<TrustStore> store = LoadTrustStoreDir(testing::kEkFixtures + "/roots");
  ASSERT_OK(store);
  const ChainResult r = VerifyStoredEkCertificate(NvRead(kNvIndexRsaEkCert), *store, absl::Now());
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, veu::v1::EK_CERT_UNTRUSTED);
}

TEST_F(EkSwtpmTest, VeuctlEkVerifyExitCodesSayAcceptedRejectedAndUnusable) {
  const std::string veuctl = std::string(VEU_BINARY_DIR) + "/verifier/veuctl/veuctl";
  const std::string cert = absl::StrCat(swtpm_->TempDir(), "/ek.bin");
  testing::WriteFile(cert, NvRead(kNvIndexRsaEkCert));
  const std::string quiet = " >/dev/null 2>&1";
  EXPECT_EQ(RunShell(absl::StrCat(veuctl, " ek verify --cert '", cert, "' --roots '",
                                  swtpm_->CaDir(), "' --json", quiet)),
            0);
  EXPECT_EQ(RunShell(absl::StrCat(veuctl, " ek verify --cert '", cert, "' --roots '",
                                  testing::kEkFixtures, "/roots/ms-trustedtpm/Microsoft'", quiet)),
            1);
  EXPECT_EQ(
      RunShell(absl::StrCat(veuctl, " ek verify --cert '", cert, "' --roots /nonexistent", quiet)),
      2);
  EXPECT_EQ(RunShell(absl::StrCat(veuctl, " ek verify --cert '", cert, "'", quiet)), 2);
}

// Needs no TPM, only the veuctl binary this suite already depends on.
TEST(VeuctlEkVerify, SaysRevokedForACertificateACrlListsFromTheFolderOrFromCrlFlag) {
  const std::string veuctl = std::string(VEU_BINARY_DIR) + "/verifier/veuctl/veuctl";
  const testing::TestPki pki = testing::MakePki();
  testing::TempDir dir;
  const std::string roots = dir.path() + "/roots";
  testing::WriteFile(roots + "/root.der", pki.root);
  testing::WriteFile(roots + "/intermediate.der", pki.intermediate);
  testing::WriteFile(dir.path() + "/leaf.der", pki.leaf);
  const std::string crl = testing::MakeCrl(
      {.issuer = {{"O", "Test TPM Vendor"}, {"CN", "Test EK Intermediate CA"}},
       .signer_key = pki.intermediate_key,
       .revoked_serials = {3}});
  testing::WriteFile(dir.path() + "/new.crl", crl);
  const std::string base =
      absl::StrCat(veuctl, " ek verify --cert '", dir.path(), "/leaf.der' --roots '", roots, "'");
  const std::string out = dir.path() + "/out.txt";
  const std::string to_out = absl::StrCat(" >'", out, "' 2>&1");

  EXPECT_EQ(RunShell(base + to_out), 0) << ReadFileOrDie(out);
  EXPECT_THAT(ReadFileOrDie(out), HasSubstr("revocation: not checked"));
  EXPECT_EQ(RunShell(absl::StrCat(base, " --crl '", dir.path(), "/new.crl' --json", to_out)), 1);
  EXPECT_THAT(ReadFileOrDie(out),
              ::testing::AllOf(HasSubstr("\"EK_CERT_REVOKED\""), HasSubstr("\"revoked\": true"),
                               HasSubstr("new.crl")));
  testing::WriteFile(roots + "/crls/vendor.crl", crl);
  EXPECT_EQ(RunShell(base + to_out), 1);
  EXPECT_THAT(ReadFileOrDie(out),
              ::testing::AllOf(HasSubstr("REJECTED: EK_CERT_REVOKED"), HasSubstr("vendor.crl")));
  EXPECT_EQ(RunShell(absl::StrCat(base, " --crl '", dir.path(), "/missing.crl'", to_out)), 2);
}

}  // namespace
}  // namespace veu::x509
