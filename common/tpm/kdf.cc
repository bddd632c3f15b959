#include "common/tpm/kdf.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"

namespace veu::tpm {
namespace {

// TPM hash algorithm -> OpenSSL digest (common/crypto/digest.h).
const EVP_MD* Md(uint16_t alg) { return crypto::EvpMdFor(alg); }

std::string Be32(uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(v >> (24 - 8 * i));
  return out;
}

absl::Status CheckArgs(uint16_t hash_alg, uint32_t bits) {
  if (Md(hash_alg) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("KDF hash %s is not supported", crypto::HashAlgName(hash_alg)));
  }
  if (bits == 0 || bits % 8 != 0 || bits > 8192) {
    return absl::InvalidArgumentError(
        absl::StrFormat("KDF output of %d bits is not a positive multiple of 8 up to 8192", bits));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> KdfA(uint16_t hash_alg, std::string_view key, std::string_view label,
                                 std::string_view context_u, std::string_view context_v,
                                 uint32_t bits) {
  if (absl::Status s = CheckArgs(hash_alg, bits); !s.ok()) return s;
  const EVP_MD* md = Md(hash_alg);
  const size_t want = bits / 8;
  std::string out;
  for (uint32_t counter = 1; out.size() < want; ++counter) {
    std::string msg = Be32(counter);
    msg.append(label.data(), label.size());
    msg.push_back('\0');
    msg.append(context_u.data(), context_u.size());
    msg.append(context_v.data(), context_v.size());
    msg += Be32(bits);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (HMAC(md, key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac,
             &mac_len) == nullptr) {
      return absl::InternalError("HMAC failed in KDFa");
    }
    out.append(reinterpret_cast<char*>(mac), mac_len);
  }
  out.resize(want);
  return out;
}

absl::StatusOr<std::string> KdfE(uint16_t hash_alg, std::string_view z, std::string_view label,
                                 std::string_view party_u, std::string_view party_v,
                                 uint32_t bits) {
  if (absl::Status s = CheckArgs(hash_alg, bits); !s.ok()) return s;
  const size_t want = bits / 8;
  std::string out;
  for (uint32_t counter = 1; out.size() < want; ++counter) {
    std::string label_z(label);
    label_z.push_back('\0');
    absl::StatusOr<std::string> block =
        crypto::Hash(hash_alg, {Be32(counter), z, label_z, party_u, party_v});
    if (!block.ok()) return block.status();
    out += *block;
  }
  out.resize(want);
  return out;
}

}  // namespace veu::tpm
