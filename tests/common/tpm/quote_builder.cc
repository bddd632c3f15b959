#include "tests/common/tpm/quote_builder.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdlib>
#include <iostream>
#include <map>

#include "common/tpm/signature.h"
#include "common/tpm/structures.h"

namespace veu::tpm::testing {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "quote_builder: " << what << "\n";
  std::abort();
}

template <typename T>
T OrDie(absl::StatusOr<T> v) {
  if (!v.ok()) Die(std::string(v.status().message()));
  return *std::move(v);
}

EVP_PKEY* CachedKey(TestAk::Kind kind) {
  static std::map<TestAk::Kind, EVP_PKEY*>* cache = new std::map<TestAk::Kind, EVP_PKEY*>();
  auto it = cache->find(kind);
  if (it != cache->end()) return it->second;
  EVP_PKEY* key = nullptr;
  switch (kind) {
    case TestAk::kRsa2048:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
      break;
    case TestAk::kEccP256:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case TestAk::kEccP384:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
  }
  if (key == nullptr) Die("key generation failed");
  (*cache)[kind] = key;
  return key;
}

void BnTo(EVP_PKEY* key, const char* param, uint8_t* out, uint16_t* size, int width) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, param, &bn) != 1) Die(param);
  if (BN_bn2binpad(bn, out, width) != width) Die("bignum too large");
  *size = static_cast<uint16_t>(width);
  BN_free(bn);
}

const EVP_MD* Md(uint16_t alg) {
  switch (alg) {
    case crypto::kAlgSha1:
      return EVP_sha1();
    case crypto::kAlgSha256:
      return EVP_sha256();
    case crypto::kAlgSha384:
      return EVP_sha384();
    case crypto::kAlgSha512:
      return EVP_sha512();
    default:
      Die("unknown hash");
  }
}

}  // namespace

uint16_t TestAk::default_scheme() const {
  return kind_ == kRsa2048 ? TPM2_ALG_RSASSA : TPM2_ALG_ECDSA;
}

TestAk TestAk::Make(Kind kind, uint16_t scheme, uint16_t hash) {
  TestAk ak;
  ak.kind_ = kind;
  ak.key_ = CachedKey(kind);
  if (scheme == 0) scheme = ak.default_scheme();
  TPMT_PUBLIC& p = ak.tpm_public;
  p = {};
  p.nameAlg = crypto::kAlgSha256;
  p.objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM |
                       TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                       TPMA_OBJECT_USERWITHAUTH;
  if (kind == kRsa2048) {
    p.type = TPM2_ALG_RSA;
    p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.parameters.rsaDetail.scheme.scheme = scheme;
    p.parameters.rsaDetail.scheme.details.anySig.hashAlg = hash;
    p.parameters.rsaDetail.keyBits = 2048;
    p.parameters.rsaDetail.exponent = 0;
    BnTo(ak.key_, OSSL_PKEY_PARAM_RSA_N, p.unique.rsa.buffer, &p.unique.rsa.size, 256);
  } else {
    const int field = kind == kEccP256 ? 32 : 48;
    p.type = TPM2_ALG_ECC;
    p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.parameters.eccDetail.scheme.scheme = scheme;
    p.parameters.eccDetail.scheme.details.anySig.hashAlg = hash;
    p.parameters.eccDetail.curveID = kind == kEccP256 ? TPM2_ECC_NIST_P256 : TPM2_ECC_NIST_P384;
    p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
    BnTo(ak.key_, OSSL_PKEY_PARAM_EC_PUB_X, p.unique.ecc.x.buffer, &p.unique.ecc.x.size, field);
    BnTo(ak.key_, OSSL_PKEY_PARAM_EC_PUB_Y, p.unique.ecc.y.buffer, &p.unique.ecc.y.size, field);
  }
  return ak;
}

std::string TestAk::Tpm2bPublic() const { return OrDie(MarshalTpm2bPublic(tpm_public)); }
std::string TestAk::Name() const { return OrDie(ObjectName(tpm_public)); }

std::string TestAk::Pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (PEM_write_bio_PUBKEY(bio, key_) != 1) Die("PEM_write_bio_PUBKEY");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

AkPublicKey TestAk::Public() const { return OrDie(LoadAkPublic(Tpm2bPublic())); }

std::string TestAk::Sign(const std::string& data, uint16_t sig_alg, uint16_t hash) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx, &pctx, Md(hash), nullptr, key_) != 1) Die("DigestSignInit");
  if (sig_alg == TPM2_ALG_RSAPSS &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    Die("PSS");
  }
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(ctx, nullptr, &len, in, data.size()) != 1) Die("DigestSign size");
  std::string raw(len, '\0');
  if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(raw.data()), &len, in, data.size()) !=
      1) {
    Die("DigestSign");
  }
  raw.resize(len);
  EVP_MD_CTX_free(ctx);

  TPMT_SIGNATURE sig{};
  sig.sigAlg = sig_alg;
  if (sig_alg == TPM2_ALG_RSASSA || sig_alg == TPM2_ALG_RSAPSS) {
    sig.signature.rsassa.hash = hash;
    sig.signature.rsassa.sig.size = static_cast<uint16_t>(raw.size());
    std::copy(raw.begin(), raw.end(), sig.signature.rsassa.sig.buffer);
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(raw.size()));
    if (es == nullptr) Die("d2i_ECDSA_SIG");
    const int field = kind_ == kEccP384 ? 48 : 32;
    sig.signature.ecdsa.hash = hash;
    BN_bn2binpad(ECDSA_SIG_get0_r(es), sig.signature.ecdsa.signatureR.buffer, field);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig.signature.ecdsa.signatureS.buffer, field);
    sig.signature.ecdsa.signatureR.size = static_cast<uint16_t>(field);
    sig.signature.ecdsa.signatureS.size = static_cast<uint16_t>(field);
    ECDSA_SIG_free(es);
  }
  return OrDie(MarshalSignature(sig));
}

veu::v1::PcrSelection Sel(uint16_t hash_alg, std::initializer_list<uint32_t> pcrs) {
  veu::v1::PcrSelection s;
  s.set_hash_alg(hash_alg);
  for (uint32_t p : pcrs) s.add_pcrs(p);
  return s;
}

std::vector<veu::v1::PcrValue> FakePcrValues(const std::vector<veu::v1::PcrSelection>& selection,
                                             const std::string& salt) {
  std::vector<veu::v1::PcrValue> out;
  for (const auto& bank : selection) {
    for (uint32_t pcr : bank.pcrs()) {
      veu::v1::PcrValue v;
      v.set_hash_alg(bank.hash_alg());
      v.set_index(pcr);
      v.set_digest(OrDie(crypto::Hash(static_cast<uint16_t>(bank.hash_alg()),
                                      {salt, "pcr", std::to_string(pcr)})));
      out.push_back(std::move(v));
    }
  }
  return out;
}

BuiltQuote BuildQuote(const TestAk& ak, const QuoteSpec& spec) {
  BuiltQuote out;
  std::vector<veu::v1::PcrValue> values =
      spec.pcr_values.empty() ? FakePcrValues(spec.selection) : spec.pcr_values;
  std::string concatenated;
  for (const auto& v : values) concatenated += v.digest();
  out.pcr_digest = spec.pcr_digest.value_or(OrDie(crypto::Hash(spec.hash_alg, {concatenated})));

  TPMS_ATTEST a{};
  a.magic = spec.magic;
  a.type = spec.type;
  const std::string signer = ak.Name();
  a.qualifiedSigner.size = static_cast<uint16_t>(signer.size());
  std::copy(signer.begin(), signer.end(), a.qualifiedSigner.name);
  if (spec.extra_data.size() > sizeof(a.extraData.buffer)) Die("extra_data too long");
  a.extraData.size = static_cast<uint16_t>(spec.extra_data.size());
  std::copy(spec.extra_data.begin(), spec.extra_data.end(), a.extraData.buffer);
  a.clockInfo.clock = spec.clock;
  a.clockInfo.resetCount = spec.reset_count;
  a.clockInfo.restartCount = spec.restart_count;
  a.clockInfo.safe = spec.safe ? TPM2_YES : TPM2_NO;
  a.firmwareVersion = spec.firmware_version;
  if (spec.type == TPM2_ST_ATTEST_QUOTE) {
    a.attested.quote.pcrSelect = OrDie(ToTpml(spec.selection));
    a.attested.quote.pcrDigest.size = static_cast<uint16_t>(out.pcr_digest.size());
    std::copy(out.pcr_digest.begin(), out.pcr_digest.end(), a.attested.quote.pcrDigest.buffer);
  } else if (spec.type == TPM2_ST_ATTEST_CERTIFY) {
    a.attested.certify.name = a.qualifiedSigner;
    a.attested.certify.qualifiedName = a.qualifiedSigner;
  }
  out.evidence.attest = OrDie(MarshalAttest(a));
  const uint16_t sig_alg = spec.sig_alg ? spec.sig_alg : ak.default_scheme();
  out.evidence.signature = ak.Sign(out.evidence.attest, sig_alg, spec.hash_alg);
  out.evidence.pcr_values = std::move(values);
  return out;
}

}  // namespace veu::tpm::testing
