// TPM signatures (TPMT_SIGNATURE) checked with OpenSSL.
#ifndef VEU_COMMON_TPM_SIGNATURE_H_
#define VEU_COMMON_TPM_SIGNATURE_H_

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"

namespace veu::tpm {

// The hash algorithm a RSASSA, RSAPSS or ECDSA signature was made with, or 0 for any other
// signature algorithm.
uint16_t SignatureHashAlg(const TPMT_SIGNATURE& signature);

// "rsassa", "rsapss", "ecdsa", or "alg_0x...." for the signature's algorithm.
const char* SignatureAlgName(uint16_t sig_alg);

// Verifies `signature` over `data` with `key`. Supports RSASSA-PKCS1-v1_5 and RSASSA-PSS
// (any salt length) with RSA keys and ECDSA with EC keys, hashes SHA-1/256/384/512. Returns OK
// iff it verifies; InvalidArgument naming the mismatch (wrong key type, unsupported scheme,
// bad signature) otherwise. Does not apply any hash policy. Pure; thread-safe.
absl::Status VerifyTpmSignature(EVP_PKEY* key, const TPMT_SIGNATURE& signature,
                                std::string_view data);

}  // namespace veu::tpm

#endif  // VEU_COMMON_TPM_SIGNATURE_H_
