// Specification of MakeCredential. The real proof is tests/interop (tpm2_activatecredential on
// swtpm); here a software ActivateCredential with the EK's private key checks every layer.
#include "common/tpm/make_credential.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <fstream>
#include <sstream>

#include "common/crypto/digest.h"
#include "common/tpm/kdf.h"
#include "common/tpm/structures.h"
#include "tests/common/tpm/quote_builder.h"
#include "tests/support/status_matchers.h"

namespace veu::tpm {
namespace {

using veu::testing::StatusIs;

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(VEU_SOURCE_DIR) + "/tests/common/tpm/testdata/swtpm/" + name,
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// An EK-shaped public area (TCG EK template L-1 / L-2 attributes) for a software key.
std::string EkPublic(EVP_PKEY* key, bool ecc) {
  TPMT_PUBLIC p{};
  p.nameAlg = crypto::kAlgSha256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
                       TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  BIGNUM* bn = nullptr;
  if (!ecc) {
    p.type = TPM2_ALG_RSA;
    p.parameters.rsaDetail.symmetric = {TPM2_ALG_AES, {128}, {TPM2_ALG_CFB}};
    p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
    p.parameters.rsaDetail.keyBits = 2048;
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &bn);
    p.unique.rsa.size = static_cast<uint16_t>(BN_bn2binpad(bn, p.unique.rsa.buffer, 256));
  } else {
    p.type = TPM2_ALG_ECC;
    p.parameters.eccDetail.symmetric = {TPM2_ALG_AES, {128}, {TPM2_ALG_CFB}};
    p.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
    p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
    p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &bn);
    p.unique.ecc.x.size = static_cast<uint16_t>(BN_bn2binpad(bn, p.unique.ecc.x.buffer, 32));
    BN_free(bn);
    bn = nullptr;
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &bn);
    p.unique.ecc.y.size = static_cast<uint16_t>(BN_bn2binpad(bn, p.unique.ecc.y.buffer, 32));
  }
  BN_free(bn);
  return *MarshalTpm2bPublic(p);
}

std::string Contents(const std::string& tpm2b) {
  EXPECT_GE(tpm2b.size(), 2u);
  const size_t size = (static_cast<uint8_t>(tpm2b[0]) << 8) | static_cast<uint8_t>(tpm2b[1]);
  EXPECT_EQ(size + 2, tpm2b.size());
  return tpm2b.substr(2);
}

// Software TPM2_ActivateCredential (Part 1 §24.6), as the test oracle.
std::string Activate(EVP_PKEY* ek, bool ecc, const std::string& ek_public,
                     const std::string& ak_name, const MadeCredential& c) {
  const std::string secret = Contents(c.encrypted_secret);
  std::string seed;
  if (!ecc) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(ek, nullptr);
    unsigned char* label = static_cast<unsigned char*>(OPENSSL_memdup("IDENTITY", 9));
    EVP_PKEY_decrypt_init(ctx);
    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING);
    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256());
    EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, 9);
    seed.resize(256);
    size_t len = seed.size();
    EXPECT_EQ(
        EVP_PKEY_decrypt(ctx, reinterpret_cast<unsigned char*>(seed.data()), &len,
                         reinterpret_cast<const unsigned char*>(secret.data()), secret.size()),
        1);
    seed.resize(len);
    EVP_PKEY_CTX_free(ctx);
  } else {
    // TPMS_ECC_POINT: x TPM2B, y TPM2B.
    EXPECT_EQ(secret.size(), 2u + 32 + 2 + 32);
    const std::string x = secret.substr(2, 32), y = secret.substr(36, 32);
    std::string point = "\x04" + x + y;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>("P-256"), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end()};
    EVP_PKEY_CTX* fctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EVP_PKEY* peer = nullptr;
    EVP_PKEY_fromdata_init(fctx);
    EXPECT_EQ(EVP_PKEY_fromdata(fctx, &peer, EVP_PKEY_PUBLIC_KEY, params), 1);
    EVP_PKEY_CTX* dctx = EVP_PKEY_CTX_new(ek, nullptr);
    EVP_PKEY_derive_init(dctx);
    EVP_PKEY_derive_set_peer(dctx, peer);
    std::string z(32, '\0');
    size_t zlen = z.size();
    EXPECT_EQ(EVP_PKEY_derive(dctx, reinterpret_cast<unsigned char*>(z.data()), &zlen), 1);
    const TPMT_PUBLIC pub = *UnmarshalTpm2bPublic(ek_public);
    const std::string ek_x(reinterpret_cast<const char*>(pub.unique.ecc.x.buffer),
                           pub.unique.ecc.x.size);
    seed = *KdfE(crypto::kAlgSha256, z, "IDENTITY", x, ek_x, 256);
    EVP_PKEY_CTX_free(dctx);
    EVP_PKEY_CTX_free(fctx);
    EVP_PKEY_free(peer);
  }
  const std::string blob = Contents(c.credential_blob);
  const std::string hmac = Contents(blob.substr(0, 34));
  const std::string enc_identity = blob.substr(34);
  const std::string hmac_key = *KdfA(crypto::kAlgSha256, seed, "INTEGRITY", "", "", 256);
  const std::string hmac_in = enc_identity + ak_name;
  unsigned char mac[32];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), hmac_key.data(), 32, reinterpret_cast<const unsigned char*>(hmac_in.data()),
       hmac_in.size(), mac, &mac_len);
  if (std::string(reinterpret_cast<char*>(mac), mac_len) != hmac) return "<integrity failure>";
  const std::string key = *KdfA(crypto::kAlgSha256, seed, "STORAGE", ak_name, "", 128);
  std::string plain(enc_identity.size(), '\0');
  const unsigned char iv[16] = {0};
  EVP_CIPHER_CTX* cctx = EVP_CIPHER_CTX_new();
  int len = 0;
  EVP_DecryptInit_ex(cctx, EVP_aes_128_cfb128(), nullptr,
                     reinterpret_cast<const unsigned char*>(key.data()), iv);
  EVP_DecryptUpdate(cctx, reinterpret_cast<unsigned char*>(plain.data()), &len,
                    reinterpret_cast<const unsigned char*>(enc_identity.data()),
                    static_cast<int>(enc_identity.size()));
  EVP_CIPHER_CTX_free(cctx);
  return Contents(plain);
}

class MakeCredentialRoundTrip : public ::testing::TestWithParam<bool> {};

TEST_P(MakeCredentialRoundTrip, OnlyTheEkHolderRecoversTheSecretForTheNamedAk) {
  const bool ecc = GetParam();
  EVP_PKEY* ek = ecc ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                     : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
  ASSERT_NE(ek, nullptr);
  const std::string ek_public = EkPublic(ek, ecc);
  const std::string ak_name = testing::TestAk::Make(testing::TestAk::kEccP256).Name();
  const std::string secret = "0123456789abcdef0123456789abcdef";
  auto made = MakeCredential(ek_public, ak_name, secret);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(Activate(ek, ecc, ek_public, ak_name, *made), secret);
  // Bound to the AK's Name: activating for another key fails the integrity check.
  const std::string other = testing::TestAk::Make(testing::TestAk::kEccP384).Name();
  EXPECT_EQ(Activate(ek, ecc, ek_public, other, *made), "<integrity failure>");
  EVP_PKEY_free(ek);
}

INSTANTIATE_TEST_SUITE_P(EkTypes, MakeCredentialRoundTrip, ::testing::Values(false, true),
                         [](const auto& param_info) { return param_info.param ? "Ecc" : "Rsa"; });

TEST(MakeCredential, EmitsTpm2bFormsForRealSwtpmEks) {
  const std::string name = ReadTestdata("ak_ecc.name");
  auto rsa = MakeCredential(ReadTestdata("ek_rsa.pub"), name, "sixteen byte key");
  ASSERT_TRUE(rsa.ok()) << rsa.status();
  EXPECT_EQ(rsa->encrypted_secret.size(), 2u + 256);
  EXPECT_EQ(rsa->credential_blob.size(), 2u + 2 + 32 + 2 + 16);
  EXPECT_EQ(rsa->credential_blob.substr(0, 4), std::string("\x00\x34\x00\x20", 4));
  auto ecc = MakeCredential(ReadTestdata("ek_ecc.pub"), name, "sixteen byte key");
  ASSERT_TRUE(ecc.ok()) << ecc.status();
  EXPECT_EQ(ecc->encrypted_secret.size(), 2u + 2 + 32 + 2 + 32);
}

TEST(MakeCredential, RefusesSecretLongerThanEkNameAlgDigest) {
  EXPECT_THAT(
      MakeCredential(ReadTestdata("ek_rsa.pub"), ReadTestdata("ak_ecc.name"), std::string(33, 'x')),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeCredential(ReadTestdata("ek_rsa.pub"), ReadTestdata("ak_ecc.name"), ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MakeCredential, RefusesKeyThatIsNotARestrictedDecryptionKey) {
  // An AK (restricted signing key) is not a storage key: no symmetric algorithm to use.
  EXPECT_THAT(MakeCredential(ReadTestdata("ak_rsa.pub"), ReadTestdata("ak_ecc.name"), "secret"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("EK")));
}

TEST(KdfA, MatchesTpmSpecificationStructure) {
  // Independent HMAC computation of block 1 for a 256-bit output.
  const std::string key = "key", label = "STORAGE", u = "U", v = "V";
  std::string msg = std::string("\x00\x00\x00\x01", 4) + label + '\0' + u + v +
                    std::string("\x00\x00\x01\x00", 4);
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), 3, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
       mac, &len);
  EXPECT_EQ(*KdfA(crypto::kAlgSha256, key, label, u, v, 256),
            std::string(reinterpret_cast<char*>(mac), 32));
  EXPECT_EQ(KdfA(crypto::kAlgSha256, key, label, u, v, 128)->size(), 16u);
  EXPECT_FALSE(KdfA(crypto::kAlgSha256, key, label, u, v, 7).ok());
}

}  // namespace
}  // namespace veu::tpm
