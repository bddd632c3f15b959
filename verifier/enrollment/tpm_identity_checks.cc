#include "verifier/enrollment/tpm_identity_checks.h"

#include <openssl/evp.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "common/tpm/ak_checks.h"
#include "common/tpm/make_credential.h"
#include "common/tpm/public_key.h"
#include "common/tpm/structures.h"
#include "common/x509/ek_certificate.h"
#include "common/x509/ek_chain.h"
#include "common/x509/trust_store_dir.h"

namespace veu::verifier {

absl::StatusOr<std::unique_ptr<TpmIdentityChecks>> TpmIdentityChecks::FromRootsDir(
    const std::string& dir) {
  ASSIGN_OR_RETURN(x509::TrustStore store, x509::LoadTrustStoreDir(dir));
  ASSIGN_OR_RETURN(x509::CrlSet crls, x509::LoadEkCrls(dir, store));
  return std::make_unique<TpmIdentityChecks>(std::move(store), std::move(crls));
}

CheckOutcome TpmIdentityChecks::Verify(const veu::v1::TpmPublicIdentity& identity,
                                       absl::Time now, VerifiedIdentity* verified) const {
  absl::StatusOr<x509::EkCertificate> cert = x509::ParseEkCertificate(identity.ek_certificate());
  if (!cert.ok()) return {veu::v1::EK_CERT_MALFORMED, std::string(cert.status().message())};
  verified->ek_spki_sha256 = cert->spki_sha256();
  x509::ChainOptions options;
  options.crls = &crls_;
  x509::ChainResult chain = x509::VerifyEkChain(*cert, roots_, now, options);
  if (!chain.accepted) return {chain.reason, chain.detail};
  std::vector<std::string> subjects;
  for (const auto& link : chain.chain) subjects.push_back(link.subject);
  verified->ek_chain = absl::StrJoin(subjects, " <- ");
  verified->ek_caveats.clear();
  for (const x509::ChainCaveat& c : chain.caveats) {
    veu::v1::EkCaveat& caveat = verified->ek_caveats.emplace_back();
    caveat.set_reason(c.reason);
    caveat.set_detail(c.detail);
  }
  verified->ek_certificate_der = cert->der();

  // The credential will be encrypted to the EK public area the agent sent: it must be the
  // key the manufacturer certified, or a software key could stand in for the TPM.
  absl::StatusOr<TPMT_PUBLIC> ek = tpm::UnmarshalTpm2bPublic(identity.ek_public());
  if (!ek.ok()) return {veu::v1::EK_PUBLIC_MISMATCH, std::string(ek.status().message())};
  absl::StatusOr<tpm::EvpPkeyPtr> ek_key = tpm::PublicKeyFromTpmt(*ek);
  if (!ek_key.ok()) return {veu::v1::EK_PUBLIC_MISMATCH, std::string(ek_key.status().message())};
  if (cert->public_key() == nullptr || EVP_PKEY_eq(cert->public_key(), ek_key->get()) != 1) {
    return {veu::v1::EK_PUBLIC_MISMATCH,
            "the EK public area is not the key in the EK certificate"};
  }
  if (!(ek->objectAttributes & TPMA_OBJECT_RESTRICTED) ||
      !(ek->objectAttributes & TPMA_OBJECT_DECRYPT) ||
      !(ek->objectAttributes & TPMA_OBJECT_FIXEDTPM)) {
    return {veu::v1::EK_PUBLIC_MISMATCH,
            "the EK public area is not a restricted, fixedTPM decryption key"};
  }

  std::vector<tpm::CheckResult> ak = tpm::CheckAkPublic(identity.ak_public(), identity.ak_name());
  if (const tpm::CheckResult* failed = tpm::FirstFailure(ak)) {
    return {failed->reason, absl::StrCat(failed->id, ": ", failed->detail)};
  }
  return {};
}

absl::Status TpmIdentityChecks::MakeCredential(const std::string& ek_public,
                                               const std::string& ak_name,
                                               const std::string& secret,
                                               std::string* credential_blob,
                                               std::string* encrypted_secret) const {
  ASSIGN_OR_RETURN(tpm::MadeCredential credential, tpm::MakeCredential(ek_public, ak_name, secret));
  *credential_blob = std::move(credential.credential_blob);
  *encrypted_secret = std::move(credential.encrypted_secret);
  return absl::OkStatus();
}

absl::StatusOr<std::string> EkCertificateKeyHash(const std::string& certificate) {
  ASSIGN_OR_RETURN(x509::EkCertificate cert, x509::ParseEkCertificate(certificate));
  return cert.spki_sha256();
}

}  // namespace veu::verifier
