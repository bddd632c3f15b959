// An X.509 certificate as signed: the exact DER bytes, the views a chain check needs, and
// OpenSSL's parsed view. Real TPM vendor certificates are not always strict DER, so the
// certificate keeps the original bytes for signature checks and, where OpenSSL refuses the
// encoding, a repaired copy for reading fields (see notes()).
#ifndef VEU_COMMON_X509_CERTIFICATE_H_
#define VEU_COMMON_X509_CERTIFICATE_H_

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace veu::x509 {

// The TPM's identity from the EK certificate's subjectAltName directoryName
// (TCG EK Credential Profile: tcg-at-tpmManufacturer/Model/Version, 2.23.133.2.1-3), verbatim,
// e.g. manufacturer "id:53544D20", model "ST33ZP24PVSP", version "id:0D0C".
struct TpmIdentity {
  std::string manufacturer;
  std::string model;
  std::string version;
};

// Immutable; cheap to copy (shares its data); safe to use from several threads.
class Certificate {
 public:
  // The DER as signed (storage wrapping removed, never repaired).
  const std::string& der() const;
  // Exact byte ranges of der(): what the issuer signed, and the pieces of it.
  std::string_view tbs_der() const;
  std::string_view issuer_der() const;
  std::string_view subject_der() const;
  std::string_view spki_der() const;  // SubjectPublicKeyInfo as encoded in the certificate
  std::string_view signature_algorithm_der() const;
  std::string_view signature() const;  // the signatureValue bits (whole bytes)

  // Names in RFC 2253 form ("CN=...,O=...,C=..."), "" when empty (EK certificates usually are).
  const std::string& subject() const;
  const std::string& issuer() const;
  // The subject, or "serial 0x... (empty subject, issued by ...)" for an empty subject.
  std::string DisplayName() const;
  std::string serial_hex() const;

  // OpenSSL's view (of the repaired copy if one was needed); never null.
  X509* x509() const;
  // The subject public key, or nullptr if OpenSSL cannot use its algorithm (then
  // public_key_error() says why). TPM 1.2 keys marked rsaesOaep are returned as plain RSA.
  EVP_PKEY* public_key() const;
  const std::string& public_key_error() const;
  // SHA-256 of i2d_PUBKEY(public_key()) (the canonical SubjectPublicKeyInfo), so it equals the
  // hash of a key derived from the TPM's EK public area; of spki_der() if there is no key.
  const std::string& spki_sha256() const;

  absl::Time not_before() const;
  absl::Time not_after() const;
  std::optional<TpmIdentity> tpm_identity() const;
  // True if subject and issuer name the same entity after normalisation.
  bool names_self() const;
  // Deviations from strict DER and how they were handled, for operators to read.
  const std::vector<std::string>& notes() const;

  struct Data;

 private:
  Certificate() = default;  // only parsing makes one, so a Certificate is never empty
  friend absl::StatusOr<Certificate> ParseCertificateDer(std::string_view der,
                                                         std::vector<std::string> storage_notes);
  std::shared_ptr<const Data> d_;
};

// Parses exactly one DER certificate occupying all of `der`. Repairs non-minimal INTEGER
// encodings in the serial number/version (which OpenSSL refuses) for field access only.
// `storage_notes` (how `der` was unwrapped) start the certificate's notes().
// Fails with InvalidArgument "EK_CERT_MALFORMED: ..." naming the byte offset or OpenSSL's
// complaint.
absl::StatusOr<Certificate> ParseCertificateDer(std::string_view der,
                                                std::vector<std::string> storage_notes = {});

// Parses a certificate file's bytes: one DER certificate (bytes after its end are ignored
// and noted), or any number of PEM "CERTIFICATE" blocks (a bundle; other PEM blocks are
// skipped). Fails with InvalidArgument naming the failing block.
absl::StatusOr<std::vector<Certificate>> ParseCertificateFile(std::string_view bytes);

// Checks that `issuer_key` verifies `child`'s signature over its original tbsCertificate
// bytes. OK if it does; InvalidArgument if the algorithms do not fit or the signature is
// wrong (message says which); Unimplemented for signature algorithms we do not support
// (supported: RSA PKCS#1 v1.5, RSASSA-PSS with MGF1, ECDSA; SHA-1 and SHA-2 digests).
absl::Status VerifySignedBy(const Certificate& child, EVP_PKEY* issuer_key);

// RFC 2253 text of a DER Name; "<unparseable name>" if OpenSSL refuses it.
std::string NameToString(std::string_view name_der);

// True if the two DER Names are equal byte for byte or after OpenSSL's canonical
// normalisation (case, whitespace, string types, order of values inside one RDN).
bool NamesMatch(std::string_view a_der, std::string_view b_der);

}  // namespace veu::x509

#endif  // VEU_COMMON_X509_CERTIFICATE_H_
