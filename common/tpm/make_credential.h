// TPM2_MakeCredential in software (TPM 2.0 Part 1 §24, Part 3 §12.6): the verifier, which has
// no TPM, wraps a secret so that only the TPM holding the EK, and only for the AK with the
// given Name, can recover it with TPM2_ActivateCredential.
#ifndef VEU_COMMON_TPM_MAKE_CREDENTIAL_H_
#define VEU_COMMON_TPM_MAKE_CREDENTIAL_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace veu::tpm {

// Both fields are the marshalled TPM2B forms, i.e. WITH their 2-byte big-endian size prefix,
// exactly what Tss2_MU_TPM2B_ID_OBJECT_Unmarshal / Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal
// read and what the proto fields credential_blob / encrypted_secret carry.
struct MadeCredential {
  std::string
      credential_blob;  // TPM2B_ID_OBJECT: size || TPM2B_DIGEST integrityHMAC || encIdentity
  std::string encrypted_secret;  // TPM2B_ENCRYPTED_SECRET: size || (RSA-OAEP seed | ECC point)
};

// Wraps `secret` (1 to digest-size-of-EK-nameAlg bytes) for the AK named `ak_name`
// (TPM2B_NAME contents: nameAlg || digest) under the EK given as marshalled TPM2B_PUBLIC:
// RSA (OAEP with the EK's nameAlg, label "IDENTITY\0") or ECC NIST P-256/P-384 (ephemeral
// ECDH + KDFe), with the EK's own symmetric algorithm (AES-128/256 CFB) and nameAlg.
// Fails with InvalidArgument for an unusable EK (not a restricted decryption key with
// AES-CFB, unsupported type/curve), an empty Name, or a bad secret size. Uses OpenSSL's DRBG
// (no other I/O). Thread-safe.
absl::StatusOr<MadeCredential> MakeCredential(std::string_view ek_tpm2b_public,
                                              std::string_view ak_name, std::string_view secret);

}  // namespace veu::tpm

#endif  // VEU_COMMON_TPM_MAKE_CREDENTIAL_H_
