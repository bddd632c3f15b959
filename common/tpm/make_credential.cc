#include "common/tpm/make_credential.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"
#include "common/crypto/random.h"
#include "common/status_macros.h"
#include "common/tpm/kdf.h"
#include "common/tpm/public_key.h"
#include "common/tpm/structures.h"

namespace veu::tpm {
namespace {

struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

// TPM hash algorithm -> OpenSSL digest (common/crypto/digest.h).
const EVP_MD* Md(uint16_t alg) { return crypto::EvpMdFor(alg); }

std::string Tpm2b(std::string_view contents) {
  std::string out;
  out.push_back(static_cast<char>(contents.size() >> 8));
  out.push_back(static_cast<char>(contents.size() & 0xff));
  out.append(contents.data(), contents.size());
  return out;
}

std::string OpensslError(const char* what) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  char buf[256] = "no detail";
  if (e != 0) ERR_error_string_n(e, buf, sizeof(buf));
  return absl::StrCat(what, ": ", buf);
}

struct Seed {
  std::string seed;
  std::string encrypted;  // contents of TPM2B_ENCRYPTED_SECRET
};

absl::StatusOr<Seed> RsaSeed(EVP_PKEY* ek, uint16_t name_alg) {
  Seed out;
  ASSIGN_OR_RETURN(out.seed, crypto::RandomBytes(crypto::DigestSize(name_alg)));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, ek, nullptr));
  static constexpr char kLabel[] = "IDENTITY";  // sizeof includes the NUL the TPM expects
  unsigned char* label = static_cast<unsigned char*>(OPENSSL_memdup(kLabel, sizeof(kLabel)));
  if (!ctx || !label || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), Md(name_alg)) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), Md(name_alg)) != 1 ||
      EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), label, sizeof(kLabel)) != 1) {
    OPENSSL_free(label);
    return absl::InternalError(OpensslError("cannot set up RSA-OAEP for the EK"));
  }
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(out.seed.data());
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &len, in, out.seed.size()) != 1) {
    return absl::InternalError(OpensslError("RSA-OAEP encryption to the EK failed"));
  }
  out.encrypted.resize(len);
  if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.encrypted.data()), &len, in,
                       out.seed.size()) != 1) {
    return absl::InternalError(OpensslError("RSA-OAEP encryption to the EK failed"));
  }
  out.encrypted.resize(len);
  return out;
}

absl::StatusOr<Seed> EccSeed(EVP_PKEY* ek, const TPMT_PUBLIC& ek_pub) {
  const char* group = ek_pub.parameters.eccDetail.curveID == TPM2_ECC_NIST_P256 ? "P-256" : "P-384";
  const size_t field = ek_pub.parameters.eccDetail.curveID == TPM2_ECC_NIST_P256 ? 32 : 48;
  EvpPkeyPtr ephemeral(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group));
  if (!ephemeral) return absl::InternalError(OpensslError("cannot make an ephemeral EC key"));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, ephemeral.get(), nullptr));
  size_t z_len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), ek) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &z_len) != 1) {
    return absl::InternalError(OpensslError("ECDH with the EK failed"));
  }
  std::string z(z_len, '\0');
  if (EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(z.data()), &z_len) != 1) {
    return absl::InternalError(OpensslError("ECDH with the EK failed"));
  }
  z.resize(z_len);
  // Uncompressed ephemeral point 04 || x || y, coordinates padded to the field size.
  unsigned char point[1 + 2 * 48];
  size_t point_len = 0;
  if (EVP_PKEY_get_octet_string_param(ephemeral.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                      sizeof(point), &point_len) != 1 ||
      point_len != 1 + 2 * field) {
    return absl::InternalError(OpensslError("cannot read the ephemeral EC point"));
  }
  const std::string x(reinterpret_cast<char*>(point + 1), field);
  const std::string y(reinterpret_cast<char*>(point + 1 + field), field);
  const std::string ek_x(reinterpret_cast<const char*>(ek_pub.unique.ecc.x.buffer),
                         ek_pub.unique.ecc.x.size);
  Seed out;
  const uint16_t name_alg = ek_pub.nameAlg;
  ASSIGN_OR_RETURN(out.seed, KdfE(name_alg, z, "IDENTITY", x, ek_x,
                                  static_cast<uint32_t>(crypto::DigestSize(name_alg) * 8)));
  out.encrypted = Tpm2b(x) + Tpm2b(y);  // TPMS_ECC_POINT
  return out;
}

}  // namespace

absl::StatusOr<MadeCredential> MakeCredential(std::string_view ek_tpm2b_public,
                                              std::string_view ak_name, std::string_view secret) {
  absl::StatusOr<TPMT_PUBLIC> parsed = UnmarshalTpm2bPublic(ek_tpm2b_public);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("EK public area: ", parsed.status().message()));
  }
  const TPMT_PUBLIC& ek = *parsed;
  const size_t digest_size = crypto::DigestSize(ek.nameAlg);
  if (Md(ek.nameAlg) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("EK nameAlg %s is not supported", crypto::HashAlgName(ek.nameAlg)));
  }
  if (secret.empty() || secret.size() > digest_size) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "credential secret has %d bytes; it must have 1 to %d (the EK nameAlg's digest size)",
        secret.size(), digest_size));
  }
  if (ak_name.size() < 2) {
    return absl::InvalidArgumentError("AK Name is empty; pass nameAlg || digest");
  }
  const TPMT_SYM_DEF_OBJECT& sym = ek.type == TPM2_ALG_RSA ? ek.parameters.rsaDetail.symmetric
                                                           : ek.parameters.eccDetail.symmetric;
  const bool restricted_decrypt =
      (ek.objectAttributes & TPMA_OBJECT_RESTRICTED) && (ek.objectAttributes & TPMA_OBJECT_DECRYPT);
  if ((ek.type != TPM2_ALG_RSA && ek.type != TPM2_ALG_ECC) || !restricted_decrypt ||
      sym.algorithm != TPM2_ALG_AES || sym.mode.aes != TPM2_ALG_CFB ||
      (sym.keyBits.aes != 128 && sym.keyBits.aes != 256)) {
    return absl::InvalidArgumentError(
        "EK is not a restricted RSA/ECC decryption key with AES-128/256-CFB; "
        "give the EK's TPM2B_PUBLIC as tpm2_createek -u writes it");
  }
  ASSIGN_OR_RETURN(EvpPkeyPtr ek_key, PublicKeyFromTpmt(ek));

  Seed seed;
  if (ek.type == TPM2_ALG_RSA) {
    ASSIGN_OR_RETURN(seed, RsaSeed(ek_key.get(), ek.nameAlg));
  } else {
    ASSIGN_OR_RETURN(seed, EccSeed(ek_key.get(), ek));
  }

  // encIdentity = CFB(KDFa(seed, "STORAGE", name), IV 0, TPM2B_DIGEST(secret)).
  ASSIGN_OR_RETURN(std::string sym_key,
                   KdfA(ek.nameAlg, seed.seed, "STORAGE", ak_name, "", sym.keyBits.aes));
  const std::string plain = Tpm2b(secret);
  std::string enc_identity(plain.size(), '\0');
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> cctx(EVP_CIPHER_CTX_new());
  const unsigned char iv[16] = {0};
  int out_len = 0;
  int final_len = 0;
  if (!cctx ||
      EVP_EncryptInit_ex(
          cctx.get(), sym.keyBits.aes == 128 ? EVP_aes_128_cfb128() : EVP_aes_256_cfb128(), nullptr,
          reinterpret_cast<const unsigned char*>(sym_key.data()), iv) != 1 ||
      EVP_EncryptUpdate(cctx.get(), reinterpret_cast<unsigned char*>(enc_identity.data()), &out_len,
                        reinterpret_cast<const unsigned char*>(plain.data()),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(cctx.get(),
                          reinterpret_cast<unsigned char*>(enc_identity.data()) + out_len,
                          &final_len) != 1) {
    return absl::InternalError(OpensslError("AES-CFB encryption of the credential failed"));
  }

  // integrityHMAC = HMAC(KDFa(seed, "INTEGRITY"), encIdentity || name).
  ASSIGN_OR_RETURN(std::string hmac_key, KdfA(ek.nameAlg, seed.seed, "INTEGRITY", "", "",
                                              static_cast<uint32_t>(digest_size * 8)));
  const std::string hmac_input = enc_identity + std::string(ak_name);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(Md(ek.nameAlg), hmac_key.data(), static_cast<int>(hmac_key.size()),
           reinterpret_cast<const unsigned char*>(hmac_input.data()), hmac_input.size(), mac,
           &mac_len) == nullptr) {
    return absl::InternalError("HMAC of the credential failed");
  }
  MadeCredential out;
  out.credential_blob =
      Tpm2b(Tpm2b(std::string_view(reinterpret_cast<char*>(mac), mac_len)) + enc_identity);
  out.encrypted_secret = Tpm2b(seed.encrypted);
  return out;
}

}  // namespace veu::tpm
