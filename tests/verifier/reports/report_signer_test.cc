#include "verifier/reports/report_signer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/digest.h"
#include "common/hex.h"
#include "tests/support/status_matchers.h"
#include "verifier/translog/signed_note.h"

namespace veu::verifier {
namespace {

using ::testing::HasSubstr;
using ::veu::testing::StatusIs;

TEST(ReportSignerTest, EcdsaSignatureVerifiesAndNamesItsKey) {
  absl::StatusOr<ReportSigner> signer = ReportSigner::GenerateEcdsaP256();
  ASSERT_OK(signer);
  absl::StatusOr<v1::ReportSignature> sig = signer->Sign("canonical bytes");
  ASSERT_OK(sig);
  EXPECT_EQ(sig->algorithm(), "ECDSA_P256_SHA256");
  EXPECT_EQ(sig->key_id(), ToHex(crypto::Sha256(signer->public_key_der())));
  EXPECT_EQ(sig->key_id().size(), 64u);

  absl::StatusOr<std::string> pem = signer->PublicKeyPem();
  ASSERT_OK(pem);
  absl::StatusOr<ReportSignatureVerifier> verifier = ReportSignatureVerifier::FromPem(*pem);
  ASSERT_OK(verifier);
  EXPECT_OK(verifier->Verify("canonical bytes", *sig));
  EXPECT_THAT(verifier->Verify("canonical bytez", *sig),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "signature does not verify over the canonical report"));
}

TEST(ReportSignerTest, Ed25519SignatureVerifies) {
  absl::StatusOr<ReportSigner> signer = ReportSigner::GenerateEd25519();
  ASSERT_OK(signer);
  absl::StatusOr<v1::ReportSignature> sig = signer->Sign("report");
  ASSERT_OK(sig);
  EXPECT_EQ(sig->algorithm(), "ED25519");
  EXPECT_EQ(sig->value().size(), 64u);
  absl::StatusOr<ReportSignatureVerifier> verifier =
      ReportSignatureVerifier::FromPublicKeyDer(signer->public_key_der());
  ASSERT_OK(verifier);
  EXPECT_OK(verifier->Verify("report", *sig));
  EXPECT_THAT(signer->SignEs256("x"), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(ReportSignerTest, AnotherKeyOrAlgorithmIsNamedInTheError) {
  absl::StatusOr<ReportSigner> a = ReportSigner::GenerateEcdsaP256();
  absl::StatusOr<ReportSigner> b = ReportSigner::GenerateEcdsaP256();
  absl::StatusOr<ReportSigner> ed = ReportSigner::GenerateEd25519();
  ASSERT_OK(a);
  ASSERT_OK(b);
  ASSERT_OK(ed);
  absl::StatusOr<ReportSignatureVerifier> verify_b =
      ReportSignatureVerifier::FromPublicKeyDer(b->public_key_der());
  ASSERT_OK(verify_b);
  absl::StatusOr<v1::ReportSignature> by_a = a->Sign("m");
  ASSERT_OK(by_a);
  EXPECT_THAT(verify_b->Verify("m", *by_a),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not the verifier key's")));
  absl::StatusOr<v1::ReportSignature> by_ed = ed->Sign("m");
  ASSERT_OK(by_ed);
  EXPECT_THAT(verify_b->Verify("m", *by_ed),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("algorithm is \"ED25519\" but the verifier key is "
                                 "ECDSA_P256_SHA256")));
  // Same key id and algorithm but a signature by another key: still refused.
  v1::ReportSignature forged = *by_a;
  forged.set_key_id(verify_b->key_id());
  EXPECT_THAT(verify_b->Verify("m", forged),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not verify")));
}

// The log's checkpoint key and the report key are one key: one PEM makes both, and the
// public key they give verifiers is the same.
TEST(ReportSignerTest, TheTransparencyLogKeyPemMakesAReportSigner) {
  absl::StatusOr<translog::NoteSigner> note = translog::NoteSigner::Generate("veu.example/log");
  ASSERT_OK(note);
  absl::StatusOr<std::string> pem = note->PrivateKeyPem();
  ASSERT_OK(pem);
  absl::StatusOr<ReportSigner> signer = ReportSigner::FromPrivateKeyPem(*pem);
  ASSERT_OK(signer);
  EXPECT_EQ(signer->public_key_der(), note->public_key_der());
  // A verifier can be pointed at the private key file; it keeps the public half.
  absl::StatusOr<ReportSignatureVerifier> verifier = ReportSignatureVerifier::FromPem(*pem);
  ASSERT_OK(verifier);
  EXPECT_EQ(verifier->public_key_der(), note->public_key_der());
}

TEST(ReportSignerTest, RefusesKeysOfOtherTypesAndGarbage) {
  EXPECT_THAT(ReportSigner::FromPrivateKeyPem("not a key"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ReportSignatureVerifier::FromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END "
                                               "PUBLIC KEY-----\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ReportSignatureVerifier::FromPublicKeyDer(std::string("\x30\x03\x02\x01\x01", 5)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ReportSignerTest, Es256RawSignatureIsRAndSAndConvertsToDer) {
  absl::StatusOr<ReportSigner> signer = ReportSigner::GenerateEcdsaP256();
  ASSERT_OK(signer);
  absl::StatusOr<std::string> raw = signer->SignEs256("header.payload");
  ASSERT_OK(raw);
  ASSERT_EQ(raw->size(), 64u);
  absl::StatusOr<ReportSignatureVerifier> verifier =
      ReportSignatureVerifier::FromPublicKeyDer(signer->public_key_der());
  ASSERT_OK(verifier);
  EXPECT_OK(verifier->VerifyEs256("header.payload", *raw));
  absl::StatusOr<std::string> der = EcdsaRawToDer(*raw);
  ASSERT_OK(der);
  EXPECT_EQ(static_cast<unsigned char>((*der)[0]), 0x30);  // SEQUENCE
  absl::StatusOr<std::string> back = EcdsaDerToRaw(*der);
  ASSERT_OK(back);
  EXPECT_EQ(*back, *raw);
  EXPECT_THAT(EcdsaRawToDer(raw->substr(1)), StatusIs(absl::StatusCode::kInvalidArgument));
  std::string flipped = *raw;
  flipped[40] = static_cast<char>(flipped[40] ^ 1);
  EXPECT_THAT(verifier->VerifyEs256("header.payload", flipped),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace veu::verifier
