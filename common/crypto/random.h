// Cryptographically secure random bytes (OpenSSL's DRBG).
#ifndef VEU_COMMON_CRYPTO_RANDOM_H_
#define VEU_COMMON_CRYPTO_RANDOM_H_

#include <string>

#include "absl/status/statusor.h"

namespace veu::crypto {

// `n` random bytes; Internal error only if the DRBG fails (then nothing is safe to do).
absl::StatusOr<std::string> RandomBytes(size_t n);

// Compares two secrets in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace veu::crypto

#endif  // VEU_COMMON_CRYPTO_RANDOM_H_
