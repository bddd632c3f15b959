#include "common/gpu/gpu_nonce.h"

#include <openssl/evp.h>

#include "common/gpu/spdm_report.h"

namespace veu::gpu {

std::string DeriveGpuNonce(std::string_view challenge_nonce, std::string_view gpu_uuid) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, challenge_nonce.data(), challenge_nonce.size()) == 1 &&
                  EVP_DigestUpdate(ctx, gpu_uuid.data(), gpu_uuid.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, md, &len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok || len < kSpdmNonceSize) return std::string();
  return std::string(reinterpret_cast<const char*>(md), kSpdmNonceSize);
}

}  // namespace veu::gpu
