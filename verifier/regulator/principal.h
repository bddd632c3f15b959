// Principal: who is calling the regulator API and what they may see, taken from the client
// certificate that mutual TLS already verified against the configured client CA.
//
// The certificate says it in URI subject alternative names, so one CA can issue all of them:
//   urn:veu:role:regulator | urn:veu:role:operator | urn:veu:role:admin     (exactly one)
//   urn:veu:country:<ISO 3166-1 alpha-2>     (regulators: the jurisdictions they oversee)
//   urn:veu:organisation:<name>              (regulators and operators: organisations)
// A regulator sees the sites in its countries or organisations; an operator only its own
// organisations' sites; an admin everything. Pure apart from OpenSSL's certificate parsing.
#ifndef VEU_VERIFIER_REGULATOR_PRINCIPAL_H_
#define VEU_VERIFIER_REGULATOR_PRINCIPAL_H_

#include <set>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "veu/v1/records.pb.h"

namespace veu::regulator {

enum class Role { kRegulator, kOperator, kAdmin };

std::string RoleName(Role role);

struct Principal {
  std::string subject;                   // RFC 2253 subject of the client certificate
  Role role = Role::kRegulator;
  std::set<std::string> countries;       // upper case
  std::set<std::string> organisations;
};

// From the PEM client certificate gRPC's auth context carries. Unauthenticated if there is no
// certificate, no role, more than one role, an unknown role, or a scope a role cannot have
// (an operator with countries); PermissionDenied for a regulator or operator with no scope.
absl::StatusOr<Principal> PrincipalFromCertificatePem(std::string_view pem);

// True if `principal` may see `site`.
bool InScope(const Principal& principal, const veu::v1::Site& site);

// "regulator C=DE,O=Acme" style, for logs and access records.
std::string Describe(const Principal& principal);

}  // namespace veu::regulator

#endif  // VEU_VERIFIER_REGULATOR_PRINCIPAL_H_
