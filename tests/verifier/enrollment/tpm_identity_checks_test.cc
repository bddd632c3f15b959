// TpmIdentityChecks with real material: an RSA-2048 EK certified by a CA made here with
// OpenSSL, its TPM2B_PUBLIC in the TCG EK template shape, and software AKs (quote_builder).
#include "verifier/enrollment/tpm_identity_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "common/tpm/structures.h"
#include "tests/common/tpm/quote_builder.h"
#include "tests/common/x509/test_files.h"
#include "tests/common/x509/test_pki.h"
#include "tests/support/status_matchers.h"

namespace veu::verifier {
namespace {

using ::testing::HasSubstr;
using ::veu::tpm::testing::TestAk;
namespace pki = ::veu::x509::testing;

// PolicySecret(TPM_RH_ENDORSEMENT), SHA-256: the authPolicy of the TCG default EK templates.
constexpr uint8_t kEkPolicy[32] = {0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc,
                                   0x8d, 0x46, 0xa5, 0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52,
                                   0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa};

// Marshalled TPM2B_PUBLIC of an RSA-2048 EK (TCG EK template L-1) holding `key`'s modulus.
std::string EkPublicFor(EVP_PKEY* key) {
  TPMT_PUBLIC p = {};
  p.type = TPM2_ALG_RSA;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
                       TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  p.authPolicy.size = sizeof(kEkPolicy);
  std::copy(std::begin(kEkPolicy), std::end(kEkPolicy), p.authPolicy.buffer);
  p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
  p.parameters.rsaDetail.symmetric.keyBits.aes = 128;
  p.parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
  p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
  p.parameters.rsaDetail.keyBits = 2048;
  p.parameters.rsaDetail.exponent = 0;  // 65537
  BIGNUM* n = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n), 1);
  p.unique.rsa.size = 256;
  EXPECT_EQ(BN_bn2binpad(n, p.unique.rsa.buffer, 256), 256);
  BN_free(n);
  absl::StatusOr<std::string> out = tpm::MarshalTpm2bPublic(p);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : "";
}

struct Ca {
  pki::KeyPtr key;
  std::string der;
  std::vector<pki::CertSpec::Rdn> name;
};

Ca MakeCa(const std::string& vendor) {
  Ca ca;
  ca.key = pki::NewKey();
  ca.name = {{"O", vendor}, {"CN", vendor + " EK Root CA"}};
  pki::CertSpec spec;
  spec.subject = ca.name;
  spec.issuer = ca.name;
  spec.subject_key = ca.key;
  spec.signer_key = ca.key;
  spec.not_after_days = 3650;
  ca.der = pki::MakeCert(spec);
  return ca;
}

std::string EkCertificate(const Ca& ca, const pki::KeyPtr& ek_key) {
  pki::CertSpec spec;
  spec.issuer = ca.name;  // empty subject: the TCG SAN names the TPM
  spec.subject_key = ek_key;
  spec.signer_key = ca.key;
  spec.serial = 7;
  spec.ca = false;
  spec.tpm_manufacturer = "id:54455354";
  return pki::MakeCert(spec);
}

x509::TrustStore TrustOnly(const Ca& ca) {
  absl::StatusOr<x509::TrustStore> store = x509::TrustStore::FromFiles({{"root.der", ca.der}});
  EXPECT_TRUE(store.ok()) << store.status();
  return *std::move(store);
}

class TpmIdentityChecksTest : public ::testing::Test {
 protected:
  // RSA key generation is slow: one CA and one EK for the whole suite.
  static void SetUpTestSuite() {
    ca_ = new Ca(MakeCa("Test TPM Vendor"));
    ek_key_ = new pki::KeyPtr(pki::NewRsaKey());
  }
  static void TearDownTestSuite() {
    delete ca_;
    delete ek_key_;
  }

  TpmIdentityChecksTest() : checks_(TrustOnly(*ca_)), ak_(TestAk::Make(TestAk::kEccP256)) {}

  veu::v1::TpmPublicIdentity Identity() const {
    veu::v1::TpmPublicIdentity id;
    id.set_ek_certificate(EkCertificate(*ca_, *ek_key_));
    id.set_ek_public(EkPublicFor(ek_key_->get()));
    id.set_ak_public(ak_.Tpm2bPublic());
    id.set_ak_name(ak_.Name());
    return id;
  }

  CheckOutcome Verify(const veu::v1::TpmPublicIdentity& id, VerifiedIdentity* verified = nullptr) {
    VerifiedIdentity ignored;
    return checks_.Verify(id, absl::Now(), verified ? verified : &ignored);
  }

  static Ca* ca_;
  static pki::KeyPtr* ek_key_;
  TpmIdentityChecks checks_;
  TestAk ak_;
};
Ca* TpmIdentityChecksTest::ca_ = nullptr;
pki::KeyPtr* TpmIdentityChecksTest::ek_key_ = nullptr;

TEST_F(TpmIdentityChecksTest, AcceptsACertifiedEkAndARestrictedSigningAk) {
  VerifiedIdentity verified;
  veu::v1::TpmPublicIdentity id = Identity();
  CheckOutcome outcome = Verify(id, &verified);
  ASSERT_TRUE(outcome.ok()) << veu::v1::ReasonCode_Name(outcome.reason) << ": " << outcome.detail;
  absl::StatusOr<std::string> key_hash = EkCertificateKeyHash(id.ek_certificate());
  ASSERT_OK(key_hash);
  EXPECT_EQ(verified.ek_spki_sha256, *key_hash);
  EXPECT_EQ(verified.ek_certificate_der, id.ek_certificate());
  EXPECT_THAT(verified.ek_chain, HasSubstr("Test TPM Vendor EK Root CA"));
}

TEST_F(TpmIdentityChecksTest, MakesACredentialForTheCertifiedEk) {
  veu::v1::TpmPublicIdentity id = Identity();
  std::string blob, secret;
  ASSERT_OK(
      checks_.MakeCredential(id.ek_public(), id.ak_name(), std::string(32, 's'), &blob, &secret));
  EXPECT_FALSE(blob.empty());
  EXPECT_EQ(secret.size(), 2u + 256u) << "TPM2B_ENCRYPTED_SECRET of an RSA-2048 EK";
}

TEST_F(TpmIdentityChecksTest, RefusesAnAkThatIsNotRestricted) {
  ak_.tpm_public.objectAttributes &= ~TPMA_OBJECT_RESTRICTED;
  CheckOutcome outcome = Verify(Identity());
  EXPECT_EQ(outcome.reason, veu::v1::AK_ATTRIBUTES_INVALID) << outcome.detail;
  EXPECT_THAT(outcome.detail, HasSubstr("restricted"));
}

TEST_F(TpmIdentityChecksTest, RefusesAnAkThatIsNotFixedTpm) {
  ak_.tpm_public.objectAttributes &= ~TPMA_OBJECT_FIXEDTPM;
  CheckOutcome outcome = Verify(Identity());
  EXPECT_EQ(outcome.reason, veu::v1::AK_ATTRIBUTES_INVALID) << outcome.detail;
  EXPECT_THAT(outcome.detail, HasSubstr("fixedTPM"));
}

TEST_F(TpmIdentityChecksTest, RefusesAnAkWhoseClaimedNameIsNotItsName) {
  veu::v1::TpmPublicIdentity id = Identity();
  std::string name = id.ak_name();
  name.back() = static_cast<char>(name.back() ^ 0x01);
  id.set_ak_name(name);
  EXPECT_EQ(Verify(id).reason, veu::v1::AK_NAME_MISMATCH);
}

TEST_F(TpmIdentityChecksTest, RefusesAnEkCertificateFromAnUnknownCa) {
  const Ca other = MakeCa("Unknown Vendor");
  veu::v1::TpmPublicIdentity id = Identity();
  id.set_ek_certificate(EkCertificate(other, *ek_key_));
  EXPECT_EQ(Verify(id).reason, veu::v1::EK_CERT_UNTRUSTED);
}

TEST_F(TpmIdentityChecksTest, RefusesAnEkPublicAreaThatIsNotTheCertifiedKey) {
  veu::v1::TpmPublicIdentity id = Identity();
  id.set_ek_public(EkPublicFor(TestAk::Make(TestAk::kRsa2048).key()));
  CheckOutcome outcome = Verify(id);
  EXPECT_EQ(outcome.reason, veu::v1::EK_PUBLIC_MISMATCH) << outcome.detail;
}

TEST_F(TpmIdentityChecksTest, RefusesTheCertifiedKeyInAnUnrestrictedPublicArea) {
  veu::v1::TpmPublicIdentity id = Identity();
  absl::StatusOr<TPMT_PUBLIC> ek = tpm::UnmarshalTpm2bPublic(id.ek_public());
  ASSERT_OK(ek);
  ek->objectAttributes &= ~TPMA_OBJECT_RESTRICTED;
  absl::StatusOr<std::string> marshalled = tpm::MarshalTpm2bPublic(*ek);
  ASSERT_OK(marshalled);
  id.set_ek_public(*marshalled);
  EXPECT_EQ(Verify(id).reason, veu::v1::EK_PUBLIC_MISMATCH);
}

TEST_F(TpmIdentityChecksTest, RefusesAnEkCertificateItsCaRevokedInTheCrlsFolder) {
  pki::TempDir dir;
  pki::WriteFile(dir.path() + "/root.der", ca_->der);
  pki::CrlSpec crl;
  crl.issuer = ca_->name;
  crl.signer_key = ca_->key;
  crl.revoked_serials = {7};  // EkCertificate's serial
  pki::WriteFile(dir.path() + "/crls/vendor.crl", pki::MakeCrl(crl));
  absl::StatusOr<std::unique_ptr<TpmIdentityChecks>> checks =
      TpmIdentityChecks::FromRootsDir(dir.path());
  ASSERT_OK(checks);
  EXPECT_EQ((*checks)->crls().crls().size(), 1u);
  VerifiedIdentity verified;
  const CheckOutcome outcome = (*checks)->Verify(Identity(), absl::Now(), &verified);
  EXPECT_EQ(outcome.reason, veu::v1::EK_CERT_REVOKED);
  EXPECT_THAT(outcome.detail, HasSubstr("vendor.crl"));
}

TEST_F(TpmIdentityChecksTest, AcceptsAnEkCertificateTheCrlDoesNotList) {
  pki::CrlSpec crl;
  crl.issuer = ca_->name;
  crl.signer_key = ca_->key;
  crl.revoked_serials = {8};
  const x509::TrustStore roots = TrustOnly(*ca_);
  const TpmIdentityChecks checks(roots,
                                 x509::CrlSet::FromFiles({{"vendor.crl", pki::MakeCrl(crl)}}, roots));
  VerifiedIdentity verified;
  const CheckOutcome outcome = checks.Verify(Identity(), absl::Now(), &verified);
  EXPECT_EQ(outcome.reason, veu::v1::REASON_UNSPECIFIED) << outcome.detail;
}

TEST_F(TpmIdentityChecksTest, RefusesBytesThatAreNotACertificate) {
  veu::v1::TpmPublicIdentity id = Identity();
  id.set_ek_certificate("not a certificate");
  EXPECT_EQ(Verify(id).reason, veu::v1::EK_CERT_MALFORMED);
}

}  // namespace
}  // namespace veu::verifier
