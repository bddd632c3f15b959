// Specification of CheckAkPublic: only a TPM-resident restricted signing key is an AK.
#include "common/tpm/ak_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "tests/common/tpm/quote_builder.h"

namespace veu::tpm {
namespace {

using testing::TestAk;

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(VEU_SOURCE_DIR) + "/tests/common/tpm/testdata/swtpm/" + name,
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const CheckResult* Failed(const std::vector<CheckResult>& checks) { return FirstFailure(checks); }

TEST(CheckAkPublic, AcceptsAksMadeByTpm2CreateakOnSwtpm) {
  for (const char* kind : {"ecc", "rsa"}) {
    auto checks = CheckAkPublic(ReadTestdata(std::string("ak_") + kind + ".pub"),
                                ReadTestdata(std::string("ak_") + kind + ".name"));
    EXPECT_TRUE(AllPassed(checks)) << kind << ": " << Failed(checks)->detail;
  }
}

TEST(CheckAkPublic, AcceptsSoftwareAkOfEveryKind) {
  for (auto kind : {TestAk::kRsa2048, TestAk::kEccP256, TestAk::kEccP384}) {
    TestAk ak = TestAk::Make(kind);
    EXPECT_TRUE(AllPassed(CheckAkPublic(ak.Tpm2bPublic(), ak.Name())));
  }
}

struct AttributeCase {
  const char* name;
  TPMA_OBJECT clear;
  TPMA_OBJECT set;
};

class CheckAkAttributes : public ::testing::TestWithParam<AttributeCase> {};

// Keylime once accepted AKs without checking these attributes; a key that is not restricted,
// or not fixedTPM, can sign forged quotes or live outside the TPM.
TEST_P(CheckAkAttributes, RefusesAkWithWrongAttributeNamingIt) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  ak.tpm_public.objectAttributes &= ~GetParam().clear;
  ak.tpm_public.objectAttributes |= GetParam().set;
  auto checks = CheckAkPublic(ak.Tpm2bPublic(), ak.Name());  // name matches the edited area
  const CheckResult* f = Failed(checks);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->id, kCheckAkAttributes);
  EXPECT_EQ(f->reason, veu::v1::AK_ATTRIBUTES_INVALID);
  EXPECT_THAT(f->detail, ::testing::HasSubstr(GetParam().name));
}

INSTANTIATE_TEST_SUITE_P(Attributes, CheckAkAttributes,
                         ::testing::Values(AttributeCase{"restricted", TPMA_OBJECT_RESTRICTED, 0},
                                           AttributeCase{"sign", TPMA_OBJECT_SIGN_ENCRYPT, 0},
                                           AttributeCase{"fixedTPM", TPMA_OBJECT_FIXEDTPM, 0},
                                           AttributeCase{"fixedParent", TPMA_OBJECT_FIXEDPARENT, 0},
                                           AttributeCase{"sensitiveDataOrigin",
                                                         TPMA_OBJECT_SENSITIVEDATAORIGIN, 0},
                                           AttributeCase{"decrypt", 0, TPMA_OBJECT_DECRYPT}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(CheckAkPublic, RefusesClaimedNameOfAnotherKey) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  TestAk other = TestAk::Make(TestAk::kEccP384);
  auto checks = CheckAkPublic(ak.Tpm2bPublic(), other.Name());
  ASSERT_NE(Failed(checks), nullptr);
  EXPECT_EQ(Failed(checks)->reason, veu::v1::AK_NAME_MISMATCH);
}

TEST(CheckAkPublic, RefusesNameComputedBeforeAttributesWereChanged) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  const std::string name = ak.Name();
  ak.tpm_public.objectAttributes |= TPMA_OBJECT_NODA;  // harmless attribute, different Name
  auto checks = CheckAkPublic(ak.Tpm2bPublic(), name);
  ASSERT_NE(Failed(checks), nullptr);
  EXPECT_EQ(Failed(checks)->id, kCheckAkName);
  EXPECT_EQ(Failed(checks)->reason, veu::v1::AK_NAME_MISMATCH);
}

TEST(CheckAkPublic, RefusesSha1NameAlg) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  ak.tpm_public.nameAlg = crypto::kAlgSha1;
  auto checks = CheckAkPublic(ak.Tpm2bPublic(), ak.Name());
  ASSERT_NE(Failed(checks), nullptr);
  EXPECT_EQ(Failed(checks)->reason, veu::v1::AK_ALGORITHM_REFUSED);
}

TEST(CheckAkPublic, RefusesEccAkWithoutEcdsaScheme) {
  TestAk ak = TestAk::Make(TestAk::kEccP256, TPM2_ALG_ECSCHNORR);
  auto checks = CheckAkPublic(ak.Tpm2bPublic(), ak.Name());
  ASSERT_NE(Failed(checks), nullptr);
  EXPECT_EQ(Failed(checks)->reason, veu::v1::AK_ALGORITHM_REFUSED);
}

TEST(CheckAkPublic, ReportsMalformedForEveryTruncation) {
  TestAk ak = TestAk::Make(TestAk::kRsa2048);
  const std::string pub = ak.Tpm2bPublic();
  for (size_t len = 0; len < pub.size(); ++len) {
    auto checks = CheckAkPublic(pub.substr(0, len), ak.Name());
    ASSERT_EQ(checks.size(), 4u);
    ASSERT_EQ(checks[0].reason, veu::v1::AK_PUBLIC_MALFORMED) << len;
    ASSERT_EQ(checks[3].status, CheckStatus::kSkipped);
  }
  EXPECT_EQ(CheckAkPublic(pub + "x", ak.Name())[0].reason, veu::v1::AK_PUBLIC_MALFORMED);
}

TEST(LoadAkPublic, LoadsPemDerAndTpm2bPublicAlike) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  auto from_pem = LoadAkPublic(ak.Pem());
  auto from_tpm = LoadAkPublic(ak.Tpm2bPublic());
  ASSERT_TRUE(from_pem.ok()) << from_pem.status();
  ASSERT_TRUE(from_tpm.ok()) << from_tpm.status();
  EXPECT_EQ(EVP_PKEY_eq(from_pem->key.get(), from_tpm->key.get()), 1);
  EXPECT_FALSE(from_pem->tpm_public.has_value());
  EXPECT_TRUE(from_tpm->tpm_public.has_value());
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(ak.key(), &der);
  auto from_der = LoadAkPublic(std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len)));
  OPENSSL_free(der);
  ASSERT_TRUE(from_der.ok()) << from_der.status();
  EXPECT_EQ(EVP_PKEY_eq(from_der->key.get(), from_tpm->key.get()), 1);
}

TEST(LoadAkPublic, TpmPublicAreaAndPemFromSwtpmAreTheSameKey) {
  for (const char* kind : {"ecc", "rsa"}) {
    auto pem = LoadAkPublic(ReadTestdata(std::string("ak_") + kind + ".pem"));
    auto tpm = LoadAkPublic(ReadTestdata(std::string("ak_") + kind + ".pub"));
    ASSERT_TRUE(pem.ok() && tpm.ok()) << kind;
    EXPECT_EQ(EVP_PKEY_eq(pem->key.get(), tpm->key.get()), 1) << kind;
  }
}

TEST(LoadAkPublic, RejectsGarbageSayingWhatItTried) {
  auto r = LoadAkPublic("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n");
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("PEM"));
  auto t = LoadAkPublic(std::string("\x00\x05hello", 7));
  EXPECT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), ::testing::HasSubstr("TPM2B_PUBLIC"));
}

}  // namespace
}  // namespace veu::tpm
