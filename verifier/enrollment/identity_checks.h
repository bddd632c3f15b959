// The checks enrolment makes on the TPM identity an agent presents, behind one small
// interface so the enrolment state machine is testable without real certificates.
#ifndef VEU_VERIFIER_ENROLLMENT_IDENTITY_CHECKS_H_
#define VEU_VERIFIER_ENROLLMENT_IDENTITY_CHECKS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "veu/v1/reason.pb.h"
#include "veu/v1/records.pb.h"
#include "veu/v1/tpm.pb.h"

namespace veu::verifier {

// Outcome of one check: reason REASON_UNSPECIFIED means it held.
struct CheckOutcome {
  veu::v1::ReasonCode reason = veu::v1::REASON_UNSPECIFIED;
  std::string detail;
  bool ok() const { return reason == veu::v1::REASON_UNSPECIFIED; }
};

// What a verified identity tells the verifier.
struct VerifiedIdentity {
  std::string ek_certificate_der;  // normalised DER
  std::string ek_spki_sha256;      // SHA-256 of the certificate's SubjectPublicKeyInfo DER
  std::string ek_chain;            // subjects leaf -> root, for the record
  // Deviations the chain was accepted with that every appraisal carries as a warning.
  std::vector<veu::v1::EkCaveat> ek_caveats;
};

class IdentityChecks {
 public:
  virtual ~IdentityChecks() = default;
  // EK certificate parses, chains to a configured manufacturer root, and certifies the
  // key in `identity.ek_public`; the AK public area is a restricted signing key whose name
  // is `identity.ak_name`. On failure `outcome` names the first check that failed.
  virtual CheckOutcome Verify(const veu::v1::TpmPublicIdentity& identity, absl::Time now,
                              VerifiedIdentity* verified) const = 0;
  // TPM2_MakeCredential for the EK: returns marshalled TPM2B_ID_OBJECT and
  // TPM2B_ENCRYPTED_SECRET that only that EK's TPM can open, and only for `ak_name`.
  virtual absl::Status MakeCredential(const std::string& ek_public, const std::string& ak_name,
                                      const std::string& secret, std::string* credential_blob,
                                      std::string* encrypted_secret) const = 0;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_ENROLLMENT_IDENTITY_CHECKS_H_
