// Ed25519 keys for location proofs (RFC 8032 through OpenSSL 3): the agent's per-epoch answer
// key and each landmark's receipt key. Public keys travel as 32 raw bytes.
// Thread-safety: a key may sign from several threads at once (OpenSSL contexts are per call).
#ifndef VEU_COMMON_LOCATION_ED25519_H_
#define VEU_COMMON_LOCATION_ED25519_H_

#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace veu::location {

inline constexpr size_t kEd25519PublicSize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

class Ed25519Key {
 public:
  // A fresh key from OpenSSL's DRBG. Internal only if key generation fails.
  static absl::StatusOr<Ed25519Key> Generate();
  // A PEM "PRIVATE KEY" (PKCS#8) holding an Ed25519 key; InvalidArgument otherwise.
  static absl::StatusOr<Ed25519Key> FromPem(absl::string_view pem);

  const std::string& public_raw() const { return public_raw_; }
  // The 64-byte signature over `message`; Internal only if OpenSSL fails.
  absl::StatusOr<std::string> Sign(absl::string_view message) const;
  // PKCS#8 PEM of the private key (for writing a landmark's key file).
  absl::StatusOr<std::string> PrivatePem() const;

 private:
  explicit Ed25519Key(std::shared_ptr<EVP_PKEY> key, std::string pub)
      : key_(std::move(key)), public_raw_(std::move(pub)) {}
  std::shared_ptr<EVP_PKEY> key_;
  std::string public_raw_;
};

// True when `signature` is a valid Ed25519 signature of `message` by the 32-byte `public_raw`.
// False for any malformed input (wrong sizes included); never throws.
bool Ed25519Verify(absl::string_view public_raw, absl::string_view message,
                   absl::string_view signature);

}  // namespace veu::location

#endif  // VEU_COMMON_LOCATION_ED25519_H_
