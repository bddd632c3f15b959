// The TPM's key derivation functions (TPM 2.0 Part 1, 11.4.10), used to protect credentials.
#ifndef VEU_COMMON_TPM_KDF_H_
#define VEU_COMMON_TPM_KDF_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace veu::tpm {

// KDFa (SP 800-108 counter mode with HMAC_hashAlg): `bits`/8 bytes from
// HMAC(key, counter || label || 0x00 || context_u || context_v || bits). `label` is given
// without its terminating NUL (it is added). Requires bits to be a positive multiple of 8 and
// at most 8192; InvalidArgument otherwise or for an unknown hash. Pure; thread-safe.
absl::StatusOr<std::string> KdfA(uint16_t hash_alg, std::string_view key, std::string_view label,
                                 std::string_view context_u, std::string_view context_v,
                                 uint32_t bits);

// KDFe (SP 800-56A concatenation KDF): `bits`/8 bytes from
// H(counter || z || label || 0x00 || party_u || party_v). Same requirements as KdfA.
absl::StatusOr<std::string> KdfE(uint16_t hash_alg, std::string_view z, std::string_view label,
                                 std::string_view party_u, std::string_view party_v, uint32_t bits);

}  // namespace veu::tpm

#endif  // VEU_COMMON_TPM_KDF_H_
