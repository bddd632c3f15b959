// Specification of who a regulator-API caller is, read from the client certificate's URI SANs
// (principal.h): real X.509 certificates are made in-process with OpenSSL, so the parser sees
// exactly what mutual TLS would hand it.
#include "verifier/regulator/principal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "tests/support/status_matchers.h"

namespace veu::regulator {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::veu::testing::IsOk;
using ::veu::testing::StatusIs;

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};

// A self-signed P-256 client certificate with subject CN=`cn` and one URI SAN per entry of
// `uris` (none: no subjectAltName extension at all). Returns "" on an OpenSSL failure, which
// the callers' parsing then reports.
std::string MakeCertificatePem(const std::string& cn, const std::vector<std::string>& uris) {
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(EVP_EC_gen("P-256"));
  std::unique_ptr<X509, X509Deleter> cert(X509_new());
  if (!key || !cert) return "";
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("VEU Test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (!uris.empty()) {
    std::vector<std::string> entries;
    for (const std::string& u : uris) entries.push_back("URI:" + u);
    const std::string value = absl::StrJoin(entries, ",");
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, value.c_str());
    if (ext == nullptr) return "";
    const int added = X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
    if (added != 1) return "";
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return "";
  std::unique_ptr<BIO, BioDeleter> out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_X509(out.get(), cert.get()) != 1) return "";
  char* data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : "";
}

// The certificate for `uris`, asserted to have been made (so a test never passes on "").
std::string Cert(const std::vector<std::string>& uris, const std::string& cn = "someone") {
  std::string pem = MakeCertificatePem(cn, uris);
  EXPECT_THAT(pem, HasSubstr("BEGIN CERTIFICATE")) << "OpenSSL could not make the test certificate";
  return pem;
}

veu::v1::Site MakeSite(const std::string& country, const std::string& organisation) {
  veu::v1::Site site;
  site.set_name("s1");
  site.set_country(country);
  site.set_organisation(organisation);
  return site;
}

// --- PrincipalFromCertificatePem ---------------------------------------------------------------

TEST(PrincipalFromCertificate, RegulatorWithCountriesAndOrganisations) {
  absl::StatusOr<Principal> p = PrincipalFromCertificatePem(Cert(
      {"urn:veu:role:regulator", "urn:veu:country:de", "urn:veu:country:FR",
       "urn:veu:organisation:Acme", "urn:veu:organisation:Gulf AI"},
      "bafa"));
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->role, Role::kRegulator);
  EXPECT_THAT(p->countries, ElementsAre("DE", "FR"));  // upper-cased
  EXPECT_THAT(p->organisations, ElementsAre("Acme", "Gulf AI"));
  EXPECT_THAT(p->subject, HasSubstr("CN=bafa"));
  EXPECT_THAT(p->subject, HasSubstr("O=VEU Test"));
}

TEST(PrincipalFromCertificate, OperatorWithAnOrganisation) {
  absl::StatusOr<Principal> p =
      PrincipalFromCertificatePem(Cert({"urn:veu:role:operator", "urn:veu:organisation:Acme"}));
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->role, Role::kOperator);
  EXPECT_THAT(p->organisations, ElementsAre("Acme"));
  EXPECT_THAT(p->countries, IsEmpty());
}

TEST(PrincipalFromCertificate, AdminNeedsNoScope) {
  absl::StatusOr<Principal> p = PrincipalFromCertificatePem(Cert({"urn:veu:role:admin"}, "root"));
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->role, Role::kAdmin);
  EXPECT_THAT(p->countries, IsEmpty());
  EXPECT_THAT(p->organisations, IsEmpty());
}

TEST(PrincipalFromCertificate, NoRoleIsUnauthenticated) {
  // Scope alone does not say who the caller is.
  EXPECT_THAT(PrincipalFromCertificatePem(Cert({"urn:veu:country:DE"})),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("exactly one urn:veu:role:")));
  // Neither does a certificate with no subjectAltName at all.
  EXPECT_THAT(PrincipalFromCertificatePem(Cert({})),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("has 0")));
  // Nor a URI that only looks like a role.
  EXPECT_THAT(PrincipalFromCertificatePem(
                  Cert({"https://example.com/urn:veu:role:admin", "urn:veu:country:DE"})),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(PrincipalFromCertificate, TwoRolesAreUnauthenticated) {
  EXPECT_THAT(PrincipalFromCertificatePem(Cert(
                  {"urn:veu:role:regulator", "urn:veu:role:admin", "urn:veu:country:DE"}, "both")),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       AllOf(HasSubstr("exactly one"), HasSubstr("has 2"), HasSubstr("CN=both"))));
  // The same role twice is still two role URIs, not one.
  EXPECT_THAT(PrincipalFromCertificatePem(
                  Cert({"urn:veu:role:admin", "urn:veu:role:admin"})),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("has 2")));
}

TEST(PrincipalFromCertificate, UnknownRoleIsUnauthenticated) {
  EXPECT_THAT(PrincipalFromCertificatePem(Cert({"urn:veu:role:auditor", "urn:veu:country:DE"})),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("unknown role 'auditor'")));
  // Roles are matched exactly: no case folding into a more powerful role.
  EXPECT_THAT(PrincipalFromCertificatePem(Cert({"urn:veu:role:Admin"})),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("unknown role 'Admin'")));
}

TEST(PrincipalFromCertificate, OperatorWithACountryIsRefused) {
  EXPECT_THAT(PrincipalFromCertificatePem(Cert(
                  {"urn:veu:role:operator", "urn:veu:organisation:Acme", "urn:veu:country:DE"})),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("operator")));
}

TEST(PrincipalFromCertificate, RegulatorOrOperatorWithoutScopeIsPermissionDenied) {
  // Authenticated (the certificate is fine) but allowed to see nothing: a different answer.
  EXPECT_THAT(PrincipalFromCertificatePem(Cert({"urn:veu:role:regulator"}, "lonely")),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       AllOf(HasSubstr("no scope"), HasSubstr("CN=lonely"))));
  EXPECT_THAT(PrincipalFromCertificatePem(Cert({"urn:veu:role:operator"})),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("no scope")));
}

TEST(PrincipalFromCertificate, MalformedCountryIsUnauthenticated) {
  for (const char* bad : {"urn:veu:country:DEU", "urn:veu:country:D", "urn:veu:country:",
                          "urn:veu:country:1!", "urn:veu:country:d1"}) {
    EXPECT_THAT(PrincipalFromCertificatePem(Cert({"urn:veu:role:regulator", bad})),
                StatusIs(absl::StatusCode::kUnauthenticated,
                         AllOf(HasSubstr(bad), HasSubstr("ISO 3166-1 alpha-2"))))
        << bad;
  }
}

TEST(PrincipalFromCertificate, EmptyOrganisationIsUnauthenticated) {
  EXPECT_THAT(PrincipalFromCertificatePem(
                  Cert({"urn:veu:role:operator", "urn:veu:organisation:"})),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("empty organisation")));
}

TEST(PrincipalFromCertificate, GarbagePemIsUnauthenticated) {
  EXPECT_THAT(PrincipalFromCertificatePem("not a certificate at all"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("does not parse")));
  // A PEM frame around bytes that are not DER.
  EXPECT_THAT(PrincipalFromCertificatePem(
                  "-----BEGIN CERTIFICATE-----\nAAAABBBBCCCC\n-----END CERTIFICATE-----\n"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("does not parse")));
  // A real certificate cut in half.
  const std::string pem = Cert({"urn:veu:role:admin"});
  EXPECT_THAT(PrincipalFromCertificatePem(std::string_view(pem).substr(0, pem.size() / 2)),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("does not parse")));
}

TEST(PrincipalFromCertificate, EmptyPemIsUnauthenticated) {
  EXPECT_THAT(PrincipalFromCertificatePem(""),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("mutual TLS")));
}

// --- InScope ------------------------------------------------------------------------------------

Principal Make(Role role, std::set<std::string> countries, std::set<std::string> organisations) {
  Principal p;
  p.subject = "CN=test";
  p.role = role;
  p.countries = std::move(countries);
  p.organisations = std::move(organisations);
  return p;
}

TEST(InScope, RegulatorSeesItsCountriesCaseInsensitively) {
  const Principal de = Make(Role::kRegulator, {"DE"}, {});
  EXPECT_TRUE(InScope(de, MakeSite("DE", "Acme")));
  EXPECT_TRUE(InScope(de, MakeSite("de", "")));  // the site's country in any case
  EXPECT_FALSE(InScope(de, MakeSite("AE", "Acme")));
  EXPECT_FALSE(InScope(de, MakeSite("", "")));
}

TEST(InScope, RegulatorSeesItsOrganisationsInAnyCountry) {
  const Principal acme = Make(Role::kRegulator, {}, {"Acme"});
  EXPECT_TRUE(InScope(acme, MakeSite("AE", "Acme")));
  EXPECT_FALSE(InScope(acme, MakeSite("AE", "Gulf AI")));
  EXPECT_FALSE(InScope(acme, MakeSite("AE", "acme")));  // organisations are exact names
  EXPECT_FALSE(InScope(acme, MakeSite("AE", "")));
  // Countries and organisations widen the scope together.
  const Principal both = Make(Role::kRegulator, {"DE"}, {"Acme"});
  EXPECT_TRUE(InScope(both, MakeSite("DE", "Gulf AI")));
  EXPECT_TRUE(InScope(both, MakeSite("AE", "Acme")));
  EXPECT_FALSE(InScope(both, MakeSite("AE", "Gulf AI")));
}

TEST(InScope, OperatorSeesOnlyItsOrganisations) {
  const Principal op = Make(Role::kOperator, {}, {"Acme"});
  EXPECT_TRUE(InScope(op, MakeSite("DE", "Acme")));
  EXPECT_TRUE(InScope(op, MakeSite("AE", "Acme")));
  EXPECT_FALSE(InScope(op, MakeSite("DE", "Gulf AI")));
  EXPECT_FALSE(InScope(op, MakeSite("DE", "")));
}

TEST(InScope, EmptyOrganisationNeverMatchesAnOperator) {
  // Even an operator somehow holding "" as an organisation sees no site without one.
  const Principal odd = Make(Role::kOperator, {}, {""});
  EXPECT_FALSE(InScope(odd, MakeSite("DE", "")));
  EXPECT_FALSE(InScope(odd, MakeSite("DE", "Acme")));
}

TEST(InScope, AdminSeesEverySite) {
  const Principal admin = Make(Role::kAdmin, {}, {});
  EXPECT_TRUE(InScope(admin, MakeSite("DE", "Acme")));
  EXPECT_TRUE(InScope(admin, MakeSite("AE", "")));
  EXPECT_TRUE(InScope(admin, MakeSite("", "")));
}

TEST(InScope, AParsedCertificateScopesLikeItsUris) {
  absl::StatusOr<Principal> p = PrincipalFromCertificatePem(
      Cert({"urn:veu:role:regulator", "urn:veu:country:ae"}));
  ASSERT_THAT(p, IsOk());
  EXPECT_TRUE(InScope(*p, MakeSite("AE", "Gulf AI")));
  EXPECT_TRUE(InScope(*p, MakeSite("ae", "Gulf AI")));
  EXPECT_FALSE(InScope(*p, MakeSite("DE", "Acme")));
}

// --- Describe -----------------------------------------------------------------------------------

TEST(Describe, NamesRoleSubjectAndScope) {
  const std::string text = Describe(Make(Role::kRegulator, {"DE", "FR"}, {"Acme"}));
  EXPECT_THAT(text, AllOf(HasSubstr("regulator"), HasSubstr("CN=test"), HasSubstr("country:DE"),
                          HasSubstr("country:FR"), HasSubstr("organisation:Acme")));
  EXPECT_THAT(Describe(Make(Role::kOperator, {}, {"Gulf AI"})),
              AllOf(HasSubstr("operator"), HasSubstr("organisation:Gulf AI")));
  const std::string admin = Describe(Make(Role::kAdmin, {}, {}));
  EXPECT_THAT(admin, AllOf(HasSubstr("admin"), HasSubstr("CN=test")));
  EXPECT_THAT(admin, ::testing::Not(HasSubstr("[")));  // no empty scope brackets
}

TEST(Describe, OfAParsedCertificate) {
  absl::StatusOr<Principal> p = PrincipalFromCertificatePem(
      Cert({"urn:veu:role:operator", "urn:veu:organisation:Acme"}, "ops-acme"));
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(Describe(*p), AllOf(HasSubstr("operator"), HasSubstr("CN=ops-acme"),
                                  HasSubstr("organisation:Acme")));
}

}  // namespace
}  // namespace veu::regulator
