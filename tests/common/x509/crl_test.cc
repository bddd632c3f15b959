// EK certificate revocation: CrlSet admits only CRLs a trusted CA signed, and VerifyEkChain
// rejects a chain certificate its issuer listed, with certificates and CRLs made at test time.
#include "common/x509/crl_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "common/x509/ek_chain.h"
#include "common/x509/trust_store_dir.h"
#include "tests/common/x509/test_files.h"
#include "tests/common/x509/test_pki.h"
#include "tests/support/status_matchers.h"

// Designated initialisers leave the other fields at their defaults on purpose; GCC 12 warns.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace veu::x509 {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::CrlSpec;
using testing::MakeCrl;
using testing::MakePki;
using testing::TestPki;

// The names MakePki gives its CAs.
std::vector<testing::CertSpec::Rdn> RootName(const std::string& prefix = "Test") {
  return {{"O", prefix + " TPM Vendor"}, {"CN", prefix + " EK Root CA"}};
}
std::vector<testing::CertSpec::Rdn> IntermediateName(const std::string& prefix = "Test") {
  return {{"O", prefix + " TPM Vendor"}, {"CN", prefix + " EK Intermediate CA"}};
}

TrustStore StoreOf(const std::vector<TrustStore::SourceFile>& files) {
  absl::StatusOr<TrustStore> store = TrustStore::FromFiles(files);
  if (!store.ok()) throw std::runtime_error(std::string(store.status().message()));
  return *std::move(store);
}

TrustStore StoreOf(const TestPki& pki) {
  return StoreOf({{"root.der", pki.root}, {"intermediate.der", pki.intermediate}});
}

EkCertificate Leaf(const TestPki& pki) {
  absl::StatusOr<EkCertificate> cert = ParseEkCertificate(pki.leaf);
  if (!cert.ok()) throw std::runtime_error(std::string(cert.status().message()));
  return *std::move(cert);
}

ChainResult Verify(const TestPki& pki, const TrustStore& store, const CrlSet& crls) {
  return VerifyEkChain(Leaf(pki), store, absl::Now(), {.crls = &crls});
}

// A CRL of the intermediate (the leaf's issuer) listing `serials`.
std::string IntermediateCrl(const TestPki& pki, std::vector<long> serials) {
  return MakeCrl({.issuer = IntermediateName(),
                  .signer_key = pki.intermediate_key,
                  .revoked_serials = std::move(serials),
                  .reason = 1});
}

TEST(EkRevocation, RevokedLeafIsRejectedNamingCertificateSerialDateAndCrl) {
  const TestPki pki = MakePki();
  const TrustStore store = StoreOf(pki);
  const CrlSet crls = CrlSet::FromFiles({{"crls/test.crl", IntermediateCrl(pki, {7, 3})}}, store);
  ASSERT_EQ(crls.crls().size(), 1u) << ::testing::PrintToString(crls.skipped());
  const ChainResult r = Verify(pki, store, crls);
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, veu::v1::EK_CERT_REVOKED);
  const std::string year = absl::FormatTime("%Y", absl::Now() - absl::Hours(24),
                                            absl::UTCTimeZone());
  EXPECT_THAT(r.detail, AllOf(HasSubstr("EK certificate"), HasSubstr("serial 0x03"),
                              HasSubstr("revoked on " + year), HasSubstr("keyCompromise"),
                              HasSubstr("Test EK Intermediate CA"), HasSubstr("crls/test.crl")));
  ASSERT_EQ(r.chain.size(), 3u);
  EXPECT_THAT(r.chain[0].crls, ElementsAre("crls/test.crl"));
}

TEST(EkRevocation, RevokedIntermediateIsRejectedByTheRootsCrl) {
  const TestPki pki = MakePki();
  const TrustStore store = StoreOf(pki);
  const CrlSet crls = CrlSet::FromFiles(
      {{"root.crl",
        MakeCrl({.issuer = RootName(), .signer_key = pki.root_key, .revoked_serials = {2}})}},
      store);
  const ChainResult r = Verify(pki, store, crls);
  EXPECT_EQ(r.reason, veu::v1::EK_CERT_REVOKED);
  EXPECT_THAT(r.detail, AllOf(HasSubstr("Test EK Intermediate CA,O=Test TPM Vendor' (intermediate"),
                              HasSubstr("serial 0x02"),
                              HasSubstr("root.crl")));
}

TEST(EkRevocation, LeafNotListedStillPassesAndSaysWhichCrlWasChecked) {
  const TestPki pki = MakePki();
  const TrustStore store = StoreOf(pki);
  const CrlSet crls = CrlSet::FromFiles({{"test.crl", IntermediateCrl(pki, {99})}}, store);
  const ChainResult r = Verify(pki, store, crls);
  EXPECT_TRUE(r.accepted) << r.detail;
  ASSERT_EQ(r.chain.size(), 3u);
  EXPECT_THAT(r.chain[0].crls, ElementsAre("test.crl"));
  EXPECT_THAT(r.chain[1].crls, IsEmpty());  // the root published none
  EXPECT_THAT(r.warnings, Not(Contains(HasSubstr("CRL"))));
}

TEST(EkRevocation, CrlSignedByAnotherKeyIsSkippedAndRevokesNothing) {
  const TestPki pki = MakePki();
  const TrustStore store = StoreOf(pki);
  const std::string forged = MakeCrl(
      {.issuer = IntermediateName(), .signer_key = testing::NewKey(), .revoked_serials = {3}});
  const CrlSet crls = CrlSet::FromFiles({{"forged.crl", forged}}, store);
  EXPECT_THAT(crls.crls(), IsEmpty());
  EXPECT_THAT(crls.skipped(),
              ElementsAre(AllOf(HasSubstr("forged.crl"), HasSubstr("signature does not verify"))));
  const ChainResult r = Verify(pki, store, crls);
  EXPECT_TRUE(r.accepted) << r.detail;
  EXPECT_THAT(r.chain[0].crls, IsEmpty());
}

TEST(EkRevocation, CrlOfAnotherIssuerListingTheSameSerialDoesNotRevoke) {
  const TestPki pki = MakePki();
  const TestPki other = MakePki("Other");
  const TrustStore store = StoreOf({{"root.der", pki.root},
                                    {"intermediate.der", pki.intermediate},
                                    {"other-root.der", other.root},
                                    {"other-intermediate.der", other.intermediate}});
  const CrlSet crls = CrlSet::FromFiles(
      {{"other.crl", MakeCrl({.issuer = IntermediateName("Other"),
                              .signer_key = other.intermediate_key,
                              .revoked_serials = {3}})}},
      store);
  ASSERT_EQ(crls.crls().size(), 1u);  // a valid CRL, just not of this leaf's issuer
  const ChainResult r = Verify(pki, store, crls);
  EXPECT_TRUE(r.accepted) << r.detail;
  EXPECT_THAT(r.chain[0].crls, IsEmpty());
  EXPECT_EQ(Verify(other, store, crls).reason, veu::v1::EK_CERT_REVOKED);
}

TEST(EkRevocation, CrlOfAnotherCaOfTheSameNameDoesNotRevoke) {
  const TestPki pki = MakePki();
  const TestPki twin = MakePki();  // same names, other keys
  const TrustStore store = StoreOf({{"root.der", pki.root},
                                    {"intermediate.der", pki.intermediate},
                                    {"twin-root.der", twin.root},
                                    {"twin-intermediate.der", twin.intermediate}});
  const CrlSet crls = CrlSet::FromFiles({{"twin.crl", IntermediateCrl(twin, {3})}}, store);
  ASSERT_EQ(crls.crls().size(), 1u);
  EXPECT_TRUE(Verify(pki, store, crls).accepted);
  EXPECT_EQ(Verify(twin, store, crls).reason, veu::v1::EK_CERT_REVOKED);
}

TEST(EkRevocation, CrlOfACaNotInTheStoreIsSkipped) {
  const TestPki pki = MakePki();
  const TestPki other = MakePki("Other");
  const CrlSet crls = CrlSet::FromFiles(
      {{"other.crl", MakeCrl({.issuer = IntermediateName("Other"),
                              .signer_key = other.intermediate_key,
                              .revoked_serials = {3}})}},
      StoreOf(pki));
  EXPECT_THAT(crls.crls(), IsEmpty());
  EXPECT_THAT(crls.skipped(), ElementsAre(HasSubstr("is not a CA certificate in the EK roots")));
}

TEST(EkRevocation, CrlPastItsNextUpdateStillRevokesAndWarns) {
  const TestPki pki = MakePki();
  const TrustStore store = StoreOf(pki);
  const CrlSet crls = CrlSet::FromFiles(
      {{"stale.crl", MakeCrl({.issuer = IntermediateName(),
                              .signer_key = pki.intermediate_key,
                              .revoked_serials = {3},
                              .this_update_days = -60,
                              .next_update_days = -30})}},
      store);
  const ChainResult r = Verify(pki, store, crls);
  EXPECT_EQ(r.reason, veu::v1::EK_CERT_REVOKED);
  EXPECT_THAT(r.warnings, Contains(AllOf(HasSubstr("stale.crl"), HasSubstr("nextUpdate"))));
}

TEST(EkRevocation, CrlPastItsNextUpdateThatDoesNotListTheLeafWarns) {
  const TestPki pki = MakePki();
  const TrustStore store = StoreOf(pki);
  const CrlSet crls = CrlSet::FromFiles(
      {{"stale.crl", MakeCrl({.issuer = IntermediateName(),
                              .signer_key = pki.intermediate_key,
                              .revoked_serials = {99},
                              .this_update_days = -60,
                              .next_update_days = -30})}},
      store);
  const ChainResult r = Verify(pki, store, crls);
  EXPECT_TRUE(r.accepted) << r.detail;
  EXPECT_THAT(r.warnings, Contains(AllOf(HasSubstr("stale.crl"), HasSubstr("nextUpdate"))));
}

TEST(EkRevocation, MalformedCrlFilesAreSkippedWithTheirReason) {
  const TestPki pki = MakePki();
  const TrustStore store = StoreOf(pki);
  std::string truncated = IntermediateCrl(pki, {3});
  truncated.resize(truncated.size() / 2);
  std::string bad_pem = testing::CrlToPem(IntermediateCrl(pki, {3}));
  bad_pem[40] = bad_pem[40] == 'A' ? 'B' : 'A';  // damage the base64 body
  const CrlSet crls =
      CrlSet::FromFiles({{"garbage.crl", "not a CRL"},
                         {"truncated.der", truncated},
                         {"cert.pem", testing::ToPem(pki.root)},
                         {"damaged.pem", bad_pem},
                         {"good.pem", testing::CrlToPem(IntermediateCrl(pki, {3}))}},
                        store);
  EXPECT_EQ(crls.crls().size(), 1u);
  EXPECT_THAT(crls.skipped(),
              ElementsAre(AllOf(HasSubstr("garbage.crl"), HasSubstr("not a DER CRL")),
                          HasSubstr("truncated.der"),
                          AllOf(HasSubstr("cert.pem"), HasSubstr("without an \"X509 CRL\"")),
                          HasSubstr("damaged.pem")));
  EXPECT_EQ(Verify(pki, store, crls).reason, veu::v1::EK_CERT_REVOKED);  // good.pem still counts
}

TEST(EkRevocation, DeltaCrlsAndCrlsWithUnknownCriticalExtensionsAreSkipped) {
  const TestPki pki = MakePki();
  const TrustStore store = StoreOf(pki);
  const CrlSpec base = {
      .issuer = IntermediateName(), .signer_key = pki.intermediate_key, .revoked_serials = {3}};
  CrlSpec delta = base;
  delta.delta = true;
  CrlSpec critical = base;
  critical.critical_unknown_extension = true;
  CrlSpec critical_entry = base;
  critical_entry.critical_unknown_entry_extension = true;
  const CrlSet crls = CrlSet::FromFiles({{"delta.crl", MakeCrl(delta)},
                                         {"critical.crl", MakeCrl(critical)},
                                         {"entry.crl", MakeCrl(critical_entry)}},
                                        store);
  EXPECT_THAT(crls.crls(), IsEmpty());
  EXPECT_THAT(crls.skipped(),
              ElementsAre(AllOf(HasSubstr("delta.crl"), HasSubstr("delta CRL")),
                          AllOf(HasSubstr("critical.crl"), HasSubstr("1.3.6.1.4.1.55555.1")),
                          AllOf(HasSubstr("entry.crl"), HasSubstr("entry for serial 0x03"))));
  EXPECT_TRUE(Verify(pki, store, crls).accepted);
}

TEST(EkRevocation, PemBundleOfSeveralCrlsUsesEach) {
  const TestPki pki = MakePki();
  const TrustStore store = StoreOf(pki);
  const std::string bundle =
      testing::CrlToPem(MakeCrl({.issuer = RootName(), .signer_key = pki.root_key})) +
      testing::CrlToPem(IntermediateCrl(pki, {3}));
  const CrlSet crls = CrlSet::FromFiles({{"bundle.pem", bundle}}, store);
  ASSERT_EQ(crls.crls().size(), 2u);
  const ChainResult r = Verify(pki, store, crls);
  EXPECT_EQ(r.reason, veu::v1::EK_CERT_REVOKED);
  EXPECT_THAT(r.detail, HasSubstr("bundle.pem #2"));
  EXPECT_THAT(r.chain[1].crls, ElementsAre("bundle.pem #1"));
}

TEST(EkRevocation, WithoutACrlSetNothingIsChecked) {
  const TestPki pki = MakePki();
  EXPECT_TRUE(VerifyEkChain(Leaf(pki), StoreOf(pki), absl::Now()).accepted);
}

TEST(LoadEkCrls, ReadsTheCrlsFolderWhichTheCertificateLoaderLeavesAlone) {
  const TestPki pki = MakePki();
  testing::TempDir dir;
  testing::WriteFile(dir.path() + "/vendor/root.der", pki.root);
  testing::WriteFile(dir.path() + "/vendor/intermediate.pem", testing::ToPem(pki.intermediate));
  testing::WriteFile(dir.path() + "/crls/intermediate.crl", IntermediateCrl(pki, {3}));
  testing::WriteFile(dir.path() + "/crls/vendor/root.pem",
                     testing::CrlToPem(MakeCrl({.issuer = RootName(), .signer_key = pki.root_key})));
  testing::WriteFile(dir.path() + "/crls/README.md", "where these come from");
  absl::StatusOr<TrustStore> store = LoadTrustStoreDir(dir.path());
  ASSERT_OK(store);
  EXPECT_EQ(store->entries().size(), 2u);
  EXPECT_THAT(store->skipped(), IsEmpty());  // crls/vendor/root.pem is not read as certificates
  absl::StatusOr<CrlSet> crls = LoadEkCrls(dir.path(), *store);
  ASSERT_OK(crls);
  EXPECT_EQ(crls->crls().size(), 2u);
  EXPECT_THAT(crls->skipped(), IsEmpty());
  const ChainResult r = Verify(pki, *store, *crls);
  EXPECT_EQ(r.reason, veu::v1::EK_CERT_REVOKED);
  EXPECT_THAT(r.detail, HasSubstr("crls/intermediate.crl"));
}

TEST(LoadEkCrls, NoCrlsFolderMeansNoCrlsAndAnExplicitFileIsAdded) {
  const TestPki pki = MakePki();
  testing::TempDir dir;
  testing::WriteFile(dir.path() + "/root.der", pki.root);
  testing::WriteFile(dir.path() + "/intermediate.der", pki.intermediate);
  testing::WriteFile(dir.path() + "/elsewhere/ek.crl", IntermediateCrl(pki, {3}));
  absl::StatusOr<TrustStore> store = LoadTrustStoreDir(dir.path());
  ASSERT_OK(store);
  absl::StatusOr<CrlSet> none = LoadEkCrls(dir.path(), *store);
  ASSERT_OK(none);
  EXPECT_THAT(none->crls(), IsEmpty());
  absl::StatusOr<CrlSet> extra = LoadEkCrls(dir.path(), *store, {dir.path() + "/elsewhere/ek.crl"});
  ASSERT_OK(extra);
  EXPECT_EQ(extra->crls().size(), 1u);
  EXPECT_THAT(LoadEkCrls(dir.path(), *store, {dir.path() + "/missing.crl"}),
              ::veu::testing::StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing.crl")));
}

}  // namespace
}  // namespace veu::x509
