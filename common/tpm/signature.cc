#include "common/tpm/signature.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"

namespace veu::tpm {
namespace {

// TPM hash algorithm -> OpenSSL digest (common/crypto/digest.h).
const EVP_MD* Md(uint16_t alg) { return crypto::EvpMdFor(alg); }

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

// DER ECDSA-Sig-Value from the TPM's (r, s).
bool EcdsaDer(const TPMS_SIGNATURE_ECDSA& ecdsa, std::string* der) {
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(ecdsa.signatureR.buffer, ecdsa.signatureR.size, nullptr);
  BIGNUM* s = BN_bin2bn(ecdsa.signatureS.buffer, ecdsa.signatureS.size, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* out = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &out);
  if (len <= 0) return false;
  der->assign(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return true;
}

}  // namespace

uint16_t SignatureHashAlg(const TPMT_SIGNATURE& signature) {
  switch (signature.sigAlg) {
    case TPM2_ALG_RSASSA:
      return signature.signature.rsassa.hash;
    case TPM2_ALG_RSAPSS:
      return signature.signature.rsapss.hash;
    case TPM2_ALG_ECDSA:
      return signature.signature.ecdsa.hash;
    default:
      return 0;
  }
}

const char* SignatureAlgName(uint16_t sig_alg) {
  switch (sig_alg) {
    case TPM2_ALG_RSASSA:
      return "rsassa";
    case TPM2_ALG_RSAPSS:
      return "rsapss";
    case TPM2_ALG_ECDSA:
      return "ecdsa";
    case TPM2_ALG_HMAC:
      return "hmac";
    case TPM2_ALG_ECSCHNORR:
      return "ecschnorr";
    case TPM2_ALG_SM2:
      return "sm2";
    case TPM2_ALG_NULL:
      return "null";
    default:
      return "other";
  }
}

absl::Status VerifyTpmSignature(EVP_PKEY* key, const TPMT_SIGNATURE& signature,
                                std::string_view data) {
  const uint16_t hash = SignatureHashAlg(signature);
  const EVP_MD* md = Md(hash);
  if (md == nullptr) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "signature algorithm %s (0x%04x) with hash %s is not supported; expected RSASSA, "
        "RSAPSS or ECDSA with SHA-1/256/384/512",
        SignatureAlgName(signature.sigAlg), signature.sigAlg, crypto::HashAlgName(hash)));
  }
  const int key_type = EVP_PKEY_get_base_id(key);
  const bool rsa_sig = signature.sigAlg == TPM2_ALG_RSASSA || signature.sigAlg == TPM2_ALG_RSAPSS;
  if (rsa_sig != (key_type == EVP_PKEY_RSA) ||
      (signature.sigAlg == TPM2_ALG_ECDSA) != (key_type == EVP_PKEY_EC)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "a %s signature cannot come from this AK, which is a %s key",
        SignatureAlgName(signature.sigAlg), key_type == EVP_PKEY_RSA ? "RSA" : "EC"));
  }
  std::string sig_bytes;
  if (rsa_sig) {
    const TPM2B_PUBLIC_KEY_RSA& s = signature.signature.rsassa.sig;  // same layout for PSS
    sig_bytes.assign(reinterpret_cast<const char*>(s.buffer), s.size);
  } else if (!EcdsaDer(signature.signature.ecdsa, &sig_bytes)) {
    return absl::InvalidArgumentError("ECDSA signature (r, s) could not be encoded");
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("OpenSSL could not set up signature verification");
  }
  if (signature.sigAlg == TPM2_ALG_RSASSA &&
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("OpenSSL refused PKCS#1 v1.5 padding");
  }
  if (signature.sigAlg == TPM2_ALG_RSAPSS &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1)) {
    ERR_clear_error();
    return absl::InvalidArgumentError("OpenSSL refused PSS padding");
  }
  const int ok = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(sig_bytes.data()), sig_bytes.size(),
      reinterpret_cast<const unsigned char*>(data.data()), data.size());
  ERR_clear_error();
  if (ok != 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the %s/%s signature does not verify over the %d signed bytes with this AK",
        SignatureAlgName(signature.sigAlg), crypto::HashAlgName(hash), data.size()));
  }
  return absl::OkStatus();
}

}  // namespace veu::tpm
