// C2SP signed notes (https://c2sp.org/signed-note) with ECDSA P-256 signatures, signature
// type 0x02 (as github.com/transparency-dev/witness and Sigstore's Rekor use them):
//
//   <note text, ending in \n>
//   \n
//   — <key name> <base64(key ID || DER ECDSA signature)>\n      (— is U+2014, em dash)
//
// The signature is ECDSA P-256 with SHA-256 over the note text bytes (the blank line and
// signature lines excluded); key ID = the first 4 bytes of SHA-256(DER SubjectPublicKeyInfo),
// big-endian. Anyone can check one with `openssl dgst -sha256 -verify`.
#ifndef VEU_VERIFIER_TRANSLOG_SIGNED_NOTE_H_
#define VEU_VERIFIER_TRANSLOG_SIGNED_NOTE_H_

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace veu::translog {

// Limits on notes we open: far above our own (one signature, ~200 bytes).
inline constexpr size_t kMaxNoteBytes = 64 * 1024;
inline constexpr size_t kMaxNoteSignatures = 100;

// C2SP key ID of an ECDSA key: SHA-256(DER SubjectPublicKeyInfo)[:4], big-endian.
uint32_t EcdsaKeyId(std::string_view spki_der);

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// Signs note texts with one ECDSA P-256 private key. Immutable after creation; thread-safe.
class NoteSigner {
 public:
  // From a PEM private key (PKCS#8 or SEC1). InvalidArgument if it does not parse or is not
  // a P-256 key, or if the key name is empty or has spaces, '+' or control characters.
  static absl::StatusOr<NoteSigner> FromPrivateKeyPem(std::string key_name, std::string_view pem);
  // A fresh random key (for tests and first-time setup); Internal if OpenSSL fails.
  static absl::StatusOr<NoteSigner> Generate(std::string key_name);

  const std::string& key_name() const { return key_name_; }
  uint32_t key_id() const { return key_id_; }
  // The public key as DER SubjectPublicKeyInfo, to hand to verifiers.
  const std::string& public_key_der() const { return spki_der_; }
  // The private key as PKCS#8 PEM, to store for later runs. Treat it as a secret.
  absl::StatusOr<std::string> PrivateKeyPem() const;

  // The signed note for `text`. InvalidArgument unless text is non-empty, ends in '\n',
  // contains no blank line and no control character other than '\n'.
  absl::StatusOr<std::string> Sign(std::string_view text) const;

 private:
  NoteSigner(std::string key_name, EvpPkeyPtr key, std::string spki_der);
  std::string key_name_;
  std::shared_ptr<EVP_PKEY> key_;
  std::string spki_der_;
  uint32_t key_id_ = 0;
};

// Opens notes signed by one known ECDSA P-256 key. Immutable after creation; thread-safe.
class NoteVerifier {
 public:
  // From the key's name and DER SubjectPublicKeyInfo. InvalidArgument if the key does not
  // parse or is not P-256, or the name is not a valid key name.
  static absl::StatusOr<NoteVerifier> FromPublicKeyDer(std::string key_name,
                                                       std::string_view spki_der);

  const std::string& key_name() const { return key_name_; }
  uint32_t key_id() const { return key_id_; }

  // Returns the note text if the note is well formed and carries a signature line with this
  // key's name and ID whose signature verifies. Lines from other keys are ignored, as C2SP
  // requires. InvalidArgument if the note is malformed, too large, not signed by this key,
  // or if any signature line of this key fails to verify.
  absl::StatusOr<std::string> Open(std::string_view note) const;

 private:
  NoteVerifier(std::string key_name, std::shared_ptr<EVP_PKEY> key, uint32_t key_id);
  std::string key_name_;
  std::shared_ptr<EVP_PKEY> key_;
  uint32_t key_id_ = 0;
};

}  // namespace veu::translog

#endif  // VEU_VERIFIER_TRANSLOG_SIGNED_NOTE_H_
