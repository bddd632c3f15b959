#include "verifier/notify/webhook_config.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace veu::verifier::notify {

absl::StatusOr<std::string> ReadWebhookSecret(const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError("webhook secret_file is not set; every webhook needs an HMAC key");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    const std::string what = absl::StrCat("cannot open webhook secret_file ", path, ": ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(what) : absl::FailedPreconditionError(what);
  }
  // A key is a few dozen bytes; a large file is a wrong path (e.g. a log), not a key.
  constexpr size_t kMaxSecretBytes = 64 << 10;
  std::string secret;
  char buf[4096];
  while (in) {
    in.read(buf, sizeof buf);
    secret.append(buf, static_cast<size_t>(in.gcount()));
    if (secret.size() > kMaxSecretBytes) {
      return absl::InvalidArgumentError(absl::StrCat("webhook secret_file ", path, " is larger than ",
                                                     kMaxSecretBytes, " bytes; is it the right file?"));
    }
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read webhook secret_file ", path));
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("webhook secret_file ", path, " is empty; put a random key in it (e.g. openssl rand -hex 32)"));
  }
  return secret;
}

absl::StatusOr<std::string> WebhookEndpoint(std::string_view url) {
  std::string_view scheme;
  std::string lower = absl::AsciiStrToLower(std::string(url.substr(0, 8)));
  if (absl::StartsWith(lower, "https://")) {
    scheme = "https";
  } else if (absl::StartsWith(lower, "http://")) {
    scheme = "http";
  } else {
    return absl::InvalidArgumentError("webhook url must start with http:// or https://");
  }
  std::string_view rest = url.substr(scheme.size() + 3);
  const size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end == std::string_view::npos ? rest.size() : end);
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  if (authority.empty() || authority.front() == ':') {
    return absl::InvalidArgumentError("webhook url has no host");
  }
  for (char c : authority) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) || absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("webhook url host contains whitespace or control characters");
    }
  }
  return absl::StrCat(std::string(scheme), "://", std::string(authority));
}

absl::StatusOr<ResolvedWebhook> ResolveWebhook(const veu::v1::WebhookConfig& config) {
  ResolvedWebhook out;
  out.url = config.url();
  ASSIGN_OR_RETURN(out.endpoint, WebhookEndpoint(out.url));
  auto secret = ReadWebhookSecret(config.secret_file());
  if (!secret.ok()) {
    return absl::Status(secret.status().code(),
                        absl::StrCat("webhook ", out.endpoint, ": ", std::string(secret.status().message())));
  }
  out.secret = *std::move(secret);
  out.sites.insert(config.sites().begin(), config.sites().end());
  out.max_attempts = config.max_attempts() == 0 ? kDefaultMaxAttempts : config.max_attempts();
  if (!config.ca_file().empty()) {
    std::ifstream ca(config.ca_file());
    if (!ca.good()) {
      return absl::InvalidArgumentError(absl::StrCat("webhook ", out.endpoint, ": CA file ",
                                                     config.ca_file(), " cannot be read"));
    }
    out.ca_file = config.ca_file();
  }
  return out;
}

}  // namespace veu::verifier::notify
