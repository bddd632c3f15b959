// ParseEkCertificate on what real TPMs store (fixtures from HIRS and Keylime) and on broken input.
#include "common/x509/ek_certificate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>

#include "common/crypto/digest.h"
#include "common/hex.h"
#include "common/x509/der.h"
#include "tests/common/x509/test_files.h"
#include "tests/common/x509/test_pki.h"
#include "tests/support/status_matchers.h"

namespace veu::x509 {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using testing::kEkFixtures;
using testing::ReadFileOrDie;
using ::veu::testing::StatusIs;

std::string Leaf(const std::string& name) { return ReadFileOrDie(kEkFixtures + "/leaves/" + name); }

TEST(ParseEkCertificate, StripsTheTcgStorageHeaderOfARawNvRead) {
  absl::StatusOr<EkCertificate> raw = ParseEkCertificate(Leaf("hirs/nuc-1_ek_cert_untouched.cer"));
  absl::StatusOr<EkCertificate> stripped =
      ParseEkCertificate(Leaf("hirs/nuc-1_ek_cert_7_byte_header_removed.cer"));
  ASSERT_OK(raw);
  ASSERT_OK(stripped);
  EXPECT_EQ(raw->der(), stripped->der());
  EXPECT_EQ(raw->der(), Leaf("hirs/nuc-1_ek_cert_7_byte_header_removed.cer"));
  EXPECT_THAT(raw->notes(), Contains(HasSubstr("7-byte TCG storage header")));
}

TEST(ParseEkCertificate, CutsPaddingAfterTheDerAndSaysSo) {
  absl::StatusOr<EkCertificate> padded =
      ParseEkCertificate(Leaf("hirs/ek_cert_with_padded_bytes.cer"));
  ASSERT_OK(padded);
  EXPECT_EQ(padded->der().size(), 908u);
  EXPECT_THAT(padded->notes(), Contains(HasSubstr("192 bytes of 0x11")));

  absl::StatusOr<EkCertificate> ff = ParseEkCertificate(Leaf("keylime/st_sha256_with_rsa.der"));
  ASSERT_OK(ff);
  EXPECT_EQ(ff->der().size(), 1169u);
  EXPECT_THAT(ff->notes(), Contains(HasSubstr("431 bytes of 0xff")));
}

TEST(ParseEkCertificate, ReadsPemAndExposesTheTpmIdentityFromTheSan) {
  absl::StatusOr<EkCertificate> cert = ParseEkCertificate(Leaf("hirs/nuc-1_tpmcert.pem"));
  ASSERT_OK(cert);
  EXPECT_EQ(cert->subject(), "");
  EXPECT_EQ(cert->issuer(), "CN=STM TPM EK Intermediate CA 02,O=STMicroelectronics NV,C=CH");
  ASSERT_TRUE(cert->tpm_identity().has_value());
  EXPECT_EQ(cert->tpm_identity()->manufacturer, "id:53544D20");
  EXPECT_EQ(cert->tpm_identity()->model, "ST33ZP24PVSP");
  EXPECT_EQ(cert->tpm_identity()->version, "id:0D0C");
}

TEST(ParseEkCertificate, ReadsTpmIdentityFromAMultiValuedRdn) {
  absl::StatusOr<EkCertificate> cert =
      ParseEkCertificate(Leaf("hirs/ek_cert_with_padded_bytes.cer"));
  ASSERT_OK(cert);
  ASSERT_TRUE(cert->tpm_identity().has_value());
  EXPECT_EQ(cert->tpm_identity()->manufacturer, "id:4E544300");
  EXPECT_EQ(cert->tpm_identity()->model, "NPCT6xx");
  EXPECT_EQ(cert->tpm_identity()->version, "id:0581");
}

TEST(ParseEkCertificate, LoadsTpm12RsaesOaepKeysAsPlainRsa) {
  absl::StatusOr<EkCertificate> cert =
      ParseEkCertificate(Leaf("hirs/ek_cert_with_security_assertions.cer"));
  ASSERT_OK(cert);
  ASSERT_NE(cert->public_key(), nullptr) << cert->public_key_error();
  EXPECT_EQ(EVP_PKEY_get_base_id(cert->public_key()), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(cert->public_key()), 2048);
  // The fingerprint is of the canonical rsaEncryption SPKI, not of the rsaesOaep bytes, so
  // it matches a key derived from the TPM's EK public area.
  unsigned char* buf = nullptr;
  const int n = i2d_PUBKEY(cert->public_key(), &buf);
  ASSERT_GT(n, 0);
  EXPECT_EQ(cert->spki_sha256(), crypto::Sha256(std::string(reinterpret_cast<char*>(buf), n)));
  EXPECT_NE(cert->spki_sha256(), crypto::Sha256(cert->spki_der()));
  OPENSSL_free(buf);
  EXPECT_THAT(cert->notes(), Contains(HasSubstr("rsaesOaep")));
}

TEST(ParseEkCertificate, FingerprintOfAnOrdinaryKeyIsTheHashOfItsSpki) {
  absl::StatusOr<EkCertificate> cert = ParseEkCertificate(Leaf("keylime/st_ecdsa_sha256.der"));
  ASSERT_OK(cert);
  EXPECT_EQ(cert->spki_sha256(), crypto::Sha256(cert->spki_der()));
  EXPECT_EQ(EVP_PKEY_get_base_id(cert->public_key()), EVP_PKEY_EC);
}

TEST(ParseCertificateFile, RepairsANonMinimalSerialThatOpenSslRefuses) {
  absl::StatusOr<std::vector<Certificate>> certs =
      ParseCertificateFile(ReadFileOrDie(kEkFixtures + "/roots/hirs-misc/stmtpmekint02.pem"));
  ASSERT_OK(certs);
  ASSERT_EQ(certs->size(), 1u);
  const Certificate& c = (*certs)[0];
  EXPECT_EQ(c.serial_hex(), "05");
  EXPECT_EQ(c.subject(), "CN=STM TPM EK Intermediate CA 02,O=STMicroelectronics NV,C=CH");
  EXPECT_THAT(c.notes(), Contains(HasSubstr("serial number is not minimal DER")));
  // The original bytes are kept: the 4-byte serial 00 00 00 05 is still there.
  EXPECT_NE(c.der().find(std::string("\x02\x04\x00\x00\x00\x05", 6)), std::string::npos);
}

TEST(ParseCertificateFile, IgnoresATrailingNewlineAfterDer) {
  testing::TestPki pki = testing::MakePki();
  absl::StatusOr<std::vector<Certificate>> certs = ParseCertificateFile(pki.root + "\n");
  ASSERT_OK(certs);
  ASSERT_EQ(certs->size(), 1u);
  EXPECT_EQ((*certs)[0].der(), pki.root);
  EXPECT_THAT((*certs)[0].notes(), Contains(HasSubstr("ignored 1 bytes")));
}

TEST(ParseCertificateFile, ReadsEveryCertificateOfAPemBundle) {
  testing::TestPki pki = testing::MakePki();
  absl::StatusOr<std::vector<Certificate>> certs =
      ParseCertificateFile(testing::ToPem(pki.root) + "\n" + testing::ToPem(pki.intermediate));
  ASSERT_OK(certs);
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_EQ((*certs)[0].der(), pki.root);
  EXPECT_EQ((*certs)[1].der(), pki.intermediate);
}

TEST(ParseEkCertificate, RejectsEmptyAndGarbageInputAsMalformed) {
  EXPECT_THAT(ParseEkCertificate(""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("EK_CERT_MALFORMED")));
  EXPECT_THAT(ParseEkCertificate("hello, I am not a certificate"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a SEQUENCE")));
  EXPECT_THAT(ParseEkCertificate("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("EK_CERT_MALFORMED")));
  EXPECT_THAT(ParseEkCertificate(std::string("\x30\x80\x00\x00", 4)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("indefinite length")));
  EXPECT_THAT(ParseEkCertificate(std::string("\x30\x03\x02\x01\x01", 5)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("EK_CERT_MALFORMED")));
}

TEST(ParseEkCertificate, RejectsEveryTruncationAsMalformedWithoutCrashing) {
  const std::string der = Leaf("hirs/nuc-1_ek_cert_7_byte_header_removed.cer");
  for (size_t len = 0; len < der.size(); len += (len < 64 ? 1 : 37)) {
    EXPECT_THAT(ParseEkCertificate(der.substr(0, len)),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("EK_CERT_MALFORMED")))
        << "prefix of " << len << " bytes";
  }
  const std::string raw = Leaf("hirs/nuc-1_ek_cert_untouched.cer");
  for (size_t len : {size_t{3}, size_t{6}, size_t{7}, size_t{100}, raw.size() - 1}) {
    EXPECT_THAT(ParseEkCertificate(raw.substr(0, len)),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("EK_CERT_MALFORMED")))
        << "NV blob cut to " << len << " bytes";
  }
}

TEST(ParseEkCertificate, RefusesInputLargerThanAnyNvIndexBeforeParsing) {
  std::string big = Leaf("keylime/st_ecdsa_sha256.der");
  big.resize(kMaxStoredEkCertificateBytes + 1, '\0');
  EXPECT_THAT(ParseEkCertificate(big),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 65536")));
}

TEST(ParseEkCertificate, RejectsATcgHeaderWithAnUnknownCertType) {
  std::string raw = Leaf("hirs/nuc-1_ek_cert_untouched.cer");
  raw[2] = 1;
  EXPECT_THAT(ParseEkCertificate(raw),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("certType 1")));
}

TEST(ParseEkCertificate, SurvivesRandomByteFlipsInEveryPosition) {
  const std::string der = Leaf("keylime/st_ecdsa_sha256.der");
  for (size_t i = 0; i < der.size(); i += 3) {
    std::string broken = der;
    broken[i] = static_cast<char>(broken[i] ^ 0x5a);
    absl::StatusOr<EkCertificate> cert = ParseEkCertificate(broken);
    if (!cert.ok()) {
      EXPECT_THAT(cert.status().message(), HasSubstr("EK_CERT_MALFORMED")) << "flip at " << i;
    }
  }
}

// ReadTlv's result views its input: a temporary string is refused at compile time (the test
// below used to pass one and read a dead stack buffer: ASan stack-use-after-scope, issue 17).
template <typename S>
constexpr bool kReadTlvAcceptsArgument = requires(S&& s) { ReadTlv(std::forward<S>(s)); };
template <typename S>
constexpr bool kReadChildrenAcceptsArgument = requires(S&& s) { ReadChildren(std::forward<S>(s)); };
static_assert(!kReadTlvAcceptsArgument<std::string>);
static_assert(kReadTlvAcceptsArgument<const std::string&>);
static_assert(kReadTlvAcceptsArgument<std::string_view>);
static_assert(!kReadChildrenAcceptsArgument<std::string>);
static_assert(kReadChildrenAcceptsArgument<std::string_view>);

TEST(Der, ReadTlvNamesTheOffsetOfATruncatedElement) {
  const std::string truncated("\x30\x05\x02\x01", 4);
  EXPECT_THAT(ReadTlv(truncated), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("byte 0")));
  const std::string long_form("\x30\x81\x01\x05", 4);
  absl::StatusOr<Tlv> ok = ReadTlv(long_form);
  ASSERT_OK(ok);
  EXPECT_FALSE(ok->minimal_length);
  EXPECT_EQ(ok->value, "\x05");
}

}  // namespace
}  // namespace veu::x509
