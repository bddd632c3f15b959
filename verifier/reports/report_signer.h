// Signatures over signed reports (report.proto ReportSignature) and EAR JWTs.
//
// A report is signed with the verifier's key: ECDSA P-256 with SHA-256 (signature DER, the
// form `openssl dgst -sha256 -verify` checks; algorithm "ECDSA_P256_SHA256") or Ed25519
// (algorithm "ED25519"). key_id = lower-case hex SHA-256 of the DER SubjectPublicKeyInfo.
// The P-256 key may be the very key the transparency log signs its checkpoints with
// (verifier/translog/signed_note.h reads the same PEM), so one public key checks both.
//
// Both classes are immutable after creation and thread-safe. Errors: InvalidArgument for keys
// that do not parse or are of another type; Internal if OpenSSL fails on a valid key.
#ifndef VEU_VERIFIER_REPORTS_REPORT_SIGNER_H_
#define VEU_VERIFIER_REPORTS_REPORT_SIGNER_H_

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "veu/v1/report.pb.h"

namespace veu::verifier {

inline constexpr char kAlgEcdsaP256Sha256[] = "ECDSA_P256_SHA256";
inline constexpr char kAlgEd25519[] = "ED25519";

// Lower-case hex SHA-256 of a DER SubjectPublicKeyInfo.
std::string ReportKeyId(std::string_view spki_der);

class ReportSigner {
 public:
  // From a PEM private key (PKCS#8, or SEC1 "EC PRIVATE KEY"), EC P-256 or Ed25519. Encrypted
  // keys are refused rather than prompting for a passphrase.
  static absl::StatusOr<ReportSigner> FromPrivateKeyPem(std::string_view pem);
  // Fresh keys, for tests and first-time setup.
  static absl::StatusOr<ReportSigner> GenerateEcdsaP256();
  static absl::StatusOr<ReportSigner> GenerateEd25519();

  const std::string& algorithm() const { return algorithm_; }
  const std::string& key_id() const { return key_id_; }
  const std::string& public_key_der() const { return spki_der_; }
  absl::StatusOr<std::string> PublicKeyPem() const;
  // PKCS#8 PEM; a secret.
  absl::StatusOr<std::string> PrivateKeyPem() const;

  // The detached signature over `message` (the JCS bytes of a report).
  absl::StatusOr<v1::ReportSignature> Sign(std::string_view message) const;

  // JWS ES256 (RFC 7518 §3.4): ECDSA P-256 SHA-256 as the 64 bytes r || s, each big-endian
  // and left-padded to 32 bytes. FailedPrecondition for an Ed25519 signer.
  absl::StatusOr<std::string> SignEs256(std::string_view message) const;

 private:
  ReportSigner(std::shared_ptr<EVP_PKEY> key, std::string algorithm, std::string spki_der);
  std::shared_ptr<EVP_PKEY> key_;
  std::string algorithm_;
  std::string spki_der_;
  std::string key_id_;
};

class ReportSignatureVerifier {
 public:
  // From a PEM public key ("PUBLIC KEY"); a PEM private key is accepted too and only its
  // public half is kept, so an operator can point at the file the verifier signs with.
  static absl::StatusOr<ReportSignatureVerifier> FromPem(std::string_view pem);
  // From a DER SubjectPublicKeyInfo.
  static absl::StatusOr<ReportSignatureVerifier> FromPublicKeyDer(std::string_view spki_der);

  const std::string& algorithm() const { return algorithm_; }
  const std::string& key_id() const { return key_id_; }
  const std::string& public_key_der() const { return spki_der_; }

  // OK iff `signature` names this key's algorithm and key_id and verifies over `message`.
  // InvalidArgument saying which of these does not hold otherwise.
  absl::Status Verify(std::string_view message, const v1::ReportSignature& signature) const;

  // OK iff `raw` is a 64-byte ES256 r || s signature over `message` by this (P-256) key.
  absl::Status VerifyEs256(std::string_view message, std::string_view raw) const;

 private:
  ReportSignatureVerifier(std::shared_ptr<EVP_PKEY> key, std::string algorithm,
                          std::string spki_der);
  std::shared_ptr<EVP_PKEY> key_;
  std::string algorithm_;
  std::string spki_der_;
  std::string key_id_;
};

// ES256 r || s (64 bytes) <-> DER ECDSA-Sig-Value. InvalidArgument on malformed input.
absl::StatusOr<std::string> EcdsaRawToDer(std::string_view raw);
absl::StatusOr<std::string> EcdsaDerToRaw(std::string_view der);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_REPORTS_REPORT_SIGNER_H_
