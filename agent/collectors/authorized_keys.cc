#include "agent/collectors/authorized_keys.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "agent/collectors/text_lines.h"
#include "common/crypto/digest.h"

namespace veu::collectors {
namespace {

bool IsKeyType(std::string_view t) {
  static constexpr std::string_view kTypes[] = {
      "ssh-ed25519",
      "ssh-rsa",
      "ssh-dss",
      "ecdsa-sha2-nistp256",
      "ecdsa-sha2-nistp384",
      "ecdsa-sha2-nistp521",
      "sk-ssh-ed25519@openssh.com",
      "sk-ecdsa-sha2-nistp256@openssh.com",
  };
  for (std::string_view k : kTypes) {
    if (t == k) return true;
    // Certificates: "<type>-cert-v01@openssh.com" ("ssh-ed25519-cert-v01@openssh.com").
    std::string_view base = k.substr(0, k.find('@'));
    if (t.starts_with(base) && t.substr(base.size()) == "-cert-v01@openssh.com") return true;
  }
  return false;
}

// Next whitespace-delimited token from `*s`, honouring double quotes (for options).
std::string_view NextToken(std::string_view* s) {
  while (!s->empty() && absl::ascii_isspace(static_cast<unsigned char>(s->front()))) {
    s->remove_prefix(1);
  }
  bool quoted = false;
  size_t i = 0;
  for (; i < s->size(); ++i) {
    const char c = (*s)[i];
    if (c == '\\' && quoted && i + 1 < s->size()) {
      ++i;
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (!quoted && absl::ascii_isspace(static_cast<unsigned char>(c))) break;
  }
  std::string_view tok = s->substr(0, i);
  s->remove_prefix(i);
  return tok;
}

// The key type string at the start of an SSH wire-format blob (uint32 length + bytes).
std::string_view BlobType(std::string_view blob) {
  if (blob.size() < 4) return {};
  const uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(blob[0])) << 24 |
                     static_cast<uint32_t>(static_cast<unsigned char>(blob[1])) << 16 |
                     static_cast<uint32_t>(static_cast<unsigned char>(blob[2])) << 8 |
                     static_cast<uint32_t>(static_cast<unsigned char>(blob[3]));
  if (n > blob.size() - 4) return {};
  return blob.substr(4, n);
}

}  // namespace

std::string SshFingerprint(std::string_view blob) {
  std::string b64 = absl::Base64Escape(crypto::Sha256(blob));
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return "SHA256:" + b64;
}

std::vector<v1::AuthorizedKey> ParseAuthorizedKeys(std::string_view text, std::string_view path,
                                                   std::vector<v1::CollectionError>* errors) {
  std::vector<v1::AuthorizedKey> keys;
  auto fail = [&](uint32_t line, std::string_view message) {
    v1::CollectionError e;
    e.set_source_path(std::string(path));
    e.set_line(line);
    e.set_message(absl::StrFormat("%s:%d: %s", path, line, message));
    errors->push_back(std::move(e));
  };
  auto lines = SplitLines(text, path);
  if (!lines.ok()) {
    fail(0, StdView(lines.status().message()));
    return keys;
  }
  for (const TextLine& l : *lines) {
    std::string_view rest = Trim(l.text);
    if (rest.empty() || rest.front() == '#') continue;
    v1::AuthorizedKey key;
    std::string_view type = NextToken(&rest);
    if (!IsKeyType(type)) {
      key.set_has_options(true);  // first token was options
      type = NextToken(&rest);
    }
    if (!IsKeyType(type)) {
      fail(l.number,
           "no known key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-*, sk-*) where "
           "expected");
      continue;
    }
    const std::string_view b64 = NextToken(&rest);
    std::string blob;
    if (b64.empty() || !absl::Base64Unescape(AbslView(b64), &blob) || blob.empty()) {
      fail(l.number, "key data is not valid base64");
      continue;
    }
    if (BlobType(blob) != type) {
      fail(l.number, absl::StrFormat("key data is a \"%s\" key but the line says \"%s\"",
                                     Escaped(BlobType(blob)), type));
      continue;
    }
    key.set_key_type(std::string(type));
    key.set_fingerprint(SshFingerprint(blob));
    key.set_comment(std::string(Trim(rest)));
    key.set_source_path(std::string(path));
    key.set_line(l.number);
    keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace veu::collectors
