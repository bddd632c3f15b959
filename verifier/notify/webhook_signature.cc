#include "verifier/notify/webhook_signature.h"

#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/hex.h"

namespace veu::verifier::notify {
namespace {

struct MacDeleter {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

}  // namespace

std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  const std::string ts = absl::StrCat(unix_seconds);
  std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string("digest", digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  // HMAC-SHA256 is in OpenSSL's default provider; without it nothing of ours works, so
  // failing here is a broken installation, not a runtime condition to report.
  static const unsigned char kEmpty = 0;
  const auto* key = secret.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(secret.data());
  std::array<unsigned char, 32> out{};
  size_t out_len = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key, secret.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(ts.data()), ts.size()) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>("."), 1) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(body.data()), body.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &out_len, out.size()) != 1 || out_len != out.size()) {
    std::abort();
  }
  return absl::StrCat("sha256=", ToHex(std::string_view(reinterpret_cast<const char*>(out.data()), out.size())));
}

}  // namespace veu::verifier::notify
