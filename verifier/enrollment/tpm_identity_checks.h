// IdentityChecks over real TPM identities: EK certificate chain validation (common/x509),
// EK public area vs certificate key, AK public area checks and MakeCredential (common/tpm).
#ifndef VEU_VERIFIER_ENROLLMENT_TPM_IDENTITY_CHECKS_H_
#define VEU_VERIFIER_ENROLLMENT_TPM_IDENTITY_CHECKS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/x509/crl_set.h"
#include "common/x509/trust_store.h"
#include "verifier/enrollment/identity_checks.h"

namespace veu::verifier {

class TpmIdentityChecks final : public IdentityChecks {
 public:
  explicit TpmIdentityChecks(x509::TrustStore roots, x509::CrlSet crls = {})
      : roots_(std::move(roots)), crls_(std::move(crls)) {}
  // Loads the manufacturer CAs and the CRLs in `dir`/crls/ once (see
  // common/x509/trust_store_dir.h); EK certificates a CRL lists fail with EK_CERT_REVOKED.
  static absl::StatusOr<std::unique_ptr<TpmIdentityChecks>> FromRootsDir(const std::string& dir);

  CheckOutcome Verify(const veu::v1::TpmPublicIdentity& identity, absl::Time now,
                      VerifiedIdentity* verified) const override;
  absl::Status MakeCredential(const std::string& ek_public, const std::string& ak_name,
                              const std::string& secret, std::string* credential_blob,
                              std::string* encrypted_secret) const override;

  // What was loaded, for the operator's start-up log.
  const x509::TrustStore& roots() const { return roots_; }
  const x509::CrlSet& crls() const { return crls_; }

 private:
  const x509::TrustStore roots_;
  const x509::CrlSet crls_;
};

// SHA-256 of the SubjectPublicKeyInfo of an EK certificate in any stored form (DER, PEM, NV
// read with TCG header, padded): the key `veuctl agent allow` records.
absl::StatusOr<std::string> EkCertificateKeyHash(const std::string& certificate);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_ENROLLMENT_TPM_IDENTITY_CHECKS_H_
