// VerifyEkChain: real vendor chains from fixtures/ekcerts/EXPECTED_CHAINS.json, and the generic
// cases on certificates made at test time.
#include "common/x509/ek_chain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "common/x509/trust_store_dir.h"
#include "tests/common/x509/test_files.h"
#include "tests/common/x509/test_pki.h"
#include "tests/support/status_matchers.h"

// Designated initialisers leave the other fields at their defaults on purpose; GCC 12 warns.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace veu::x509 {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kEkFixtures;
using testing::ReadFileOrDie;

// ---- EXPECTED_CHAINS.json: a tiny reader for its fixed shape (strings in order). ----

struct ExpectedChain {
  std::string leaf;                // path under ekcerts/
  std::vector<std::string> files;  // CA files leaf -> root, paths under ekcerts/
  std::string root_subject;        // from the "ROOT: ..." entry
};

std::vector<std::string> JsonStrings(const std::string& json) {
  std::vector<std::string> out;
  for (size_t i = 0; i < json.size(); ++i) {
    if (json[i] != '"') continue;
    std::string s;
    for (++i; i < json.size() && json[i] != '"'; ++i) {
      if (json[i] == '\\' && i + 1 < json.size()) ++i;
      s.push_back(json[i]);
    }
    out.push_back(s);
  }
  return out;
}

std::vector<ExpectedChain> LoadExpectedChains() {
  std::vector<ExpectedChain> chains;
  for (const std::string& s : JsonStrings(ReadFileOrDie(kEkFixtures + "/EXPECTED_CHAINS.json"))) {
    if (s.rfind("leaves/", 0) == 0) {
      chains.push_back({s, {}, ""});
    } else if (!chains.empty() && s.rfind("roots/", 0) == 0) {
      chains.back().files.push_back(s);
    } else if (!chains.empty() && s.rfind("ROOT: ", 0) == 0) {
      chains.back().root_subject = s.substr(6);
    }
  }
  return chains;
}

TrustStore StoreOf(const std::vector<std::string>& ekcert_paths) {
  std::vector<TrustStore::SourceFile> files;
  for (const std::string& p : ekcert_paths)
    files.push_back({p, ReadFileOrDie(kEkFixtures + "/" + p)});
  absl::StatusOr<TrustStore> store = TrustStore::FromFiles(files);
  if (!store.ok()) throw std::runtime_error(std::string(store.status().message()));
  return *std::move(store);
}

class ExpectedChainTest : public ::testing::TestWithParam<ExpectedChain> {};

TEST_P(ExpectedChainTest, ValidatesAlongTheChainItNames) {
  const ExpectedChain& want = GetParam();
  ASSERT_FALSE(want.files.empty());
  const TrustStore store = StoreOf(want.files);
  const ChainResult r =
      VerifyStoredEkCertificate(ReadFileOrDie(kEkFixtures + "/" + want.leaf), store, absl::Now());
  ASSERT_TRUE(r.accepted) << veu::v1::ReasonCode_Name(r.reason) << ": " << r.detail;
  std::vector<std::string> sources;
  for (size_t i = 1; i < r.chain.size(); ++i) sources.push_back(r.chain[i].source);
  EXPECT_EQ(sources, want.files);
  EXPECT_EQ(r.chain.back().subject, want.root_subject);
}

TEST_P(ExpectedChainTest, IsUntrustedUnderAnUnrelatedRoot) {
  const TrustStore store = StoreOf(
      {"roots/ms-trustedtpm/Microsoft/RootCA/Microsoft TPM Root Certificate Authority 2014.cer"});
  const ChainResult r = VerifyStoredEkCertificate(
      ReadFileOrDie(kEkFixtures + "/" + GetParam().leaf), store, absl::Now());
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, veu::v1::EK_CERT_UNTRUSTED);
  EXPECT_THAT(r.detail, HasSubstr("no certificate in the trust store"));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ExpectedChainTest, ::testing::ValuesIn(LoadExpectedChains()),
                         [](const ::testing::TestParamInfo<ExpectedChain>& param_info) {
                           std::string name;
                           for (char c : param_info.param.leaf.substr(7)) {
                             name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
                           }
                           return name;
                         });

TEST(VerifyEkChain, AcceptsEveryFixtureLeafAgainstTheWholeFixtureRootsDirectory) {
  absl::StatusOr<TrustStore> store = LoadTrustStoreDir(kEkFixtures + "/roots");
  ASSERT_OK(store);
  EXPECT_THAT(store->skipped(), ::testing::IsEmpty());
  EXPECT_GT(store->anchor_count(), 20u);
  for (const ExpectedChain& want : LoadExpectedChains()) {
    const ChainResult r = VerifyStoredEkCertificate(ReadFileOrDie(kEkFixtures + "/" + want.leaf),
                                                    *store, absl::Now());
    EXPECT_TRUE(r.accepted) << want.leaf << ": " << r.detail;
    EXPECT_EQ(r.chain.back().subject, want.root_subject) << want.leaf;
  }
}

TEST(VerifyEkChain, EveryFixtureIntermediateChainsToAFixtureRootExceptAlibabas) {
  // 327 vendor CAs: the search must cope with AMD's re-encoded issuer names, Infineon's AKIs
  // naming other serials, STMicro's non-minimal serials. Alibaba's root is not in the set.
  absl::StatusOr<TrustStore> store = LoadTrustStoreDir(kEkFixtures + "/roots");
  ASSERT_OK(store);
  std::vector<std::string> untrusted;
  for (const TrustStore::Entry& e : store->entries()) {
    if (e.self_signed) continue;
    const ChainResult r = VerifyEkChain(e.cert, *store, absl::Now());
    if (!r.accepted) untrusted.push_back(e.source.substr(e.source.rfind('/') + 1));
  }
  EXPECT_THAT(untrusted, ElementsAre("Alibaba_Cloud_vTPM_EK.pem"));
}

TEST(VerifyEkChain, WarnsWhenAnAuthorityKeyIdentifierNamesTheWrongIssuer) {
  const ChainResult r = VerifyStoredEkCertificate(
      ReadFileOrDie(kEkFixtures + "/leaves/hirs/ek_cert_with_security_assertions.cer"),
      StoreOf({"roots/keylime-tpm_cert_store/IFX8.pem",
               "roots/keylime-tpm_cert_store/IFX_RSA_RT.pem",
               "roots/ms-trustedtpm/Infineon/RootCA/IFX-RootCA.cer"}),
      absl::Now());
  ASSERT_TRUE(r.accepted) << r.detail;
  EXPECT_THAT(r.warnings, Contains(HasSubstr("Authority Key Identifier")));
}

TEST(VerifyEkChain, RejectsAFixtureLeafWhoseSignatureWasTampered) {
  std::string der = ReadFileOrDie(kEkFixtures + "/leaves/keylime/st_ecdsa_sha256.der");
  der[der.size() - 5] = static_cast<char>(der[der.size() - 5] ^ 0x01);  // inside the signature
  const ChainResult r =
      VerifyStoredEkCertificate(der,
                                StoreOf({"roots/keylime-tpm_cert_store/STM_ECC_01I.pem",
                                         "roots/keylime-tpm_cert_store/STM_ECC_01RT.pem",
                                         "roots/ms-trustedtpm/STMicro/RootCA/GlobalSign Trusted "
                                         "Platform Module ECC Root CA.crt"}),
                                absl::Now());
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, veu::v1::EK_CERT_UNTRUSTED);
  EXPECT_THAT(r.detail, HasSubstr("does not verify with the key of its named issuer"));
  EXPECT_THAT(r.detail, HasSubstr("STM TPM ECC Intermediate CA 01"));
}

TEST(VerifyEkChain, RejectsAFixtureLeafWhoseSignedPartWasTampered) {
  std::string der = ReadFileOrDie(kEkFixtures + "/leaves/keylime/st_sha256_with_rsa.der");
  der[300] = static_cast<char>(der[300] ^ 0x01);  // inside the public key
  const ChainResult r = VerifyStoredEkCertificate(
      der,
      StoreOf({"roots/keylime-tpm_cert_store/STM_RSA_05I.pem",
               "roots/hirs-stMicroCaCerts/stmtpmekroot.crt", "roots/hirs-misc/gstpmroot.pem"}),
      absl::Now());
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, veu::v1::EK_CERT_UNTRUSTED);
  EXPECT_THAT(r.detail, HasSubstr("does not verify"));
}

TEST(VerifyEkChain, StoredBytesThatDoNotParseAreMalformed) {
  const ChainResult r = VerifyStoredEkCertificate(
      "\x10\x01\x00\x09\x99\x10\x02", StoreOf({"roots/hirs-misc/gstpmroot.pem"}), absl::Now());
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, veu::v1::EK_CERT_MALFORMED);
  EXPECT_THAT(r.detail, HasSubstr("TCG storage header"));
}

// ---- Generated PKI: the generic path. ----

using testing::CertSpec;
using testing::MakeCert;
using testing::MakePki;
using testing::TestPki;

TrustStore GeneratedStore(const std::vector<std::pair<std::string, std::string>>& named_ders) {
  std::vector<TrustStore::SourceFile> files;
  for (const auto& [name, der] : named_ders) files.push_back({name, der});
  absl::StatusOr<TrustStore> store = TrustStore::FromFiles(files);
  if (!store.ok()) throw std::runtime_error(std::string(store.status().message()));
  return *std::move(store);
}

EkCertificate ParseOrDie(const std::string& der) {
  absl::StatusOr<EkCertificate> c = ParseEkCertificate(der);
  if (!c.ok()) throw std::runtime_error(std::string(c.status().message()));
  return *std::move(c);
}

TEST(VerifyEkChain, BuildsRootIntermediateLeafAndNamesEachLink) {
  const TestPki pki = MakePki();
  const ChainResult r = VerifyEkChain(
      ParseOrDie(pki.leaf), GeneratedStore({{"int.der", pki.intermediate}, {"root.der", pki.root}}),
      absl::Now());
  ASSERT_TRUE(r.accepted) << r.detail;
  ASSERT_EQ(r.chain.size(), 3u);
  EXPECT_THAT(r.chain[0].subject, HasSubstr("empty subject"));
  EXPECT_EQ(r.chain[1].subject, "CN=Test EK Intermediate CA,O=Test TPM Vendor");
  EXPECT_EQ(r.chain[1].source, "int.der");
  EXPECT_EQ(r.chain[2].subject, "CN=Test EK Root CA,O=Test TPM Vendor");
  EXPECT_EQ(r.chain[2].source, "root.der");
  EXPECT_THAT(r.warnings, ::testing::IsEmpty());
  ASSERT_TRUE(ParseOrDie(pki.leaf).tpm_identity().has_value());
  EXPECT_EQ(ParseOrDie(pki.leaf).tpm_identity()->manufacturer, "id:54455354");
}

TEST(VerifyEkChain, FindsCasInAPemBundleFile) {
  const TestPki pki = MakePki();
  const ChainResult r = VerifyEkChain(
      ParseOrDie(pki.leaf),
      GeneratedStore({{"bundle.pem", testing::ToPem(pki.root) + testing::ToPem(pki.intermediate)}}),
      absl::Now());
  ASSERT_TRUE(r.accepted) << r.detail;
  EXPECT_EQ(r.chain[1].source, "bundle.pem #2");
  EXPECT_EQ(r.chain[2].source, "bundle.pem #1");
}

TEST(VerifyEkChain, RejectsALeafSignedByAnUnknownCa) {
  const TestPki pki = MakePki("Known");
  const TestPki other = MakePki("Unknown");
  const ChainResult r = VerifyEkChain(
      ParseOrDie(other.leaf),
      GeneratedStore({{"int.der", pki.intermediate}, {"root.der", pki.root}}), absl::Now());
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, veu::v1::EK_CERT_UNTRUSTED);
  EXPECT_THAT(r.detail, HasSubstr("CN=Unknown EK Intermediate CA"));
  EXPECT_THAT(r.detail, HasSubstr("add that manufacturer CA"));
}

TEST(VerifyEkChain, RejectsALeafFromAnImpostorCaWithTheSameName) {
  const TestPki pki = MakePki();
  const TestPki impostor = MakePki();  // same names, different keys
  const ChainResult r = VerifyEkChain(
      ParseOrDie(impostor.leaf),
      GeneratedStore({{"int.der", pki.intermediate}, {"root.der", pki.root}}), absl::Now());
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, veu::v1::EK_CERT_UNTRUSTED);
  EXPECT_THAT(r.detail, HasSubstr("does not verify with the key of its named issuer"));
}

TEST(VerifyEkChain, RejectsAChainThatEndsAtAnIntermediateWithoutItsRoot) {
  const TestPki pki = MakePki();
  const ChainResult r = VerifyEkChain(ParseOrDie(pki.leaf),
                                      GeneratedStore({{"int.der", pki.intermediate}}), absl::Now());
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, veu::v1::EK_CERT_UNTRUSTED);
  EXPECT_THAT(r.detail, HasSubstr("not self-signed"));
  EXPECT_THAT(r.detail, HasSubstr("CN=Test EK Root CA"));
}

TEST(VerifyEkChain, RejectsAnIssuerThatIsNotACa) {
  const TestPki pki = MakePki();
  const std::vector<CertSpec::Rdn> name = {{"CN", "Not A CA"}};
  auto key = testing::NewKey();
  const std::string not_ca = MakeCert({.subject = name,
                                       .issuer = pki.root.empty() ? name : name,
                                       .subject_key = key,
                                       .signer_key = key,
                                       .ca = false});
  const std::string leaf = MakeCert({.subject = {},
                                     .issuer = name,
                                     .subject_key = testing::NewKey(),
                                     .signer_key = key,
                                     .ca = false});
  const ChainResult r =
      VerifyEkChain(ParseOrDie(leaf), GeneratedStore({{"notca.der", not_ca}}), absl::Now());
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, veu::v1::EK_CERT_UNTRUSTED);
  EXPECT_THAT(r.detail, HasSubstr("is not a CA"));
}

TEST(VerifyEkChain, WarnsOnExpiryByDefaultAndRejectsWhenAskedTo) {
  const TestPki pki = MakePki();
  const TrustStore store = GeneratedStore({{"int.der", pki.intermediate}, {"root.der", pki.root}});
  const absl::Time in_two_years = absl::Now() + absl::Hours(24 * 730);
  const ChainResult warn = VerifyEkChain(ParseOrDie(pki.leaf), store, in_two_years);
  ASSERT_TRUE(warn.accepted) << warn.detail;
  EXPECT_THAT(warn.warnings, Contains(HasSubstr("expired on")));
  // A caveat every verdict carries as a warning, not only a note (issue 17).
  ASSERT_FALSE(warn.caveats.empty());
  EXPECT_EQ(warn.caveats[0].reason, veu::v1::EK_CERT_EXPIRED);
  EXPECT_THAT(warn.caveats[0].detail, HasSubstr("expired on"));

  const ChainResult reject =
      VerifyEkChain(ParseOrDie(pki.leaf), store, in_two_years, {.expiry = ExpiryPolicy::kReject});
  EXPECT_FALSE(reject.accepted);
  EXPECT_EQ(reject.reason, veu::v1::EK_CERT_EXPIRED);
  EXPECT_THAT(reject.detail, HasSubstr("expired on"));
  EXPECT_EQ(reject.chain.size(), 3u);

  const ChainResult early =
      VerifyEkChain(ParseOrDie(pki.leaf), store, absl::Now() - absl::Hours(24 * 30),
                    {.expiry = ExpiryPolicy::kReject});
  EXPECT_EQ(early.reason, veu::v1::EK_CERT_EXPIRED);
  EXPECT_THAT(early.detail, HasSubstr("not valid before"));
}

TEST(VerifyEkChain, AcceptsAnIssuerNameWhoseMultiValuedRdnIsInAnotherOrder) {
  // Like Nuvoton's roots: one RDN holding CN+O+C. The leaf's issuer lists them out of DER order.
  auto root_key = testing::NewKey();
  const std::vector<CertSpec::Rdn> multi = {
      {"CN", "Vendor Root"}, {"O", "Vendor", true}, {"C", "TW", true}};
  const std::string root = MakeCert(
      {.subject = multi, .issuer = multi, .subject_key = root_key, .signer_key = root_key});
  const std::string leaf =
      testing::WithIssuerRdnValuesReversed(MakeCert({.subject = {},
                                                     .issuer = multi,
                                                     .subject_key = testing::NewKey(),
                                                     .signer_key = root_key,
                                                     .ca = false}),
                                           root_key);
  const EkCertificate parsed = ParseOrDie(leaf);
  ASSERT_NE(parsed.issuer_der(), ParseOrDie(root).subject_der());
  const ChainResult r = VerifyEkChain(parsed, GeneratedStore({{"root.der", root}}), absl::Now());
  ASSERT_TRUE(r.accepted) << r.detail;
  EXPECT_THAT(r.warnings, Contains(HasSubstr("only after normalisation")));
  EXPECT_THAT(r.caveats, ::testing::IsEmpty());  // a name encoding is not a caveat
}

TEST(VerifyEkChain, AcceptsAWrongAuthorityKeyIdentifierWithAWarning) {
  const TestPki pki = MakePki();
  const std::string leaf =
      MakeCert({.subject = {},
                .issuer = {{"O", "Test TPM Vendor"}, {"CN", "Test EK Intermediate CA"}},
                .subject_key = testing::NewKey(),
                .signer_key = pki.intermediate_key,
                .ca = false,
                .authority_key_id_hex = "0102030405060708090a"});
  const ChainResult r = VerifyEkChain(
      ParseOrDie(leaf), GeneratedStore({{"int.der", pki.intermediate}, {"root.der", pki.root}}),
      absl::Now());
  ASSERT_TRUE(r.accepted) << r.detail;
  EXPECT_THAT(r.warnings, Contains(HasSubstr("Authority Key Identifier")));
  EXPECT_THAT(r.warnings, Contains(HasSubstr("0102030405060708090a")));
  ASSERT_EQ(r.caveats.size(), 1u);
  EXPECT_EQ(r.caveats[0].reason, veu::v1::EK_CERT_LINK_MISMATCH);
  EXPECT_THAT(r.caveats[0].detail, HasSubstr("0102030405060708090a"));
}

TEST(VerifyEkChain, VerifiesRsaPssSignaturesAndRejectsTamperedOnes) {
  auto root_key = testing::NewRsaKey();
  const std::vector<CertSpec::Rdn> name = {{"CN", "PSS Root"}};
  const std::string root = MakeCert({.subject = name,
                                     .issuer = name,
                                     .subject_key = root_key,
                                     .signer_key = root_key,
                                     .sign_rsa_pss = true});
  std::string leaf = MakeCert({.subject = {},
                               .issuer = name,
                               .subject_key = testing::NewKey(),
                               .signer_key = root_key,
                               .ca = false,
                               .sign_rsa_pss = true});
  const TrustStore store = GeneratedStore({{"root.der", root}});
  EXPECT_EQ(store.anchor_count(), 1u);
  const ChainResult good = VerifyEkChain(ParseOrDie(leaf), store, absl::Now());
  EXPECT_TRUE(good.accepted) << good.detail;

  leaf[leaf.size() - 3] = static_cast<char>(leaf[leaf.size() - 3] ^ 0x10);
  const ChainResult bad = VerifyEkChain(ParseOrDie(leaf), store, absl::Now());
  EXPECT_FALSE(bad.accepted);
  EXPECT_EQ(bad.reason, veu::v1::EK_CERT_UNTRUSTED);
  EXPECT_THAT(bad.detail, HasSubstr("RSASSA-PSS signature does not verify"));
}

TEST(VerifyEkChain, NamesCriticalExtensionsItDoesNotEvaluate) {
  auto root_key = testing::NewKey();
  const std::vector<CertSpec::Rdn> name = {{"CN", "Constrained Root"}};
  const std::string root =
      MakeCert({.subject = name,
                .issuer = name,
                .subject_key = root_key,
                .signer_key = root_key,
                .extra_extensions = {{"nameConstraints", "critical,permitted;DNS:example.com"}}});
  const std::string leaf = MakeCert({.subject = {},
                                     .issuer = name,
                                     .subject_key = testing::NewKey(),
                                     .signer_key = root_key,
                                     .ca = false});
  const ChainResult r =
      VerifyEkChain(ParseOrDie(leaf), GeneratedStore({{"root.der", root}}), absl::Now());
  ASSERT_TRUE(r.accepted) << r.detail;
  EXPECT_THAT(r.warnings, Contains(HasSubstr("critical extension 2.5.29.30")));
}

TEST(TrustStore, SkipsUnparsableFilesButKeepsTheRest) {
  const TestPki pki = MakePki();
  absl::StatusOr<TrustStore> store =
      TrustStore::FromFiles({{"broken.crt", "garbage"}, {"root.der", pki.root}});
  ASSERT_OK(store);
  EXPECT_EQ(store->entries().size(), 1u);
  EXPECT_EQ(store->anchor_count(), 1u);
  EXPECT_THAT(store->skipped(), ElementsAre(HasSubstr("broken.crt")));
}

TEST(TrustStore, FailsWhenNothingIsUsable) {
  EXPECT_THAT(
      TrustStore::FromFiles({{"broken.crt", "garbage"}}),
      ::veu::testing::StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("broken.crt")));
}

TEST(LoadTrustStoreDir, ReadsNestedDirectoriesAndIgnoresOtherFiles) {
  const TestPki pki = MakePki();
  testing::TempDir dir;
  testing::WriteFile(dir.path() + "/vendor/RootCA/root.CER", pki.root);
  testing::WriteFile(dir.path() + "/vendor/IntermediateCA/int.pem",
                     testing::ToPem(pki.intermediate));
  testing::WriteFile(dir.path() + "/README.md", "not a certificate");
  absl::StatusOr<TrustStore> store = LoadTrustStoreDir(dir.path());
  ASSERT_OK(store);
  EXPECT_EQ(store->entries().size(), 2u);
  EXPECT_THAT(store->skipped(), ::testing::IsEmpty());
  EXPECT_TRUE(VerifyEkChain(ParseOrDie(pki.leaf), *store, absl::Now()).accepted);
}

TEST(LoadTrustStoreDir, FailsForAMissingDirectory) {
  EXPECT_THAT(LoadTrustStoreDir("/nonexistent/veu/ek-roots"),
              ::veu::testing::StatusIs(absl::StatusCode::kNotFound, HasSubstr("ek_roots_dir")));
}

}  // namespace
}  // namespace veu::x509
