#include "agent/tpm/ek_match.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>
#include <string>

#include "agent/tpm/templates.h"
#include "tests/support/status_matchers.h"

namespace veu::agent {
namespace {

using ::testing::HasSubstr;
using ::veu::testing::StatusIs;

std::string ReadFixture(const std::string& rel) {
  std::ifstream in(std::string(VEU_FIXTURES_DIR) + "/" + rel, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The RSA EK public area a TPM would report for the key in `cert_der` (template L-1).
TPMT_PUBLIC RsaEkPublicFor(const std::string& cert_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(cert_der.data());
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(cert_der.size()));
  EXPECT_NE(x, nullptr);
  TPMT_PUBLIC pub = EkTemplate(EkKeyType::kRsa2048).publicArea;
  if (x == nullptr) return pub;
  // This STMicro certificate names its key id-RSAES-OAEP: decode the PKCS#1 bits directly.
  const unsigned char* bits = nullptr;
  int bits_len = 0;
  EXPECT_EQ(X509_PUBKEY_get0_param(nullptr, &bits, &bits_len, nullptr, X509_get_X509_PUBKEY(x)), 1);
  EVP_PKEY* key = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &bits, bits_len);
  EXPECT_NE(key, nullptr);
  BIGNUM* n = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n), 1);
  EVP_PKEY_free(key);
  pub.unique.rsa.size = static_cast<uint16_t>(BN_num_bytes(n));
  BN_bn2bin(n, pub.unique.rsa.buffer);
  BN_free(n);
  X509_free(x);
  return pub;
}

constexpr char kNucUntouched[] = "ekcerts/leaves/hirs/nuc-1_ek_cert_untouched.cer";
constexpr char kNucHeaderRemoved[] = "ekcerts/leaves/hirs/nuc-1_ek_cert_7_byte_header_removed.cer";

TEST(EkMatchTest, AcceptsEkWhoseModulusIsTheCertificatesKey) {
  const std::string der = ReadFixture(kNucHeaderRemoved);
  ASSERT_FALSE(der.empty());
  EXPECT_OK(CheckEkPublicMatchesCertificate(RsaEkPublicFor(der), der));
}

TEST(EkMatchTest, AcceptsRawNvContentsWithTcgStorageHeader) {
  const std::string raw = ReadFixture(kNucUntouched);
  const TPMT_PUBLIC pub = RsaEkPublicFor(ReadFixture(kNucHeaderRemoved));
  EXPECT_OK(CheckEkPublicMatchesCertificate(pub, raw));
}

TEST(EkMatchTest, RejectsEkWithAnotherModulus) {
  const std::string der = ReadFixture(kNucHeaderRemoved);
  TPMT_PUBLIC pub = RsaEkPublicFor(der);
  pub.unique.rsa.buffer[100] ^= 0x01;
  EXPECT_THAT(CheckEkPublicMatchesCertificate(pub, der),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("modulus")));
}

TEST(EkMatchTest, RejectsEccEkForRsaCertificate) {
  const std::string der = ReadFixture(kNucHeaderRemoved);
  EXPECT_THAT(CheckEkPublicMatchesCertificate(EkTemplate(EkKeyType::kEccP256).publicArea, der),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("ECC")));
}

TEST(EkMatchTest, RejectsBytesThatAreNotACertificate) {
  EXPECT_THAT(CheckEkPublicMatchesCertificate(EkTemplate(EkKeyType::kRsa2048).publicArea,
                                              std::string(64, '\x30')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TemplatesTest, AkTemplateHasExactlyTheRequiredAttributes) {
  for (AkAlgorithm alg : {AkAlgorithm::kEccP256, AkAlgorithm::kRsa2048}) {
    const TPMT_PUBLIC t = AkTemplate(alg).publicArea;
    EXPECT_EQ(t.objectAttributes, kAkRequiredAttributes);
    EXPECT_EQ(t.nameAlg, TPM2_ALG_SHA256);
  }
}

TEST(TemplatesTest, LowRangeEkTemplatesNeedPolicySecretEndorsement) {
  for (EkKeyType type : {EkKeyType::kRsa2048, EkKeyType::kEccP256}) {
    const TPMT_PUBLIC t = EkTemplate(type).publicArea;
    EXPECT_EQ(t.objectAttributes, 0x000300B2u);
    EXPECT_EQ(t.authPolicy.size, 32);
    EXPECT_EQ(t.authPolicy.buffer[0], 0x83);
  }
  EXPECT_EQ(EkTemplate(EkKeyType::kEccP384).publicArea.objectAttributes, 0x000300F2u);
}

}  // namespace
}  // namespace veu::agent
