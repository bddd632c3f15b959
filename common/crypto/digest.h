// Message digests through OpenSSL's EVP interface, by TPM algorithm ID.
#ifndef VEU_COMMON_CRYPTO_DIGEST_H_
#define VEU_COMMON_CRYPTO_DIGEST_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

typedef struct evp_md_st EVP_MD;

namespace veu::crypto {

// TPM_ALG_ID values of the hash algorithms we know (TPM 2.0 Part 2, 6.3).
inline constexpr uint16_t kAlgSha1 = 0x0004;
inline constexpr uint16_t kAlgSha256 = 0x000B;
inline constexpr uint16_t kAlgSha384 = 0x000C;
inline constexpr uint16_t kAlgSha512 = 0x000D;
inline constexpr uint16_t kAlgSm3_256 = 0x0012;

// OpenSSL's digest for a TPM hash algorithm, or nullptr if OpenSSL has none for it.
const EVP_MD* EvpMdFor(uint16_t tpm_alg);

// Digest size in bytes of a known hash algorithm, or 0 if unknown.
size_t DigestSize(uint16_t tpm_alg);

// "sha1", "sha256", ... for a known algorithm; "alg_0x...." otherwise.
std::string HashAlgName(uint16_t tpm_alg);

// Inverse of HashAlgName for known names; NotFound otherwise.
absl::StatusOr<uint16_t> HashAlgFromName(std::string_view name);

// Hash of the concatenation of `parts`. Fails with InvalidArgument for an algorithm
// OpenSSL cannot compute.
absl::StatusOr<std::string> Hash(uint16_t tpm_alg, std::initializer_list<std::string_view> parts);

// SHA-256 of `data`; cannot fail.
std::string Sha256(std::string_view data);

}  // namespace veu::crypto

#endif  // VEU_COMMON_CRYPTO_DIGEST_H_
