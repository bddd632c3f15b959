#include "agent/tpm/software_tpm.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <tss2/tss2_mu.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/crypto/digest.h"
#include "common/status_macros.h"
#include "common/tpm/kdf.h"
#include "common/tpm/structures.h"

namespace veu::agent {
namespace {

// PolicyA of the TCG EK Credential Profile (PolicySecret(TPM_RH_ENDORSEMENT)): what every EK
// template L-2 carries as authPolicy.
constexpr unsigned char kEkPolicyA[32] = {
    0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
    0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa};

std::string OpensslError(const char* what) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  char buf[256] = "no detail";
  if (e != 0) ERR_error_string_n(e, buf, sizeof(buf));
  return absl::StrCat(what, ": ", buf);
}

absl::StatusOr<tpm::EvpPkeyPtr> NewP256Key() {
  tpm::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return absl::InternalError(OpensslError("cannot generate an ECC P-256 key"));
  return key;
}

// The key's uncompressed point coordinates (32 bytes each).
absl::Status PointOf(EVP_PKEY* key, std::string* x, std::string* y) {
  unsigned char point[65];
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                      sizeof(point), &len) != 1 ||
      len != 65 || point[0] != 0x04) {
    return absl::InternalError(OpensslError("cannot read an EC point"));
  }
  x->assign(reinterpret_cast<char*>(point + 1), 32);
  y->assign(reinterpret_cast<char*>(point + 33), 32);
  return absl::OkStatus();
}

void SetEccUnique(TPMT_PUBLIC& pub, const std::string& x, const std::string& y) {
  pub.unique.ecc.x.size = static_cast<uint16_t>(x.size());
  std::memcpy(pub.unique.ecc.x.buffer, x.data(), x.size());
  pub.unique.ecc.y.size = static_cast<uint16_t>(y.size());
  std::memcpy(pub.unique.ecc.y.buffer, y.data(), y.size());
}

// EK template L-2 (TCG EK Credential Profile): ECC NIST P-256, AES-128-CFB, restricted decrypt.
TPMT_PUBLIC EkTemplate(const std::string& x, const std::string& y) {
  TPMT_PUBLIC pub{};
  pub.type = TPM2_ALG_ECC;
  pub.nameAlg = TPM2_ALG_SHA256;
  pub.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                         TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
                         TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  pub.authPolicy.size = sizeof(kEkPolicyA);
  std::memcpy(pub.authPolicy.buffer, kEkPolicyA, sizeof(kEkPolicyA));
  pub.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
  pub.parameters.eccDetail.symmetric.keyBits.aes = 128;
  pub.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
  pub.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
  pub.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  pub.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  SetEccUnique(pub, x, y);
  return pub;
}

// A restricted ECDSA-SHA256 signing key, as the agent creates its AK on a real TPM.
TPMT_PUBLIC AkTemplate(const std::string& x, const std::string& y) {
  TPMT_PUBLIC pub{};
  pub.type = TPM2_ALG_ECC;
  pub.nameAlg = TPM2_ALG_SHA256;
  pub.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                         TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                         TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
  pub.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
  pub.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
  pub.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
  pub.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  pub.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  SetEccUnique(pub, x, y);
  return pub;
}

// Reads a TPM2B (2-byte big-endian size, then that many bytes) from `in` at `*at`.
absl::StatusOr<std::string> ReadTpm2b(std::string_view in, size_t* at, const char* what) {
  if (*at > in.size() || in.size() - *at < 2) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": truncated size"));
  }
  const size_t n = (static_cast<uint8_t>(in[*at]) << 8) | static_cast<uint8_t>(in[*at + 1]);
  *at += 2;
  if (in.size() - *at < n) return absl::InvalidArgumentError(absl::StrCat(what, ": truncated"));
  std::string out(in.substr(*at, n));
  *at += n;
  return out;
}

// Adds X.509v3 extensions (OpenSSL config syntax) to `cert`, issued by `issuer`.
absl::Status AddExtensions(X509* issuer, X509* cert,
                           const std::vector<std::pair<int, const char*>>& extensions) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr) return absl::InternalError(OpensslError("certificate extension"));
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::StatusOr<SoftwareEkCa> SoftwareEkCa::Create(const std::string& common_name) {
  ASSIGN_OR_RETURN(tpm::EvpPkeyPtr key, NewP256Key());
  X509* cert = X509_new();
  if (cert == nullptr) return absl::InternalError("X509_new failed");
  std::shared_ptr<X509> owned(cert, X509_free);
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 365 * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("VEU Attest load test"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, key.get());
  RETURN_IF_ERROR(AddExtensions(cert, cert,
                                 {{NID_basic_constraints, "critical,CA:TRUE"},
                                  {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                  {NID_subject_key_identifier, "hash"}}));
  if (X509_sign(cert, key.get(), EVP_sha256()) == 0) {
    return absl::InternalError(OpensslError("cannot sign the CA certificate"));
  }
  SoftwareEkCa ca;
  ca.key_ = std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free);
  ca.cert_ = std::move(owned);
  return ca;
}

absl::StatusOr<SoftwareEkCa> SoftwareEkCa::Load(const std::string& dir) {
  ASSIGN_OR_RETURN(std::string cert_pem, ReadFile(dir + "/ca.pem"));
  ASSIGN_OR_RETURN(std::string key_pem, ReadFile(dir + "/ca.key.pem"));
  BIO* cb = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  BIO_free(cb);
  BIO* kb = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(kb);
  if (cert == nullptr || key == nullptr) {
    X509_free(cert);
    EVP_PKEY_free(key);
    return absl::InvalidArgumentError(absl::StrCat("no load-test CA in ", dir));
  }
  SoftwareEkCa ca;
  ca.key_ = std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
  ca.cert_ = std::shared_ptr<X509>(cert, X509_free);
  return ca;
}

std::string SoftwareEkCa::CertificatePem() const {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, cert_.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(b);
  return out;
}

absl::Status SoftwareEkCa::Save(const std::string& dir) const {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::ofstream(dir + "/ca.pem", std::ios::trunc) << CertificatePem();
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  const std::string key_path = dir + "/ca.key.pem";
  {
    std::ofstream out(key_path, std::ios::trunc);
    out.write(data, n);
  }
  BIO_free(b);
  chmod(key_path.c_str(), 0600);
  if (!std::filesystem::exists(dir + "/ca.pem")) {
    return absl::UnavailableError(absl::StrCat("cannot write the load-test CA to ", dir));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SoftwareEkCa::Issue(EVP_PKEY* ek, uint64_t serial) const {
  X509* cert = X509_new();
  if (cert == nullptr) return absl::InternalError("X509_new failed");
  std::unique_ptr<X509, decltype(&X509_free)> owned(cert, X509_free);
  X509_set_version(cert, 2);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial + 1000);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 24 * 3600);
  X509_set_issuer_name(cert, X509_get_subject_name(cert_.get()));
  // TCG EK certificates have an empty subject and the TPM identity in the SAN; a CN here keeps
  // the load-test certificates apart in logs.
  X509_NAME* name = X509_get_subject_name(cert);
  const std::string cn = absl::StrCat("loadgen EK ", serial);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_pubkey(cert, ek);
  RETURN_IF_ERROR(AddExtensions(cert_.get(), cert,
                                 {{NID_basic_constraints, "critical,CA:FALSE"},
                                  {NID_key_usage, "critical,keyAgreement"},
                                  {NID_authority_key_identifier, "keyid:always"}}));
  if (X509_sign(cert, key_.get(), EVP_sha256()) == 0) {
    return absl::InternalError(OpensslError("cannot sign an EK certificate"));
  }
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  if (len <= 0) return absl::InternalError(OpensslError("cannot encode an EK certificate"));
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

absl::StatusOr<std::unique_ptr<SoftwareTpm>> SoftwareTpm::Create(const SoftwareEkCa& ca,
                                                                 uint64_t serial) {
  std::unique_ptr<SoftwareTpm> t(new SoftwareTpm());
  ASSIGN_OR_RETURN(t->ek_, NewP256Key());
  ASSIGN_OR_RETURN(t->ak_, NewP256Key());
  std::string x, y;
  RETURN_IF_ERROR(PointOf(t->ek_.get(), &x, &y));
  t->ek_x_ = x;
  ASSIGN_OR_RETURN(t->ek_public_, tpm::MarshalTpm2bPublic(EkTemplate(x, y)));
  RETURN_IF_ERROR(PointOf(t->ak_.get(), &x, &y));
  const TPMT_PUBLIC ak = AkTemplate(x, y);
  ASSIGN_OR_RETURN(t->ak_identity_.public_area, tpm::MarshalTpm2bPublic(ak));
  ASSIGN_OR_RETURN(t->ak_identity_.name, tpm::ObjectName(ak));
  ASSIGN_OR_RETURN(t->ek_certificate_der_, ca.Issue(t->ek_.get(), serial));
  for (uint16_t bank : {crypto::kAlgSha1, crypto::kAlgSha256}) {
    std::array<std::string, 24>& pcrs = t->pcrs_[bank];
    for (std::string& pcr : pcrs) pcr.assign(crypto::DigestSize(bank), '\0');
  }
  return t;
}

absl::StatusOr<EkCertificate> SoftwareTpm::ReadEkCertificate() {
  return EkCertificate{EkKeyType::kEccP256, 0x01c0000a, ek_certificate_der_};
}

absl::StatusOr<std::string> SoftwareTpm::EkPublic() { return ek_public_; }

absl::StatusOr<AkIdentity> SoftwareTpm::Ak() { return ak_identity_; }

absl::StatusOr<std::string> SoftwareTpm::ActivateCredential(std::string_view credential_blob,
                                                            std::string_view encrypted_secret) {
  // TPM2B_ID_OBJECT = size || TPM2B_DIGEST integrityHMAC || encIdentity.
  size_t at = 0;
  ASSIGN_OR_RETURN(std::string id_object, ReadTpm2b(credential_blob, &at, "credential blob"));
  size_t in = 0;
  ASSIGN_OR_RETURN(std::string integrity, ReadTpm2b(id_object, &in, "integrity HMAC"));
  const std::string enc_identity = id_object.substr(in);
  // TPM2B_ENCRYPTED_SECRET = size || TPMS_ECC_POINT (TPM2B x || TPM2B y).
  at = 0;
  ASSIGN_OR_RETURN(std::string secret_point, ReadTpm2b(encrypted_secret, &at, "encrypted secret"));
  size_t p = 0;
  ASSIGN_OR_RETURN(std::string px, ReadTpm2b(secret_point, &p, "ephemeral point x"));
  ASSIGN_OR_RETURN(std::string py, ReadTpm2b(secret_point, &p, "ephemeral point y"));
  if (px.size() != 32 || py.size() != 32) {
    return absl::InvalidArgumentError("the ephemeral point is not on P-256 (coordinate sizes)");
  }
  TPMT_PUBLIC peer = EkTemplate(px, py);
  ASSIGN_OR_RETURN(tpm::EvpPkeyPtr peer_key, tpm::PublicKeyFromTpmt(peer));
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, ek_.get(), nullptr), EVP_PKEY_CTX_free);
  size_t z_len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer_key.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &z_len) != 1) {
    return absl::FailedPreconditionError(OpensslError("ECDH with the ephemeral point failed"));
  }
  std::string z(z_len, '\0');
  if (EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(z.data()), &z_len) != 1) {
    return absl::FailedPreconditionError(OpensslError("ECDH with the ephemeral point failed"));
  }
  z.resize(z_len);
  ASSIGN_OR_RETURN(std::string seed,
                   tpm::KdfE(crypto::kAlgSha256, z, "IDENTITY", px, ek_x_, 256));
  // The TPM checks the HMAC first: a credential for another AK or EK fails here.
  ASSIGN_OR_RETURN(std::string hmac_key,
                   tpm::KdfA(crypto::kAlgSha256, seed, "INTEGRITY", "", "", 256));
  const std::string hmac_input = enc_identity + ak_identity_.name;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), hmac_key.data(), static_cast<int>(hmac_key.size()),
           reinterpret_cast<const unsigned char*>(hmac_input.data()), hmac_input.size(), mac,
           &mac_len) == nullptr) {
    return absl::InternalError("HMAC of the credential failed");
  }
  if (integrity.size() != mac_len || CRYPTO_memcmp(integrity.data(), mac, mac_len) != 0) {
    return absl::FailedPreconditionError(
        "TPM_RC_INTEGRITY: the credential is not for this AK and EK");
  }
  ASSIGN_OR_RETURN(std::string sym_key, tpm::KdfA(crypto::kAlgSha256, seed, "STORAGE",
                                                  ak_identity_.name, "", 128));
  std::string plain(enc_identity.size(), '\0');
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> c(EVP_CIPHER_CTX_new(),
                                                                    EVP_CIPHER_CTX_free);
  const unsigned char iv[16] = {0};
  int out_len = 0, final_len = 0;
  if (!c ||
      EVP_DecryptInit_ex(c.get(), EVP_aes_128_cfb128(), nullptr,
                         reinterpret_cast<const unsigned char*>(sym_key.data()), iv) != 1 ||
      EVP_DecryptUpdate(c.get(), reinterpret_cast<unsigned char*>(plain.data()), &out_len,
                        reinterpret_cast<const unsigned char*>(enc_identity.data()),
                        static_cast<int>(enc_identity.size())) != 1 ||
      EVP_DecryptFinal_ex(c.get(), reinterpret_cast<unsigned char*>(plain.data()) + out_len,
                          &final_len) != 1) {
    return absl::InternalError(OpensslError("AES-CFB decryption of the credential failed"));
  }
  size_t q = 0;
  return ReadTpm2b(plain, &q, "decrypted credential");
}

absl::StatusOr<std::vector<veu::v1::PcrValue>> SoftwareTpm::ReadPcrs(
    const veu::v1::PcrSelection& selection) {
  auto bank = pcrs_.find(static_cast<uint16_t>(selection.hash_alg()));
  if (bank == pcrs_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("PCR bank 0x", absl::Hex(selection.hash_alg()), " is not active"));
  }
  std::vector<uint32_t> indices(selection.pcrs().begin(), selection.pcrs().end());
  std::sort(indices.begin(), indices.end());
  std::vector<veu::v1::PcrValue> values;
  for (uint32_t i : indices) {
    if (i >= 24) return absl::InvalidArgumentError(absl::StrCat("PCR ", i, " does not exist"));
    veu::v1::PcrValue& v = values.emplace_back();
    v.set_hash_alg(selection.hash_alg());
    v.set_index(i);
    v.set_digest(bank->second[i]);
  }
  return values;
}

absl::StatusOr<veu::v1::Quote> SoftwareTpm::Quote(std::string_view qualifying_data,
                                                  const veu::v1::PcrSelection& selection) {
  if (qualifying_data.size() > 64) {
    return absl::InvalidArgumentError("qualifying data is longer than 64 bytes");
  }
  ASSIGN_OR_RETURN(std::vector<veu::v1::PcrValue> values, ReadPcrs(selection));
  std::string concatenated;
  for (const veu::v1::PcrValue& v : values) concatenated += v.digest();

  TPMS_ATTEST attest{};
  attest.magic = TPM2_GENERATED_VALUE;
  attest.type = TPM2_ST_ATTEST_QUOTE;
  attest.qualifiedSigner.size = static_cast<uint16_t>(ak_identity_.name.size());
  std::memcpy(attest.qualifiedSigner.name, ak_identity_.name.data(), ak_identity_.name.size());
  attest.extraData.size = static_cast<uint16_t>(qualifying_data.size());
  std::memcpy(attest.extraData.buffer, qualifying_data.data(), qualifying_data.size());
  attest.clockInfo.clock = static_cast<uint64_t>(absl::ToInt64Milliseconds(absl::Now() - started_));
  attest.clockInfo.resetCount = 1;
  attest.clockInfo.restartCount = 0;
  attest.clockInfo.safe = TPM2_YES;
  attest.firmwareVersion = 0x0000000100000000ULL;
  ASSIGN_OR_RETURN(TPML_PCR_SELECTION tpml, tpm::ToTpml({selection}));
  attest.attested.quote.pcrSelect = tpml;
  const std::string pcr_digest = crypto::Sha256(concatenated);
  attest.attested.quote.pcrDigest.size = static_cast<uint16_t>(pcr_digest.size());
  std::memcpy(attest.attested.quote.pcrDigest.buffer, pcr_digest.data(), pcr_digest.size());
  ASSIGN_OR_RETURN(std::string attest_bytes, tpm::MarshalAttest(attest));

  // ECDSA-SHA256 over the marshalled TPMS_ATTEST, r and s padded to 32 bytes as a TPM does.
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t der_len = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, ak_.get()) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &der_len,
                     reinterpret_cast<const unsigned char*>(attest_bytes.data()),
                     attest_bytes.size()) != 1) {
    return absl::InternalError(OpensslError("AK signature failed"));
  }
  std::string der(der_len, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(der.data()), &der_len,
                     reinterpret_cast<const unsigned char*>(attest_bytes.data()),
                     attest_bytes.size()) != 1) {
    return absl::InternalError(OpensslError("AK signature failed"));
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len));
  if (es == nullptr) return absl::InternalError(OpensslError("AK signature decoding failed"));
  TPMT_SIGNATURE sig{};
  sig.sigAlg = TPM2_ALG_ECDSA;
  sig.signature.ecdsa.hash = TPM2_ALG_SHA256;
  BN_bn2binpad(ECDSA_SIG_get0_r(es), sig.signature.ecdsa.signatureR.buffer, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(es), sig.signature.ecdsa.signatureS.buffer, 32);
  sig.signature.ecdsa.signatureR.size = 32;
  sig.signature.ecdsa.signatureS.size = 32;
  ECDSA_SIG_free(es);

  veu::v1::Quote quote;
  quote.set_attest(attest_bytes);
  ASSIGN_OR_RETURN(*quote.mutable_signature(), tpm::MarshalSignature(sig));
  quote.mutable_pcr_values()->Assign(values.begin(), values.end());
  return quote;
}

absl::Status SoftwareTpm::ExtendPcr(uint32_t pcr, const std::map<uint16_t, std::string>& digests) {
  if (pcr >= 24) return absl::InvalidArgumentError(absl::StrCat("PCR ", pcr, " does not exist"));
  for (const auto& [alg, digest] : digests) {
    auto bank = pcrs_.find(alg);
    if (bank == pcrs_.end()) continue;  // like a TPM: digests for inactive banks are ignored
    if (digest.size() != crypto::DigestSize(alg)) {
      return absl::InvalidArgumentError(
          absl::StrCat("a digest for bank 0x", absl::Hex(alg), " has ", digest.size(), " bytes"));
    }
    ASSIGN_OR_RETURN(bank->second[pcr], crypto::Hash(alg, {bank->second[pcr], digest}));
  }
  return absl::OkStatus();
}

}  // namespace veu::agent
