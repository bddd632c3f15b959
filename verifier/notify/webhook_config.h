// Turning a veu.v1.WebhookConfig into what a delivery worker needs: the checked URL, the secret
// from secret_file, the site set and the attempt limit. No I/O besides reading secret_file.
#ifndef VEU_VERIFIER_NOTIFY_WEBHOOK_CONFIG_H_
#define VEU_VERIFIER_NOTIFY_WEBHOOK_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "veu/v1/config.pb.h"

namespace veu::verifier::notify {

inline constexpr uint32_t kDefaultMaxAttempts = 6;

struct ResolvedWebhook {
  std::string url;
  std::string endpoint;  // scheme://host[:port] only: safe to log (paths and queries may hold tokens)
  std::string secret;    // never log this
  absl::flat_hash_set<std::string> sites;  // empty: all
  uint32_t max_attempts = kDefaultMaxAttempts;
  std::string ca_file;   // PEM CAs for https; empty: the system store
};

// Reads the HMAC key: the file's bytes with trailing "\n"/"\r\n" removed. NotFound/
// PermissionDenied-style errors name the file; an empty key is InvalidArgument. The key
// itself never appears in an error.
absl::StatusOr<std::string> ReadWebhookSecret(const std::string& path);

// scheme://host[:port] of an http(s) URL, without user info, path, query or fragment;
// InvalidArgument if `url` is not http:// or https:// with a host.
absl::StatusOr<std::string> WebhookEndpoint(std::string_view url);

// Checks the config and reads its secret. max_attempts 0 means kDefaultMaxAttempts.
absl::StatusOr<ResolvedWebhook> ResolveWebhook(const veu::v1::WebhookConfig& config);

}  // namespace veu::verifier::notify

#endif  // VEU_VERIFIER_NOTIFY_WEBHOOK_CONFIG_H_
