#include "verifier/translog/signed_note.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"
#include "common/crypto/openssl.h"
#include "common/status_macros.h"

namespace veu::translog {
namespace {

constexpr std::string_view kEmDashSpace = "\xE2\x80\x94 ";

using crypto::BioPtr;
using crypto::MdCtxPtr;
using crypto::NoPassphrase;
using crypto::OpensslError;




absl::Status CheckKeyName(std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("note key name is empty");
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c <= 0x20 || c == '+' || c == 0x7F) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "note key name '%s' has a space, '+' or control character at byte %d; C2SP key "
          "names must not",
          name, i));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckP256(EVP_PKEY* key) {
  char group[64] = {0};
  size_t group_len = 0;
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
      EVP_PKEY_get_group_name(key, group, sizeof group, &group_len) != 1 ||
      std::string_view(group, group_len) != SN_X9_62_prime256v1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "the note signing key must be an ECDSA key on curve P-256 (prime256v1)");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SpkiDer(EVP_PKEY* key) {
  const int len = i2d_PUBKEY(key, nullptr);
  if (len <= 0) return absl::InternalError(OpensslError("i2d_PUBKEY failed"));
  std::string der(static_cast<size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_PUBKEY(key, &out) != len) return absl::InternalError(OpensslError("i2d_PUBKEY failed"));
  return der;
}

// Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF); returns the offset of the
// first bad byte, or npos.
size_t FirstInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t extra;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + extra >= s.size()) return i;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return i;
    i += extra + 1;
  }
  return std::string_view::npos;
}

// Valid UTF-8 without control characters other than newline (C2SP signed-note, Format).
absl::Status CheckNoteCharacters(std::string_view s, std::string_view what) {
  if (size_t bad = FirstInvalidUtf8(s); bad != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s is not valid UTF-8 at byte %d", what, bad));
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7F) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s has control character 0x%02x at byte %d", what, c, i));
    }
  }
  return absl::OkStatus();
}

}  // namespace

uint32_t EcdsaKeyId(std::string_view spki_der) {
  const std::string hash = crypto::Sha256(spki_der);
  return (uint32_t{static_cast<unsigned char>(hash[0])} << 24) |
         (uint32_t{static_cast<unsigned char>(hash[1])} << 16) |
         (uint32_t{static_cast<unsigned char>(hash[2])} << 8) |
         uint32_t{static_cast<unsigned char>(hash[3])};
}

NoteSigner::NoteSigner(std::string key_name, EvpPkeyPtr key, std::string spki_der)
    : key_name_(std::move(key_name)),
      key_(key.release(), EVP_PKEY_free),
      spki_der_(std::move(spki_der)),
      key_id_(EcdsaKeyId(spki_der_)) {}

absl::StatusOr<NoteSigner> NoteSigner::FromPrivateKeyPem(std::string key_name,
                                                         std::string_view pem) {
  RETURN_IF_ERROR(CheckKeyName(key_name));
  if (pem.size() > 64 * 1024) return absl::InvalidArgumentError("PEM private key is over 64 KiB");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return absl::InternalError(OpensslError("BIO_new_mem_buf failed"));
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    return absl::InvalidArgumentError(OpensslError(
        "the note signing key is not an unencrypted PEM private key (PKCS#8 or SEC1)"));
  }
  RETURN_IF_ERROR(CheckP256(key.get()));
  ASSIGN_OR_RETURN(std::string spki, SpkiDer(key.get()));
  return NoteSigner(std::move(key_name), std::move(key), std::move(spki));
}

absl::StatusOr<NoteSigner> NoteSigner::Generate(std::string key_name) {
  RETURN_IF_ERROR(CheckKeyName(key_name));
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return absl::InternalError(OpensslError("generating a P-256 key failed"));
  ASSIGN_OR_RETURN(std::string spki, SpkiDer(key.get()));
  return NoteSigner(std::move(key_name), std::move(key), std::move(spki));
}

absl::StatusOr<std::string> NoteSigner::PrivateKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return absl::InternalError(OpensslError("writing the private key as PEM failed"));
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<std::string> NoteSigner::Sign(std::string_view text) const {
  if (text.empty() || text.back() != '\n') {
    return absl::InvalidArgumentError("note text must be non-empty and end with a newline");
  }
  if (text.find("\n\n") != std::string_view::npos || text.front() == '\n') {
    return absl::InvalidArgumentError("note text must not contain a blank line");
  }
  RETURN_IF_ERROR(CheckNoteCharacters(text, "note text"));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t sig_len = 0;
  const auto* tbs = reinterpret_cast<const unsigned char*>(text.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len, tbs, text.size()) != 1) {
    return absl::InternalError(OpensslError("ECDSA signing failed"));
  }
  std::string blob(4 + sig_len, '\0');
  blob[0] = static_cast<char>(key_id_ >> 24);
  blob[1] = static_cast<char>(key_id_ >> 16);
  blob[2] = static_cast<char>(key_id_ >> 8);
  blob[3] = static_cast<char>(key_id_);
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(blob.data() + 4), &sig_len, tbs,
                     text.size()) != 1) {
    return absl::InternalError(OpensslError("ECDSA signing failed"));
  }
  blob.resize(4 + sig_len);  // DER signatures vary in length
  std::string note(text);
  note.append("\n").append(kEmDashSpace).append(key_name_).append(" ");
  note.append(absl::Base64Escape(blob)).append("\n");
  return note;
}

NoteVerifier::NoteVerifier(std::string key_name, std::shared_ptr<EVP_PKEY> key, uint32_t key_id)
    : key_name_(std::move(key_name)), key_(std::move(key)), key_id_(key_id) {}

absl::StatusOr<NoteVerifier> NoteVerifier::FromPublicKeyDer(std::string key_name,
                                                            std::string_view spki_der) {
  RETURN_IF_ERROR(CheckKeyName(key_name));
  const auto* p = reinterpret_cast<const unsigned char*>(spki_der.data());
  EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!key || p != reinterpret_cast<const unsigned char*>(spki_der.data()) + spki_der.size()) {
    return absl::InvalidArgumentError(
        OpensslError("the note verification key is not one DER SubjectPublicKeyInfo"));
  }
  RETURN_IF_ERROR(CheckP256(key.get()));
  return NoteVerifier(std::move(key_name), std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free),
                      EcdsaKeyId(spki_der));
}

absl::StatusOr<std::string> NoteVerifier::Open(std::string_view note) const {
  if (note.size() > kMaxNoteBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("signed note has %d bytes; the limit is %d", note.size(), kMaxNoteBytes));
  }
  RETURN_IF_ERROR(CheckNoteCharacters(note, "signed note"));
  const size_t blank = note.rfind("\n\n");
  if (blank == std::string_view::npos || note.back() != '\n') {
    return absl::InvalidArgumentError(
        "signed note has no blank line before its signatures, or does not end with a newline");
  }
  const std::string_view text = note.substr(0, blank + 1);
  std::string_view signatures = note.substr(blank + 2);
  if (signatures.empty()) return absl::InvalidArgumentError("signed note has no signature lines");

  bool verified = false;
  size_t line_number = 0;
  while (!signatures.empty()) {
    ++line_number;
    if (line_number > kMaxNoteSignatures) {
      return absl::InvalidArgumentError(
          absl::StrFormat("signed note has more than %d signatures", kMaxNoteSignatures));
    }
    const size_t end = signatures.find('\n');  // exists: the note ends with '\n'
    std::string_view line = signatures.substr(0, end);
    signatures.remove_prefix(end + 1);
    const auto malformed = [&](std::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrFormat("signature line %d of the note is malformed: %s", line_number, why));
    };
    if (line.substr(0, kEmDashSpace.size()) != kEmDashSpace) {
      return malformed("it must start with an em dash (U+2014) and a space");
    }
    line.remove_prefix(kEmDashSpace.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos)
      return malformed("no space between key name and signature");
    const std::string_view name = line.substr(0, space);
    const std::string_view encoded = line.substr(space + 1);
    if (!CheckKeyName(name).ok()) return malformed("bad key name");
    std::string blob;
    if (!absl::Base64Unescape(absl::string_view(encoded.data(), encoded.size()), &blob) ||
        absl::Base64Escape(blob) != encoded || blob.size() < 5) {
      return malformed("the signature is not canonical base64 of a key ID and a signature");
    }
    const uint32_t id = (uint32_t{static_cast<unsigned char>(blob[0])} << 24) |
                        (uint32_t{static_cast<unsigned char>(blob[1])} << 16) |
                        (uint32_t{static_cast<unsigned char>(blob[2])} << 8) |
                        uint32_t{static_cast<unsigned char>(blob[3])};
    if (name != key_name_ || id != key_id_) continue;  // another key's signature: ignored
    MdCtxPtr ctx(EVP_MD_CTX_new());
    const int ok =
        ctx ? EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) : 0;
    const int result =
        ok == 1
            ? EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(blob.data() + 4),
                               blob.size() - 4, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size())
            : -1;
    ERR_clear_error();
    if (result != 1) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "the signature of key %s (ID %08x) on signature line %d does not verify over the note "
          "text",
          key_name_, key_id_, line_number));
    }
    verified = true;
  }
  if (!verified) {
    return absl::InvalidArgumentError(
        absl::StrFormat("the note carries no signature of key %s (ID %08x)", key_name_, key_id_));
  }
  return std::string(text);
}

}  // namespace veu::translog
