#include "agent/tpm/ek_match.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"

namespace veu::agent {
namespace {

constexpr size_t kMaxHeader = 16;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

BnPtr GetBn(const EVP_PKEY* key, const char* param) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, param, &bn) != 1) return nullptr;
  return BnPtr(bn);
}

BnPtr FromBytes(const uint8_t* data, size_t size) {
  return BnPtr(BN_bin2bn(data, static_cast<int>(size), nullptr));
}

bool Equal(const BnPtr& a, const BnPtr& b) { return a && b && BN_cmp(a.get(), b.get()) == 0; }

}  // namespace

absl::Status CheckEkPublicMatchesCertificate(const TPMT_PUBLIC& ek_public, std::string_view cert) {
  // Raw NV reads may carry the 7-byte TCG storage header (0x10 0x01 ...) before the DER; padding
  // after it is ignored by d2i_X509.
  std::unique_ptr<X509, X509Free> x509;
  for (size_t start = 0; start < cert.size() && start <= kMaxHeader && !x509; ++start) {
    if (static_cast<unsigned char>(cert[start]) != 0x30) continue;
    const auto* p = reinterpret_cast<const unsigned char*>(cert.data() + start);
    x509.reset(d2i_X509(nullptr, &p, static_cast<long>(cert.size() - start)));
  }
  if (!x509) {
    return absl::InvalidArgumentError(absl::StrCat(
        "EK certificate (", cert.size(), " bytes) is not DER X.509 (nor after a TCG header)"));
  }
  const EVP_PKEY* key = X509_get0_pubkey(x509.get());
  std::unique_ptr<EVP_PKEY, PkeyFree> oaep_key;
  if (key == nullptr) {
    // RSA EK certificates may name the key id-RSAES-OAEP, which OpenSSL does not decode as a
    // public key; its bits are still a PKCS#1 RSAPublicKey.
    ERR_clear_error();
    const unsigned char* bits = nullptr;
    int bits_len = 0;
    if (X509_PUBKEY_get0_param(nullptr, &bits, &bits_len, nullptr,
                               X509_get_X509_PUBKEY(x509.get())) == 1) {
      oaep_key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &bits, bits_len));
    }
    ERR_clear_error();
    key = oaep_key.get();
  }
  if (key == nullptr) return absl::InvalidArgumentError("EK certificate has no usable public key");

  if (ek_public.type == TPM2_ALG_RSA) {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
      return absl::FailedPreconditionError("EK is RSA but its certificate's key is not");
    }
    const TPM2B_PUBLIC_KEY_RSA& n = ek_public.unique.rsa;
    uint32_t e = ek_public.parameters.rsaDetail.exponent == 0
                     ? 65537
                     : ek_public.parameters.rsaDetail.exponent;
    BnPtr tpm_e(BN_new());
    if (!tpm_e || BN_set_word(tpm_e.get(), e) != 1) return absl::InternalError("BN_set_word");
    if (!Equal(GetBn(key, OSSL_PKEY_PARAM_RSA_N), FromBytes(n.buffer, n.size))) {
      return absl::FailedPreconditionError("EK modulus differs from the certificate's");
    }
    if (!Equal(GetBn(key, OSSL_PKEY_PARAM_RSA_E), tpm_e)) {
      return absl::FailedPreconditionError("EK exponent differs from the certificate's");
    }
    return absl::OkStatus();
  }
  if (ek_public.type == TPM2_ALG_ECC) {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) {
      return absl::FailedPreconditionError("EK is ECC but its certificate's key is not");
    }
    char group[64] = {};
    size_t group_len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &group_len) != 1) {
      return absl::InvalidArgumentError("EK certificate's EC key has no named curve");
    }
    std::string want;
    switch (ek_public.parameters.eccDetail.curveID) {
      case TPM2_ECC_NIST_P256:
        want = "prime256v1";
        break;
      case TPM2_ECC_NIST_P384:
        want = "secp384r1";
        break;
      default:
        return absl::FailedPreconditionError(absl::StrCat(
            "EK curve 0x", absl::Hex(ek_public.parameters.eccDetail.curveID), " is not supported"));
    }
    if (want != std::string(group, group_len)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "EK curve ", want, " differs from the certificate's curve ", std::string(group)));
    }
    const TPMS_ECC_POINT& pt = ek_public.unique.ecc;
    if (!Equal(GetBn(key, OSSL_PKEY_PARAM_EC_PUB_X), FromBytes(pt.x.buffer, pt.x.size)) ||
        !Equal(GetBn(key, OSSL_PKEY_PARAM_EC_PUB_Y), FromBytes(pt.y.buffer, pt.y.size))) {
      return absl::FailedPreconditionError("EK point differs from the certificate's");
    }
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat("EK type 0x", absl::Hex(ek_public.type), " is neither RSA nor ECC"));
}

}  // namespace veu::agent
