// libFuzzer target for the regulator API's principal: arbitrary bytes as the PEM client
// certificate PrincipalFromCertificatePem reads, and, when the bytes parse as a DER
// certificate, the same bytes wrapped as PEM so mutated certificates reach the subject and
// URI SAN reading rather than dying in the base64 armour.
// Oracles, for every accepted principal (checked against the certificate read here
// independently of principal.cc):
//   - the certificate carries exactly one urn:veu:role: URI, and it names the principal's role;
//   - a regulator or operator has a non-empty scope; an operator has no countries;
//   - countries are two upper-case bytes; an admin is in scope of every site.
// Build and run: fuzz/run.sh principal (seeds: client certificates from
// deploy/demo/make-client-cert.sh, PEM and DER).
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "verifier/regulator/principal.h"
#include "veu/v1/records.pb.h"

namespace {

using veu::regulator::Principal;
using veu::regulator::Role;

std::string PemOf(std::string_view der) {
  const std::string b64 = absl::Base64Escape(absl::string_view(der.data(), der.size()));
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE-----\n";
}

// The role URIs of the first PEM certificate in `pem`, read without principal.cc; the values
// after the prefix. Only called on certificates principal.cc accepted, so one parses.
std::vector<std::string> RoleUris(std::string_view pem) {
  std::vector<std::string> roles;
  BIO* in = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = in != nullptr ? PEM_read_bio_X509(in, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(in);
  if (cert == nullptr) std::abort();  // principal.cc accepted a certificate OpenSSL refuses
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    const std::string uri(
        reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.uniformResourceIdentifier)),
        static_cast<size_t>(ASN1_STRING_length(name->d.uniformResourceIdentifier)));
    if (absl::StartsWith(uri, "urn:veu:role:")) roles.push_back(uri.substr(13));
  }
  GENERAL_NAMES_free(names);
  X509_free(cert);
  return roles;
}

void Check(std::string_view pem) {
  absl::StatusOr<Principal> p = veu::regulator::PrincipalFromCertificatePem(pem);
  ERR_clear_error();
  if (!p.ok()) return;
  const std::vector<std::string> roles = RoleUris(pem);
  ERR_clear_error();
  if (roles.size() != 1 || roles[0] != veu::regulator::RoleName(p->role)) std::abort();
  if (p->role != Role::kAdmin && p->countries.empty() && p->organisations.empty()) std::abort();
  if (p->role == Role::kOperator && !p->countries.empty()) std::abort();
  for (const std::string& country : p->countries) {
    if (country.size() != 2 || absl::AsciiStrToUpper(country) != country) std::abort();
  }
  for (const std::string& organisation : p->organisations) {
    if (organisation.empty()) std::abort();
  }
  veu::v1::Site site;
  site.set_country("de");
  site.set_organisation("Acme AI");
  const bool in_scope = veu::regulator::InScope(*p, site);
  if (p->role == Role::kAdmin && !in_scope) std::abort();
  (void)veu::regulator::Describe(*p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  Check(in);
  const unsigned char* p = data;
  X509* der = d2i_X509(nullptr, &p, static_cast<long>(size));
  ERR_clear_error();
  if (der != nullptr) {
    X509_free(der);
    Check(PemOf(in.substr(0, static_cast<size_t>(p - data))));
  }
  return 0;
}
