#include "verifier/reports/ear_jwt.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/support/status_matchers.h"
#include "verifier/reports/json_value.h"

namespace veu::verifier {
namespace {

using ::testing::HasSubstr;
using ::veu::testing::StatusIs;

v1::SiteStatus Site() {
  v1::SiteStatus status;
  status.mutable_site()->set_name("fra1");
  status.mutable_site()->set_country("DE");
  auto* node = status.add_agents();
  node->mutable_agent()->set_agent_id("agent-1");
  node->mutable_latest()->set_verdict(v1::VERDICT_ACCEPT);
  auto* c = node->mutable_latest()->add_checks();
  c->set_check("signature.valid");
  c->set_status(v1::CHECK_PASS);
  return status;
}

std::string Unb64(const std::string& s) {
  std::string out;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(s, &out));
  return out;
}

// Checks an ES256 JWT with OpenSSL alone: r || s to an ECDSA_SIG, DER, EVP verify over the
// ASCII signing input. Independent of report_signer's conversion.
bool OpensslVerifiesEs256(const std::string& jwt, const std::string& spki_der) {
  const std::vector<std::string> parts = absl::StrSplit(jwt, '.');
  if (parts.size() != 3) return false;
  const std::string raw = Unb64(parts[2]);
  if (raw.size() != 64) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(bytes, 32, nullptr), BN_bin2bn(bytes + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  const auto* p = reinterpret_cast<const unsigned char*>(spki_der.data());
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size()));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const std::string input = absl::StrCat(parts[0], ".", parts[1]);
  const bool ok =
      key != nullptr && der_len > 0 &&
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, der, static_cast<size_t>(der_len),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  OPENSSL_free(der);
  return ok;
}

TEST(EarJwtTest, IsACompactEs256JwsOverTheCanonicalEarClaims) {
  absl::StatusOr<ReportSigner> signer = ReportSigner::GenerateEcdsaP256();
  ASSERT_OK(signer);
  absl::StatusOr<std::string> jwt = EarJwt(Site(), absl::FromUnixSeconds(1800000000), "1.2", *signer);
  ASSERT_OK(jwt);
  const std::vector<std::string> parts = absl::StrSplit(*jwt, '.');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(Unb64(parts[0]), R"({"alg":"ES256","typ":"JWT"})");
  EXPECT_EQ(jwt->find('='), std::string::npos);  // unpadded
  const std::string payload = Unb64(parts[1]);
  EXPECT_THAT(payload, HasSubstr(R"("iat":1800000000)"));
  EXPECT_THAT(payload, HasSubstr(R"("ear_status":"affirming")"));
  EXPECT_THAT(payload, HasSubstr(R"("eat_profile":"tag:ietf.org,2026:rats/ear#04")"));
  EXPECT_EQ(Unb64(parts[2]).size(), 64u);

  EXPECT_TRUE(OpensslVerifiesEs256(*jwt, signer->public_key_der()));

  absl::StatusOr<ReportSignatureVerifier> key =
      ReportSignatureVerifier::FromPublicKeyDer(signer->public_key_der());
  ASSERT_OK(key);
  absl::StatusOr<std::string> verified = VerifyEarJwt(*jwt, *key);
  ASSERT_OK(verified);
  EXPECT_EQ(*verified, payload);
}

TEST(EarJwtTest, TheSignedClaimsCarryTheRulesStatus) {
  absl::StatusOr<ReportSigner> signer = ReportSigner::GenerateEcdsaP256();
  ASSERT_OK(signer);
  v1::RegulationStatement s;
  s.set_policy_pack("veu-2025@1");
  s.mutable_regulation()->set_citation("90 FR 4544");
  s.mutable_regulation()->set_status("rescinded 2025-05, replacement pending");
  auto* basis = s.add_controls();
  basis->set_control("VEU-14.remote-access");
  basis->set_text_source(v1::SECONDARY);
  basis->set_proxy(true);
  absl::StatusOr<std::string> jwt =
      EarJwt(Site(), absl::FromUnixSeconds(1800000000), "1.2", *signer, &s);
  ASSERT_OK(jwt);
  absl::StatusOr<ReportSignatureVerifier> key =
      ReportSignatureVerifier::FromPublicKeyDer(signer->public_key_der());
  ASSERT_OK(key);
  absl::StatusOr<std::string> claims = VerifyEarJwt(*jwt, *key);
  ASSERT_OK(claims);
  EXPECT_THAT(*claims, HasSubstr(R"("status":"rescinded 2025-05, replacement pending")"));
  EXPECT_THAT(*claims, HasSubstr(R"("text_source":"SECONDARY")"));
  EXPECT_THAT(*claims, HasSubstr(R"("proxy":true)"));
}

TEST(EarJwtTest, VerifierRefusesTamperingAndOtherHeaders) {
  absl::StatusOr<ReportSigner> signer = ReportSigner::GenerateEcdsaP256();
  ASSERT_OK(signer);
  absl::StatusOr<ReportSignatureVerifier> key =
      ReportSignatureVerifier::FromPublicKeyDer(signer->public_key_der());
  ASSERT_OK(key);
  absl::StatusOr<std::string> jwt = EarJwt(Site(), absl::FromUnixSeconds(1800000000), "1.2", *signer);
  ASSERT_OK(jwt);
  std::vector<std::string> parts = absl::StrSplit(*jwt, '.');

  // A rosier claim under the old signature.
  std::string payload = Unb64(parts[1]);
  payload.replace(payload.find("affirming"), 9, "affirmin_");
  const std::string forged =
      absl::StrCat(parts[0], ".", absl::WebSafeBase64Escape(payload), ".", parts[2]);
  EXPECT_THAT(VerifyEarJwt(forged, *key),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not verify")));
  EXPECT_FALSE(OpensslVerifiesEs256(forged, signer->public_key_der()));

  // alg "none" is not ES256.
  const std::string none = absl::StrCat(absl::WebSafeBase64Escape(R"({"alg":"none","typ":"JWT"})"),
                                        ".", parts[1], ".", parts[2]);
  EXPECT_THAT(VerifyEarJwt(none, *key),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("header must be")));
  EXPECT_THAT(VerifyEarJwt(absl::StrCat(parts[0], ".", parts[1]), *key),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("three")));
  EXPECT_THAT(VerifyEarJwt(absl::StrCat(parts[0], "=.", parts[1], ".", parts[2]), *key),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base64url")));

  absl::StatusOr<ReportSigner> ed = ReportSigner::GenerateEd25519();
  ASSERT_OK(ed);
  EXPECT_THAT(EarJwt(Site(), absl::Now(), "1.2", *ed),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace veu::verifier
