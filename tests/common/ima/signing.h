// Test helper: fresh RSA / EC keys and IMA v2 signatures made with them, as evmctl ima_sign
// makes them (signature_v2_hdr: 0x03, version 2, SHA-256, key id, size; then the signature over
// the file digest).
#ifndef VEU_TESTS_COMMON_IMA_SIGNING_H_
#define VEU_TESTS_COMMON_IMA_SIGNING_H_

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdint>
#include <memory>
#include <string>

namespace veu::ima::testing {

struct Key {
  EVP_PKEY* pkey = nullptr;
  std::string pem;  // public key
  ~Key() { EVP_PKEY_free(pkey); }
};

inline std::unique_ptr<Key> NewKey(bool ec) {
  auto k = std::make_unique<Key>();
  k->pkey = ec ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
               : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, k->pkey);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  k->pem.assign(data, static_cast<size_t>(n));
  BIO_free(bio);
  return k;
}

// signature_v2_hdr + signature over `digest` (SHA-256) with `key`, key id `keyid`.
inline std::string Sign(const Key& key, uint32_t keyid, const std::string& digest) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.pkey, nullptr);
  EVP_PKEY_sign_init(ctx);
  EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256());
  size_t n = 0;
  EVP_PKEY_sign(ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(digest.data()), digest.size());
  std::string sig(n, '\0');
  EVP_PKEY_sign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &n,
                reinterpret_cast<const unsigned char*>(digest.data()), digest.size());
  sig.resize(n);
  EVP_PKEY_CTX_free(ctx);
  std::string hdr = {'\x03', '\x02', '\x04'};
  for (int i = 3; i >= 0; --i) hdr.push_back(static_cast<char>((keyid >> (8 * i)) & 0xff));
  hdr.push_back(static_cast<char>(n >> 8));
  hdr.push_back(static_cast<char>(n & 0xff));
  return hdr + sig;
}

}  // namespace veu::ima::testing

#endif  // VEU_TESTS_COMMON_IMA_SIGNING_H_
