#include "common/ima/ima_signature.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>

#include "absl/strings/str_format.h"
#include "common/eventlog/hasher.h"

namespace veu::ima {
namespace {

constexpr uint8_t kDigsig = 0x03;  // EVM_IMA_XATTR_DIGSIG
constexpr size_t kHeaderBytes = 9;  // type, version, hash_algo, keyid[4], sig_size[2]

// include/uapi/linux/hash_info.h, with the OpenSSL digest name where we verify it.
struct HashAlgo {
  const char* ima_name;
  const char* openssl_name;
};
constexpr std::array<HashAlgo, 23> kHashAlgos = {{
    {"md4", nullptr},      {"md5", nullptr},       {"sha1", "SHA1"},       {"rmd160", nullptr},
    {"sha256", "SHA256"},  {"sha384", "SHA384"},   {"sha512", "SHA512"},   {"sha224", "SHA224"},
    {"rmd128", nullptr},   {"rmd256", nullptr},    {"rmd320", nullptr},    {"wp256", nullptr},
    {"wp384", nullptr},    {"wp512", nullptr},     {"tgr128", nullptr},    {"tgr160", nullptr},
    {"tgr192", nullptr},   {"sm3", "SM3"},         {"streebog256", nullptr}, {"streebog512", nullptr},
    {"sha3-256", "SHA3-256"}, {"sha3-384", "SHA3-384"}, {"sha3-512", "SHA3-512"},
}};

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* k) { return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free); }

// Last 4 bytes of SHA-1 over the DER public key (evmctl's calc_keyid_v2).
uint32_t KeyIdFromKey(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = i2d_PublicKey(key, &der);
  if (n <= 0) return 0;
  uint8_t sha1[eventlog::kMaxDigestBytes];
  eventlog::HashInto(0x0004, std::string_view(reinterpret_cast<const char*>(der), n), {}, sha1);
  OPENSSL_free(der);
  return static_cast<uint32_t>(sha1[16]) << 24 | static_cast<uint32_t>(sha1[17]) << 16 |
         static_cast<uint32_t>(sha1[18]) << 8 | sha1[19];
}

}  // namespace

absl::StatusOr<std::vector<VerificationKey>> LoadVerificationKeys(std::string_view pem) {
  std::vector<VerificationKey> keys;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) break;
    const std::string type(name);
    const unsigned char* p = data;
    VerificationKey k;
    if (type == "CERTIFICATE") {
      X509* cert = d2i_X509(nullptr, &p, len);
      if (cert != nullptr) {
        k.key = Own(X509_get_pubkey(cert));
        const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert);
        if (ski != nullptr && ASN1_STRING_length(ski) >= 4) {
          const unsigned char* s = ASN1_STRING_get0_data(ski) + ASN1_STRING_length(ski) - 4;
          k.keyid = static_cast<uint32_t>(s[0]) << 24 | static_cast<uint32_t>(s[1]) << 16 |
                    static_cast<uint32_t>(s[2]) << 8 | s[3];
        }
        X509_free(cert);
      }
    } else if (type == "PUBLIC KEY") {
      k.key = Own(d2i_PUBKEY(nullptr, &p, len));
    } else if (type == "RSA PUBLIC KEY") {
      k.key = Own(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, len));
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    if (type != "CERTIFICATE" && type != "PUBLIC KEY" && type != "RSA PUBLIC KEY") continue;
    if (!k.key) return absl::InvalidArgumentError(absl::StrFormat("a PEM %s does not parse", type));
    if (k.keyid == 0) k.keyid = KeyIdFromKey(k.key.get());
    keys.push_back(std::move(k));
  }
  if (keys.empty()) return absl::InvalidArgumentError("no public key or certificate in the PEM text");
  return keys;
}

absl::StatusOr<VerificationKey> LoadVerificationKeyDer(std::string_view der) {
  VerificationKey k;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  if (X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size())); cert != nullptr) {
    k.key = Own(X509_get_pubkey(cert));
    const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert);
    if (ski != nullptr && ASN1_STRING_length(ski) >= 4) {
      const unsigned char* s = ASN1_STRING_get0_data(ski) + ASN1_STRING_length(ski) - 4;
      k.keyid = static_cast<uint32_t>(s[0]) << 24 | static_cast<uint32_t>(s[1]) << 16 |
                static_cast<uint32_t>(s[2]) << 8 | s[3];
    }
    X509_free(cert);
  } else {
    p = reinterpret_cast<const unsigned char*>(der.data());
    k.key = Own(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  }
  if (!k.key) {
    return absl::InvalidArgumentError(
        "not a DER SubjectPublicKeyInfo or X.509 certificate with a public key");
  }
  if (k.keyid == 0) k.keyid = KeyIdFromKey(k.key.get());
  return k;
}

const char* SignatureResultName(SignatureResult r) {
  switch (r) {
    case SignatureResult::kNone: return "none";
    case SignatureResult::kValid: return "valid";
    case SignatureResult::kInvalid: return "invalid";
    case SignatureResult::kUnknownKey: return "unknown-key";
    case SignatureResult::kMalformed: return "malformed";
    case SignatureResult::kUnsupported: return "unsupported";
  }
  return "?";
}

SignatureCheck CheckSignature(const Entry& e, const std::vector<VerificationKey>& keys) {
  SignatureCheck c;
  const std::string& s = e.signature;
  if (s.empty()) return c;
  auto u8 = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  if (s.size() < kHeaderBytes || u8(0) != kDigsig) {
    c.result = SignatureResult::kMalformed;
    c.detail = "not an EVM_IMA_XATTR_DIGSIG signature header";
    return c;
  }
  if (u8(1) != 2) {
    c.result = SignatureResult::kUnsupported;
    c.detail = absl::StrFormat("signature version %d (only version 2 is verified)", u8(1));
    return c;
  }
  c.keyid = static_cast<uint32_t>(u8(3)) << 24 | static_cast<uint32_t>(u8(4)) << 16 |
            static_cast<uint32_t>(u8(5)) << 8 | u8(6);
  const size_t size = static_cast<size_t>(u8(7)) << 8 | u8(8);
  if (size != s.size() - kHeaderBytes) {
    c.result = SignatureResult::kMalformed;
    c.detail = absl::StrFormat("signature size %d in the header, %d bytes follow", size,
                               s.size() - kHeaderBytes);
    return c;
  }
  if (u8(2) >= kHashAlgos.size() || kHashAlgos[u8(2)].openssl_name == nullptr) {
    c.result = SignatureResult::kUnsupported;
    c.detail = absl::StrFormat("hash algorithm %d is not verified", u8(2));
    return c;
  }
  const HashAlgo& algo = kHashAlgos[u8(2)];
  if (e.digest_alg != algo.ima_name && !(e.digest_alg == "sm3_256" && std::string(algo.ima_name) == "sm3")) {
    c.result = SignatureResult::kInvalid;
    c.detail = absl::StrFormat("signature over %s, file digest is %s", algo.ima_name, e.digest_alg);
    return c;
  }
  const VerificationKey* key = nullptr;
  for (const VerificationKey& k : keys) {
    if (k.keyid == c.keyid) key = &k;
  }
  if (key == nullptr) {
    c.result = SignatureResult::kUnknownKey;
    c.detail = absl::StrFormat("no key has id %08x", c.keyid);
    return c;
  }
  EVP_MD* md = EVP_MD_fetch(nullptr, algo.openssl_name, nullptr);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key->key.get(), nullptr),
                                                                 EVP_PKEY_CTX_free);
  int ok = 0;
  if (md != nullptr && ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
      EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1) {
    ok = EVP_PKEY_verify(ctx.get(), reinterpret_cast<const unsigned char*>(s.data()) + kHeaderBytes, size,
                         reinterpret_cast<const unsigned char*>(e.digest.data()), e.digest.size());
  }
  EVP_MD_free(md);
  c.result = ok == 1 ? SignatureResult::kValid : SignatureResult::kInvalid;
  c.detail = ok == 1 ? absl::StrFormat("verified with key %08x", c.keyid)
                     : absl::StrFormat("key %08x does not verify the signature", c.keyid);
  return c;
}

}  // namespace veu::ima
