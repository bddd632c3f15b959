// TPM public areas as OpenSSL keys, and the AK as the verifier receives it.
#ifndef VEU_COMMON_TPM_PUBLIC_KEY_H_
#define VEU_COMMON_TPM_PUBLIC_KEY_H_

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include <memory>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"

namespace veu::tpm {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// The OpenSSL public key of an RSA (any size, exponent 0 meaning 65537) or ECC NIST P-256 /
// P-384 public area. Fails with InvalidArgument for other types/curves or an inconsistent area
// (e.g. a modulus whose size differs from keyBits, a point not on the curve). Pure; thread-safe.
absl::StatusOr<EvpPkeyPtr> PublicKeyFromTpmt(const TPMT_PUBLIC& pub);

// An attestation key as given to a verifier: its OpenSSL key and, when it came as a TPM
// public area, that area (needed for attribute and name checks).
struct AkPublicKey {
  EvpPkeyPtr key;
  std::optional<TPMT_PUBLIC> tpm_public;
};

// Loads an AK given as PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----", what
// `tpm2_createak -f pem` writes), DER SubjectPublicKeyInfo, or a marshalled TPM2B_PUBLIC
// (what `tpm2_createak -u` writes); the form is detected from the bytes. Fails with
// InvalidArgument saying which form was assumed and why it did not load.
absl::StatusOr<AkPublicKey> LoadAkPublic(std::string_view bytes);

}  // namespace veu::tpm

#endif  // VEU_COMMON_TPM_PUBLIC_KEY_H_
