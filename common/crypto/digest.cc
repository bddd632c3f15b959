#include "common/crypto/digest.h"

#include <openssl/evp.h>

#include <memory>

#include "absl/strings/str_format.h"

namespace veu::crypto {
const EVP_MD* EvpMdFor(uint16_t tpm_alg) {
  switch (tpm_alg) {
    case kAlgSha1: return EVP_sha1();
    case kAlgSha256: return EVP_sha256();
    case kAlgSha384: return EVP_sha384();
    case kAlgSha512: return EVP_sha512();
    case kAlgSm3_256: return EVP_get_digestbyname("SM3");
    default: return nullptr;
  }
}

size_t DigestSize(uint16_t tpm_alg) {
  switch (tpm_alg) {
    case kAlgSha1: return 20;
    case kAlgSha256: return 32;
    case kAlgSha384: return 48;
    case kAlgSha512: return 64;
    case kAlgSm3_256: return 32;
    default: return 0;
  }
}

std::string HashAlgName(uint16_t tpm_alg) {
  switch (tpm_alg) {
    case kAlgSha1: return "sha1";
    case kAlgSha256: return "sha256";
    case kAlgSha384: return "sha384";
    case kAlgSha512: return "sha512";
    case kAlgSm3_256: return "sm3_256";
    default: return absl::StrFormat("alg_0x%04x", tpm_alg);
  }
}

absl::StatusOr<uint16_t> HashAlgFromName(std::string_view name) {
  for (uint16_t alg : {kAlgSha1, kAlgSha256, kAlgSha384, kAlgSha512, kAlgSm3_256}) {
    if (HashAlgName(alg) == name) return alg;
  }
  return absl::NotFoundError(absl::StrFormat("unknown hash algorithm '%s'", name));
}

absl::StatusOr<std::string> Hash(uint16_t tpm_alg, std::initializer_list<std::string_view> parts) {
  const EVP_MD* md = EvpMdFor(tpm_alg);
  if (md == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("hash algorithm 0x%04x is not supported", tpm_alg));
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) {
    return absl::InternalError("EVP_DigestInit_ex failed");
  }
  for (std::string_view part : parts) {
    if (EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1) {
      return absl::InternalError("EVP_DigestUpdate failed");
    }
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out, &len) != 1) {
    return absl::InternalError("EVP_DigestFinal_ex failed");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Sha256(std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), 32);
}

}  // namespace veu::crypto
