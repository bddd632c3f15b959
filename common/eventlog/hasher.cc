#include "common/eventlog/hasher.h"

#include <openssl/evp.h>

#include <cstring>

#include "common/crypto/digest.h"

namespace veu::eventlog {
namespace {

const char* OpenSslName(uint16_t alg) {
  switch (alg) {
    case crypto::kAlgSha1:
      return "SHA1";
    case crypto::kAlgSha256:
      return "SHA2-256";
    case crypto::kAlgSha384:
      return "SHA2-384";
    case crypto::kAlgSha512:
      return "SHA2-512";
    case crypto::kAlgSm3_256:
      return "SM3";
    default:
      return nullptr;
  }
}

// Fetched once per process; EVP_MD objects from EVP_MD_fetch are safe to share read-only.
EVP_MD* FetchedMd(uint16_t alg) {
  static EVP_MD* const sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  static EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA2-512", nullptr);
  static EVP_MD* const sm3 = EVP_MD_fetch(nullptr, "SM3", nullptr);
  if (OpenSslName(alg) == nullptr) return nullptr;
  switch (alg) {
    case crypto::kAlgSha1:
      return sha1;
    case crypto::kAlgSha256:
      return sha256;
    case crypto::kAlgSha384:
      return sha384;
    case crypto::kAlgSha512:
      return sha512;
    default:
      return sm3;
  }
}

struct CtxHolder {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~CtxHolder() { EVP_MD_CTX_free(ctx); }
};

}  // namespace

size_t HashInto(uint16_t alg, std::string_view a, std::string_view b, uint8_t* out) {
  EVP_MD* md = FetchedMd(alg);
  if (md == nullptr) return 0;
  thread_local CtxHolder holder;
  EVP_MD_CTX* ctx = holder.ctx;
  unsigned int len = 0;
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx, md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx, a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx, b.data(), b.size()) != 1 || EVP_DigestFinal_ex(ctx, out, &len) != 1) {
    return 0;
  }
  return len;
}

bool DigestMatches(uint16_t alg, std::string_view digest, std::string_view data) {
  uint8_t out[EVP_MAX_MD_SIZE];
  size_t n = HashInto(alg, data, {}, out);
  return n != 0 && n == digest.size() && std::memcmp(out, digest.data(), n) == 0;
}

}  // namespace veu::eventlog
