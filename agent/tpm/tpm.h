// The agent's view of its TPM: the few operations attestation needs, nothing more.
//
// Every TPM structure crosses this interface as the TPM's own marshalled bytes so the verifier
// can re-check it with any TPM library. Implementations: EsysTpm (agent/tpm/esys_tpm.h) over a
// real TPM or swtpm. Callers own serialisation: an implementation is used by one thread at a time.
#ifndef VEU_AGENT_TPM_TPM_H_
#define VEU_AGENT_TPM_TPM_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "veu/v1/tpm.pb.h"

namespace veu::agent {

// Key type of an endorsement key and of its certificate's NV index (TCG EK Credential Profile).
enum class EkKeyType {
  kRsa2048,  // NV 0x01c00002, template L-1
  kEccP256,  // NV 0x01c0000a, template L-2
  kEccP384,  // NV 0x01c00016, template H-3
};
std::string EkKeyTypeName(EkKeyType type);  // "RSA-2048", "ECC-P256", "ECC-P384"

struct EkCertificate {
  EkKeyType key_type;
  uint32_t nv_index;
  std::string der;  // raw NV contents: DER, possibly with a TCG header or zero padding
};

struct AkIdentity {
  std::string public_area;  // TPM2B_PUBLIC, marshalled (with its 2-byte size)
  std::string name;         // TPM2B_NAME contents: nameAlg (2 bytes) || digest of TPMT_PUBLIC
};

class Tpm {
 public:
  virtual ~Tpm() = default;

  // The EK certificate stored in NV by the manufacturer, the first present of the preferred key
  // type order (see EsysTpmOptions). NotFound when the TPM holds no EK certificate.
  virtual absl::StatusOr<EkCertificate> ReadEkCertificate() = 0;

  // TPM2B_PUBLIC (marshalled) of the EK whose key is in ReadEkCertificate()'s certificate (or,
  // without any certificate, the EK of the most preferred key type from its TCG default
  // template). FailedPrecondition when the TPM's EK does not match its certificate.
  virtual absl::StatusOr<std::string> EkPublic() = 0;

  // The agent's attestation key: a restricted signing key in the endorsement hierarchy, created
  // on first use and then kept (persistent handle) so it is the same key across restarts.
  virtual absl::StatusOr<AkIdentity> Ak() = 0;

  // TPM2_ActivateCredential with the AK as the activated object and the EK as the decryption
  // key. Inputs are a marshalled TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET, each with its
  // 2-byte size prefix. Returns the secret (TPM2B_DIGEST contents). InvalidArgument for
  // malformed blobs; FailedPrecondition (decoded TPM RC) when the credential is not for this AK/EK.
  virtual absl::StatusOr<std::string> ActivateCredential(std::string_view credential_blob,
                                                         std::string_view encrypted_secret) = 0;

  // Current values of `selection`'s PCRs in ascending index order. InvalidArgument for an
  // unknown bank or PCR index > 23; FailedPrecondition when the bank is not active.
  virtual absl::StatusOr<std::vector<veu::v1::PcrValue>> ReadPcrs(
      const veu::v1::PcrSelection& selection) = 0;

  // TPM2_Quote with the AK over the non-empty `selection`, with qualifying_data (at most 64
  // bytes) as extraData. pcr_values are the values the quote covers: read right after it and
  // checked against its pcrDigest; the quote is retried if PCRs changed in between (Unavailable
  // if they keep changing).
  virtual absl::StatusOr<veu::v1::Quote> Quote(std::string_view qualifying_data,
                                               const veu::v1::PcrSelection& selection) = 0;

  // TPM2_PCR_Extend of PCR `pcr` with one digest per bank (key: TPM_ALG_ID). Used by tests and
  // the demo to replay an event log. InvalidArgument for a digest of the wrong size.
  virtual absl::Status ExtendPcr(uint32_t pcr, const std::map<uint16_t, std::string>& digests) = 0;
};

}  // namespace veu::agent

#endif  // VEU_AGENT_TPM_TPM_H_
