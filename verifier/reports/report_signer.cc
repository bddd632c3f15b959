#include "verifier/reports/report_signer.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"
#include "common/crypto/openssl.h"
#include "common/hex.h"
#include "common/status_macros.h"

namespace veu::verifier {
namespace {

using crypto::BioPtr;
using crypto::MdCtxPtr;
using crypto::NoPassphrase;
using crypto::OpensslError;
using PkeyCtxPtr = crypto::PkeyCtxPtr;
using SigPtr = crypto::EcdsaSigPtr;


std::shared_ptr<EVP_PKEY> Share(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}



// The report algorithm of a key: ECDSA_P256_SHA256 or ED25519; InvalidArgument otherwise.
absl::StatusOr<std::string> AlgorithmOf(EVP_PKEY* key) {
  const int type = EVP_PKEY_get_base_id(key);
  if (type == EVP_PKEY_ED25519) return std::string(kAlgEd25519);
  if (type == EVP_PKEY_EC) {
    char group[64] = {0};
    size_t group_len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &group_len) == 1 &&
        std::string_view(group, group_len) == SN_X9_62_prime256v1) {
      return std::string(kAlgEcdsaP256Sha256);
    }
  }
  ERR_clear_error();
  return absl::InvalidArgumentError(
      "the report key must be ECDSA on curve P-256 (prime256v1) or Ed25519");
}

absl::StatusOr<std::string> SpkiDer(EVP_PKEY* key) {
  const int len = i2d_PUBKEY(key, nullptr);
  if (len <= 0) return absl::InternalError(OpensslError("i2d_PUBKEY failed"));
  std::string der(static_cast<size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_PUBKEY(key, &out) != len) return absl::InternalError(OpensslError("i2d_PUBKEY failed"));
  return der;
}

// SHA-256 for ECDSA; none (pure EdDSA) for Ed25519.
const EVP_MD* DigestFor(const std::string& algorithm) {
  return algorithm == kAlgEd25519 ? nullptr : EVP_sha256();
}

absl::StatusOr<std::string> SignWith(EVP_PKEY* key, const std::string& algorithm,
                                     std::string_view message) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, DigestFor(algorithm), nullptr, key) != 1) {
    return absl::InternalError(OpensslError("EVP_DigestSignInit failed"));
  }
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data, message.size()) != 1) {
    return absl::InternalError(OpensslError("EVP_DigestSign failed"));
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                     message.size()) != 1) {
    return absl::InternalError(OpensslError("EVP_DigestSign failed"));
  }
  sig.resize(len);
  return sig;
}

bool VerifyWith(EVP_PKEY* key, const std::string& algorithm, std::string_view message,
                std::string_view sig) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, DigestFor(algorithm), nullptr, key) != 1) {
    ERR_clear_error();
    return false;
  }
  const int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()),
                                  sig.size(),
                                  reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size());
  ERR_clear_error();
  return rc == 1;
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> Generate(int type) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(type, nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) {
    return absl::InternalError(OpensslError("EVP_PKEY_keygen_init failed"));
  }
  if (type == EVP_PKEY_EC &&
      EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx.get(), NID_X9_62_prime256v1) != 1) {
    return absl::InternalError(OpensslError("selecting P-256 failed"));
  }
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &key) != 1) {
    return absl::InternalError(OpensslError("EVP_PKEY_keygen failed"));
  }
  return Share(key);
}

}  // namespace

std::string ReportKeyId(std::string_view spki_der) { return ToHex(crypto::Sha256(spki_der)); }

// ---------------------------------------------------------------------------------------

ReportSigner::ReportSigner(std::shared_ptr<EVP_PKEY> key, std::string algorithm,
                           std::string spki_der)
    : key_(std::move(key)),
      algorithm_(std::move(algorithm)),
      spki_der_(std::move(spki_der)),
      key_id_(ReportKeyId(spki_der_)) {}

absl::StatusOr<ReportSigner> ReportSigner::FromPrivateKeyPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return absl::InternalError(OpensslError("BIO_new_mem_buf failed"));
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr);
  if (raw == nullptr) {
    return absl::InvalidArgumentError(
        OpensslError("the report signing key is not an unencrypted PEM private key"));
  }
  std::shared_ptr<EVP_PKEY> key = Share(raw);
  ASSIGN_OR_RETURN(std::string algorithm, AlgorithmOf(key.get()));
  ASSIGN_OR_RETURN(std::string spki, SpkiDer(key.get()));
  return ReportSigner(std::move(key), std::move(algorithm), std::move(spki));
}

absl::StatusOr<ReportSigner> ReportSigner::GenerateEcdsaP256() {
  ASSIGN_OR_RETURN(std::shared_ptr<EVP_PKEY> key, Generate(EVP_PKEY_EC));
  ASSIGN_OR_RETURN(std::string spki, SpkiDer(key.get()));
  return ReportSigner(std::move(key), kAlgEcdsaP256Sha256, std::move(spki));
}

absl::StatusOr<ReportSigner> ReportSigner::GenerateEd25519() {
  ASSIGN_OR_RETURN(std::shared_ptr<EVP_PKEY> key, Generate(EVP_PKEY_ED25519));
  ASSIGN_OR_RETURN(std::string spki, SpkiDer(key.get()));
  return ReportSigner(std::move(key), kAlgEd25519, std::move(spki));
}

absl::StatusOr<std::string> ReportSigner::PublicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    return absl::InternalError(OpensslError("PEM_write_bio_PUBKEY failed"));
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<std::string> ReportSigner::PrivateKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return absl::InternalError(OpensslError("PEM_write_bio_PrivateKey failed"));
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<v1::ReportSignature> ReportSigner::Sign(std::string_view message) const {
  ASSIGN_OR_RETURN(std::string value, SignWith(key_.get(), algorithm_, message));
  v1::ReportSignature sig;
  sig.set_algorithm(algorithm_);
  sig.set_key_id(key_id_);
  sig.set_value(std::move(value));
  return sig;
}

absl::StatusOr<std::string> ReportSigner::SignEs256(std::string_view message) const {
  if (algorithm_ != kAlgEcdsaP256Sha256) {
    return absl::FailedPreconditionError("ES256 needs an ECDSA P-256 key; this key is Ed25519");
  }
  ASSIGN_OR_RETURN(std::string der, SignWith(key_.get(), algorithm_, message));
  return EcdsaDerToRaw(der);
}

// ---------------------------------------------------------------------------------------

ReportSignatureVerifier::ReportSignatureVerifier(std::shared_ptr<EVP_PKEY> key,
                                                 std::string algorithm, std::string spki_der)
    : key_(std::move(key)),
      algorithm_(std::move(algorithm)),
      spki_der_(std::move(spki_der)),
      key_id_(ReportKeyId(spki_der_)) {}

absl::StatusOr<ReportSignatureVerifier> ReportSignatureVerifier::FromPem(std::string_view pem) {
  EVP_PKEY* raw = nullptr;
  {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) return absl::InternalError(OpensslError("BIO_new_mem_buf failed"));
    raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr);
  }
  if (raw == nullptr) {
    ERR_clear_error();
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) return absl::InternalError(OpensslError("BIO_new_mem_buf failed"));
    raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr);
  }
  if (raw == nullptr) {
    return absl::InvalidArgumentError(OpensslError(
        "the verifier key is neither a PEM public key nor an unencrypted PEM private key"));
  }
  std::shared_ptr<EVP_PKEY> key = Share(raw);
  ASSIGN_OR_RETURN(std::string algorithm, AlgorithmOf(key.get()));
  ASSIGN_OR_RETURN(std::string spki, SpkiDer(key.get()));
  // Keep a public-only copy so a private key handed in is not held longer than needed.
  return FromPublicKeyDer(spki);
}

absl::StatusOr<ReportSignatureVerifier> ReportSignatureVerifier::FromPublicKeyDer(
    std::string_view spki_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(spki_der.data());
  EVP_PKEY* raw = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size()));
  if (raw == nullptr ||
      p != reinterpret_cast<const unsigned char*>(spki_der.data()) + spki_der.size()) {
    if (raw != nullptr) EVP_PKEY_free(raw);
    return absl::InvalidArgumentError(
        OpensslError("the verifier key is not a DER SubjectPublicKeyInfo"));
  }
  std::shared_ptr<EVP_PKEY> key = Share(raw);
  ASSIGN_OR_RETURN(std::string algorithm, AlgorithmOf(key.get()));
  return ReportSignatureVerifier(std::move(key), std::move(algorithm), std::string(spki_der));
}

absl::Status ReportSignatureVerifier::Verify(std::string_view message,
                                             const v1::ReportSignature& signature) const {
  if (signature.algorithm() != algorithm_) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "signature algorithm is \"%s\" but the verifier key is %s", signature.algorithm(),
        algorithm_));
  }
  if (signature.key_id() != key_id_) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "signature key_id %s is not the verifier key's (%s)", signature.key_id(), key_id_));
  }
  if (!VerifyWith(key_.get(), algorithm_, message, signature.value())) {
    return absl::InvalidArgumentError("signature does not verify over the canonical report");
  }
  return absl::OkStatus();
}

absl::Status ReportSignatureVerifier::VerifyEs256(std::string_view message,
                                                  std::string_view raw) const {
  if (algorithm_ != kAlgEcdsaP256Sha256) {
    return absl::InvalidArgumentError("ES256 needs an ECDSA P-256 key; the verifier key is not");
  }
  ASSIGN_OR_RETURN(std::string der, EcdsaRawToDer(raw));
  if (!VerifyWith(key_.get(), algorithm_, message, der)) {
    return absl::InvalidArgumentError("ES256 signature does not verify");
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------

absl::StatusOr<std::string> EcdsaRawToDer(std::string_view raw) {
  if (raw.size() != 64) {
    return absl::InvalidArgumentError(
        absl::StrFormat("an ES256 signature is 64 bytes (r || s), got %d", raw.size()));
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  SigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + 32, 32, nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return absl::InternalError(OpensslError("building ECDSA_SIG failed"));
  }
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return absl::InternalError(OpensslError("i2d_ECDSA_SIG failed"));
  std::string der(static_cast<size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) {
    return absl::InternalError(OpensslError("i2d_ECDSA_SIG failed"));
  }
  return der;
}

absl::StatusOr<std::string> EcdsaDerToRaw(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    ERR_clear_error();
    return absl::InvalidArgumentError("not a DER ECDSA signature");
  }
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, 32) != 32 || BN_bn2binpad(s, out + 32, 32) != 32) {
    return absl::InvalidArgumentError("ECDSA signature values are larger than P-256 allows");
  }
  return raw;
}

}  // namespace veu::verifier
