// SoftwareTpm: the agent's Tpm interface implemented in process memory, for load generation
// (veu-loadgen drives thousands of them) and tests. Its keys are real — an ECC P-256 EK with an
// EK certificate from a SoftwareEkCa, and an ECC P-256 restricted signing AK — and what crosses
// the interface is byte-for-byte what a TPM produces (TPMS_ATTEST, TPMT_SIGNATURE and
// TPM2B_PUBLIC marshalled with tss2-mu; TPM2_ActivateCredential's KDFe/KDFa, HMAC and AES-CFB),
// so the verifier checks it exactly as it checks a real TPM.
//
// It proves nothing about a machine: the private keys are ordinary process memory. A verifier
// accepts its EK certificates only when the operator put the SoftwareEkCa's certificate in the
// EK roots directory, which nobody does outside a load test.
//
// Not thread-safe (like every Tpm): one caller at a time.
#ifndef VEU_AGENT_TPM_SOFTWARE_TPM_H_
#define VEU_AGENT_TPM_SOFTWARE_TPM_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/tpm/tpm.h"
#include "common/tpm/public_key.h"

namespace veu::agent {

// A certificate authority for software EKs: an ECC P-256 key and a self-signed CA certificate.
class SoftwareEkCa {
 public:
  static absl::StatusOr<SoftwareEkCa> Create(const std::string& common_name);
  // Reads what Save wrote (ca.pem, ca.key.pem in `dir`).
  static absl::StatusOr<SoftwareEkCa> Load(const std::string& dir);
  // Writes the certificate (ca.pem, for the verifier's EK roots directory) and the private key
  // (ca.key.pem, mode 0600).
  absl::Status Save(const std::string& dir) const;

  // An EK certificate (DER) for `ek` (public key used), valid from an hour ago for a year.
  absl::StatusOr<std::string> Issue(EVP_PKEY* ek, uint64_t serial) const;
  std::string CertificatePem() const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  std::shared_ptr<X509> cert_;
};

class SoftwareTpm final : public Tpm {
 public:
  // A new TPM: fresh EK and AK, an EK certificate from `ca` with `serial`, every PCR zero.
  static absl::StatusOr<std::unique_ptr<SoftwareTpm>> Create(const SoftwareEkCa& ca,
                                                             uint64_t serial);

  absl::StatusOr<EkCertificate> ReadEkCertificate() override;
  absl::StatusOr<std::string> EkPublic() override;
  absl::StatusOr<AkIdentity> Ak() override;
  absl::StatusOr<std::string> ActivateCredential(std::string_view credential_blob,
                                                 std::string_view encrypted_secret) override;
  absl::StatusOr<std::vector<veu::v1::PcrValue>> ReadPcrs(
      const veu::v1::PcrSelection& selection) override;
  absl::StatusOr<veu::v1::Quote> Quote(std::string_view qualifying_data,
                                       const veu::v1::PcrSelection& selection) override;
  absl::Status ExtendPcr(uint32_t pcr, const std::map<uint16_t, std::string>& digests) override;

 private:
  SoftwareTpm() = default;

  tpm::EvpPkeyPtr ek_;
  tpm::EvpPkeyPtr ak_;
  std::string ek_public_;  // TPM2B_PUBLIC
  std::string ek_x_;       // the EK point's x coordinate (KDFe's partyVInfo)
  AkIdentity ak_identity_;
  std::string ek_certificate_der_;
  // Banks SHA-1 and SHA-256, 24 PCRs each.
  std::map<uint16_t, std::array<std::string, 24>> pcrs_;
  absl::Time started_ = absl::Now();  // TPMS_CLOCK_INFO.clock counts from here
};

}  // namespace veu::agent

#endif  // VEU_AGENT_TPM_SOFTWARE_TPM_H_
