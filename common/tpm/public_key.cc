#include "common/tpm/public_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "common/tpm/structures.h"

namespace veu::tpm {
namespace {

struct BnDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};

std::string OpensslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no OpenSSL error detail";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

absl::StatusOr<EvpPkeyPtr> FromParams(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("OpenSSL refused the %s public key: %s", type, OpensslError()));
  }
  return EvpPkeyPtr(key);
}

absl::StatusOr<EvpPkeyPtr> RsaKey(const TPMT_PUBLIC& pub) {
  const TPM2B_PUBLIC_KEY_RSA& n = pub.unique.rsa;
  const unsigned bits = pub.parameters.rsaDetail.keyBits;
  if (n.size == 0 || n.size * 8u != bits) {
    return absl::InvalidArgumentError(
        absl::StrFormat("RSA public area has a %d-byte modulus but keyBits %d", n.size, bits));
  }
  uint32_t exponent = pub.parameters.rsaDetail.exponent;
  if (exponent == 0) exponent = 65537;
  std::unique_ptr<BIGNUM, BnDeleter> bn_n(BN_bin2bn(n.buffer, n.size, nullptr));
  std::unique_ptr<BIGNUM, BnDeleter> bn_e(BN_new());
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !bld || BN_set_word(bn_e.get(), exponent) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return absl::InternalError("out of memory building an RSA key");
  }
  return FromParams("RSA", bld.get());
}

absl::StatusOr<EvpPkeyPtr> EccKey(const TPMT_PUBLIC& pub) {
  const char* group = nullptr;
  size_t field = 0;
  switch (pub.parameters.eccDetail.curveID) {
    case TPM2_ECC_NIST_P256:
      group = "P-256";
      field = 32;
      break;
    case TPM2_ECC_NIST_P384:
      group = "P-384";
      field = 48;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrFormat(
          "ECC public area uses curve 0x%04x; only NIST P-256 (0x0003) and P-384 (0x0004) are "
          "supported",
          pub.parameters.eccDetail.curveID));
  }
  const TPM2B_ECC_PARAMETER& x = pub.unique.ecc.x;
  const TPM2B_ECC_PARAMETER& y = pub.unique.ecc.y;
  if (x.size == 0 || y.size == 0 || x.size > field || y.size > field) {
    return absl::InvalidArgumentError(
        absl::StrFormat("ECC public point has coordinates of %d and %d bytes; %s needs at most %d",
                        x.size, y.size, group, field));
  }
  std::string point(1 + 2 * field, '\0');
  point[0] = 0x04;  // uncompressed
  std::copy(x.buffer, x.buffer + x.size, point.begin() + 1 + (field - x.size));
  std::copy(y.buffer, y.buffer + y.size, point.begin() + 1 + field + (field - y.size));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return absl::InternalError("out of memory building an EC key");
  }
  return FromParams("EC", bld.get());
}

}  // namespace

absl::StatusOr<EvpPkeyPtr> PublicKeyFromTpmt(const TPMT_PUBLIC& pub) {
  switch (pub.type) {
    case TPM2_ALG_RSA:
      return RsaKey(pub);
    case TPM2_ALG_ECC:
      return EccKey(pub);
    default:
      return absl::InvalidArgumentError(absl::StrFormat(
          "public area has type 0x%04x; only RSA (0x0001) and ECC (0x0023) keys are supported",
          pub.type));
  }
}

absl::StatusOr<AkPublicKey> LoadAkPublic(std::string_view bytes) {
  AkPublicKey ak;
  if (bytes.find("-----BEGIN") != std::string_view::npos) {
    std::unique_ptr<BIO, BioDeleter> bio(
        BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (key == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "AK looks like PEM but is not a PEM public key (\"-----BEGIN PUBLIC KEY-----\"): ",
          OpensslError()));
    }
    ak.key.reset(key);
    return ak;
  }
  // A TPM2B_PUBLIC's size prefix is far below 0x3000, so a leading 0x30 means DER.
  if (!bytes.empty() && static_cast<uint8_t>(bytes[0]) == 0x30) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data());
    EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(bytes.size()));
    if (key == nullptr ||
        p != reinterpret_cast<const unsigned char*>(bytes.data()) + bytes.size()) {
      EVP_PKEY_free(key);
      return absl::InvalidArgumentError(absl::StrCat(
          "AK starts like DER but is not exactly one SubjectPublicKeyInfo: ", OpensslError()));
    }
    ak.key.reset(key);
    return ak;
  }
  absl::StatusOr<TPMT_PUBLIC> pub = UnmarshalTpm2bPublic(bytes);
  if (!pub.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("AK is neither PEM, DER nor a TPM2B_PUBLIC: ", pub.status().message()));
  }
  ASSIGN_OR_RETURN(ak.key, PublicKeyFromTpmt(*pub));
  ak.tpm_public = *pub;
  return ak;
}

}  // namespace veu::tpm
