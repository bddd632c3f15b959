// SoftwareTpm answers the verifier's checks exactly as a TPM does: its quotes pass VerifyQuote,
// its AK passes the enrolment AK checks, and ActivateCredential recovers what the verifier's
// MakeCredential wrapped — for this AK only.
#include "agent/tpm/software_tpm.h"

#include <gtest/gtest.h>

#include "common/crypto/digest.h"
#include "common/tpm/ak_checks.h"
#include "common/tpm/make_credential.h"
#include "common/tpm/quote.h"
#include "tests/support/status_matchers.h"

namespace veu::agent {
namespace {

class SoftwareTpmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<SoftwareEkCa> ca = SoftwareEkCa::Create("test CA");
    ASSERT_OK(ca);
    ca_ = *std::move(ca);
    absl::StatusOr<std::unique_ptr<SoftwareTpm>> t = SoftwareTpm::Create(ca_, 7);
    ASSERT_OK(t);
    tpm_ = *std::move(t);
  }
  static veu::v1::PcrSelection Sha256(std::initializer_list<uint32_t> pcrs) {
    veu::v1::PcrSelection s;
    s.set_hash_alg(crypto::kAlgSha256);
    for (uint32_t p : pcrs) s.add_pcrs(p);
    return s;
  }
  SoftwareEkCa ca_;
  std::unique_ptr<SoftwareTpm> tpm_;
};

TEST_F(SoftwareTpmTest, AkPassesTheEnrolmentChecks) {
  absl::StatusOr<AkIdentity> ak = tpm_->Ak();
  ASSERT_OK(ak);
  for (const tpm::CheckResult& c : tpm::CheckAkPublic(ak->public_area, ak->name)) {
    EXPECT_EQ(c.status, tpm::CheckStatus::kPass) << c.id << ": " << c.detail;
  }
}

TEST_F(SoftwareTpmTest, QuoteVerifiesUnderItsAkWithTheExtendedPcrs) {
  const std::string digest = crypto::Sha256("event");
  ASSERT_OK(tpm_->ExtendPcr(0, {{crypto::kAlgSha256, digest}}));
  absl::StatusOr<veu::v1::Quote> quote = tpm_->Quote("nonce-and-facts", Sha256({0, 7}));
  ASSERT_OK(quote);
  ASSERT_EQ(quote->pcr_values_size(), 2);
  EXPECT_EQ(quote->pcr_values(0).digest(), crypto::Sha256(std::string(32, '\0') + digest));
  absl::StatusOr<AkIdentity> ak = tpm_->Ak();
  ASSERT_OK(ak);
  absl::StatusOr<tpm::AkPublicKey> key = tpm::LoadAkPublic(ak->public_area);
  ASSERT_OK(key);
  tpm::QuoteExpectations expect;
  expect.qualifying_data = "nonce-and-facts";
  expect.pcr_selection = {Sha256({0, 7})};
  tpm::QuoteReport report = tpm::VerifyQuote(*key, tpm::QuoteEvidence::FromProto(*quote), expect);
  for (const tpm::CheckResult& c : report.checks) {
    EXPECT_EQ(c.status, tpm::CheckStatus::kPass) << c.id << ": " << c.detail;
  }
  EXPECT_TRUE(report.accepted());
}

TEST_F(SoftwareTpmTest, QuoteWithOtherQualifyingDataFailsVerification) {
  absl::StatusOr<veu::v1::Quote> quote = tpm_->Quote("one", Sha256({0}));
  ASSERT_OK(quote);
  absl::StatusOr<tpm::AkPublicKey> key = tpm::LoadAkPublic(tpm_->Ak()->public_area);
  ASSERT_OK(key);
  tpm::QuoteExpectations expect;
  expect.qualifying_data = "another";
  expect.pcr_selection = {Sha256({0})};
  EXPECT_FALSE(tpm::VerifyQuote(*key, tpm::QuoteEvidence::FromProto(*quote), expect).accepted());
}

TEST_F(SoftwareTpmTest, ActivateCredentialRecoversTheSecretMadeForItsAk) {
  absl::StatusOr<std::string> ek = tpm_->EkPublic();
  ASSERT_OK(ek);
  absl::StatusOr<tpm::MadeCredential> made =
      tpm::MakeCredential(*ek, tpm_->Ak()->name, "sixteen byte sec");
  ASSERT_OK(made);
  absl::StatusOr<std::string> secret =
      tpm_->ActivateCredential(made->credential_blob, made->encrypted_secret);
  ASSERT_OK(secret);
  EXPECT_EQ(*secret, "sixteen byte sec");
}

TEST_F(SoftwareTpmTest, ActivateCredentialRefusesACredentialForAnotherAk) {
  absl::StatusOr<std::unique_ptr<SoftwareTpm>> other = SoftwareTpm::Create(ca_, 8);
  ASSERT_OK(other);
  absl::StatusOr<tpm::MadeCredential> made =
      tpm::MakeCredential(*tpm_->EkPublic(), (*other)->Ak()->name, "secret");
  ASSERT_OK(made);
  absl::StatusOr<std::string> secret =
      tpm_->ActivateCredential(made->credential_blob, made->encrypted_secret);
  EXPECT_EQ(secret.status().code(), absl::StatusCode::kFailedPrecondition) << secret.status();
}

TEST_F(SoftwareTpmTest, ActivateCredentialRejectsTruncatedBlobs) {
  absl::StatusOr<tpm::MadeCredential> made =
      tpm::MakeCredential(*tpm_->EkPublic(), tpm_->Ak()->name, "secret");
  ASSERT_OK(made);
  for (size_t cut : {size_t{0}, size_t{1}, made->credential_blob.size() / 2}) {
    EXPECT_EQ(tpm_->ActivateCredential(made->credential_blob.substr(0, cut), made->encrypted_secret)
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(tpm_->ActivateCredential(made->credential_blob, made->encrypted_secret.substr(0, 5))
                   .ok());
}

}  // namespace
}  // namespace veu::agent
