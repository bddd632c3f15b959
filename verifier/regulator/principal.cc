#include "verifier/regulator/principal.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/crypto/openssl.h"

namespace veu::regulator {
namespace {

constexpr absl::string_view kRolePrefix = "urn:veu:role:";
constexpr absl::string_view kCountryPrefix = "urn:veu:country:";
constexpr absl::string_view kOrganisationPrefix = "urn:veu:organisation:";


std::string Subject(X509* cert) {
  crypto::BioPtr out(BIO_new(BIO_s_mem()));
  if (!out || X509_NAME_print_ex(out.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) {
    return "";
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : "";
}

std::vector<std::string> UriNames(X509* cert) {
  std::vector<std::string> uris;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return uris;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    uris.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                      static_cast<size_t>(ASN1_STRING_length(uri)));
  }
  GENERAL_NAMES_free(names);
  return uris;
}

}  // namespace

std::string RoleName(Role role) {
  switch (role) {
    case Role::kRegulator: return "regulator";
    case Role::kOperator: return "operator";
    case Role::kAdmin: return "admin";
  }
  return "unknown";
}

absl::StatusOr<Principal> PrincipalFromCertificatePem(std::string_view pem) {
  if (pem.empty()) {
    return absl::UnauthenticatedError("no client certificate: the regulator API needs mutual TLS");
  }
  crypto::BioPtr in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  crypto::X509Ptr cert(
      in ? PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return absl::UnauthenticatedError("the client certificate does not parse");
  Principal p;
  p.subject = Subject(cert.get());
  std::vector<std::string> roles;
  for (const std::string& uri : UriNames(cert.get())) {
    absl::string_view v(uri);
    if (absl::ConsumePrefix(&v, kRolePrefix)) {
      roles.emplace_back(v);
    } else if (absl::ConsumePrefix(&v, kCountryPrefix)) {
      if (v.size() != 2 || !absl::ascii_isalpha(static_cast<unsigned char>(v[0])) ||
          !absl::ascii_isalpha(static_cast<unsigned char>(v[1]))) {
        return absl::UnauthenticatedError(
            absl::StrCat("certificate scope '", uri, "' is not an ISO 3166-1 alpha-2 country"));
      }
      p.countries.insert(absl::AsciiStrToUpper(v));
    } else if (absl::ConsumePrefix(&v, kOrganisationPrefix)) {
      if (v.empty()) return absl::UnauthenticatedError("certificate names an empty organisation");
      p.organisations.emplace(v);
    }
  }
  if (roles.size() != 1) {
    return absl::UnauthenticatedError(absl::StrCat(
        "client certificate '", p.subject, "' must carry exactly one urn:veu:role: URI (has ",
        roles.size(), ")"));
  }
  if (roles[0] == "regulator") {
    p.role = Role::kRegulator;
  } else if (roles[0] == "operator") {
    p.role = Role::kOperator;
    if (!p.countries.empty()) {
      return absl::UnauthenticatedError("an operator certificate cannot carry country scopes");
    }
  } else if (roles[0] == "admin") {
    p.role = Role::kAdmin;
  } else {
    return absl::UnauthenticatedError(absl::StrCat("unknown role '", roles[0], "'"));
  }
  if (p.role != Role::kAdmin && p.countries.empty() && p.organisations.empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat("certificate '", p.subject, "' has a role but no scope"));
  }
  return p;
}

bool InScope(const Principal& principal, const veu::v1::Site& site) {
  switch (principal.role) {
    case Role::kAdmin:
      return true;
    case Role::kOperator:
      return !site.organisation().empty() && principal.organisations.count(site.organisation()) > 0;
    case Role::kRegulator:
      return principal.countries.count(absl::AsciiStrToUpper(site.country())) > 0 ||
             (!site.organisation().empty() &&
              principal.organisations.count(site.organisation()) > 0);
  }
  return false;
}

std::string Describe(const Principal& principal) {
  std::vector<std::string> scope;
  for (const auto& c : principal.countries) scope.push_back("country:" + c);
  for (const auto& o : principal.organisations) scope.push_back("organisation:" + o);
  return absl::StrCat(RoleName(principal.role), " ", principal.subject,
                      scope.empty() ? "" : " [", absl::StrJoin(scope, ","),
                      scope.empty() ? "" : "]");
}

}  // namespace veu::regulator
