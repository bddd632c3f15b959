#include "common/location/ed25519.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/crypto/openssl.h"

namespace veu::location {
namespace {

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* k) { return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free); }

absl::StatusOr<std::string> RawPublic(EVP_PKEY* k) {
  std::string pub(kEd25519PublicSize, '\0');
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(k, reinterpret_cast<unsigned char*>(pub.data()), &len) != 1 ||
      len != kEd25519PublicSize) {
    return absl::InternalError(crypto::OpensslError("Ed25519 public key export failed"));
  }
  return pub;
}

}  // namespace

absl::StatusOr<Ed25519Key> Ed25519Key::Generate() {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (k == nullptr) return absl::InternalError(crypto::OpensslError("Ed25519 key generation failed"));
  auto key = Own(k);
  absl::StatusOr<std::string> pub = RawPublic(k);
  if (!pub.ok()) return pub.status();
  return Ed25519Key(std::move(key), *std::move(pub));
}

absl::StatusOr<Ed25519Key> Ed25519Key::FromPem(absl::string_view pem) {
  crypto::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return absl::InternalError("BIO_new_mem_buf failed");
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, crypto::NoPassphrase, nullptr);
  if (k == nullptr) {
    return absl::InvalidArgumentError(crypto::OpensslError(
        "not a PEM private key (make one with: openssl genpkey -algorithm ed25519)"));
  }
  auto key = Own(k);
  if (EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError("the key is not Ed25519 (openssl genpkey -algorithm ed25519)");
  }
  absl::StatusOr<std::string> pub = RawPublic(k);
  if (!pub.ok()) return pub.status();
  return Ed25519Key(std::move(key), *std::move(pub));
}

absl::StatusOr<std::string> Ed25519Key::Sign(absl::string_view message) const {
  crypto::MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string sig(kEd25519SignatureSize, '\0');
  size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != kEd25519SignatureSize) {
    return absl::InternalError(crypto::OpensslError("Ed25519 signing failed"));
  }
  return sig;
}

absl::StatusOr<std::string> Ed25519Key::PrivatePem() const {
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return absl::InternalError(crypto::OpensslError("PEM export failed"));
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

bool Ed25519Verify(absl::string_view public_raw, absl::string_view message,
                   absl::string_view signature) {
  if (public_raw.size() != kEd25519PublicSize || signature.size() != kEd25519SignatureSize) {
    return false;
  }
  EVP_PKEY* k = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(public_raw.data()),
      public_raw.size());
  if (k == nullptr) return false;
  auto key = Own(k);
  crypto::MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, k) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace veu::location
