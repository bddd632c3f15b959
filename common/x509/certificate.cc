#include "common/x509/certificate.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/crypto/digest.h"
#include "common/hex.h"
#include "common/status_macros.h"
#include "common/x509/der.h"

namespace veu::x509 {

struct Certificate::Data {
  std::string der;
  // Offsets into der (views are rebuilt from them so copies can never dangle).
  std::pair<size_t, size_t> tbs, issuer, subject, spki, sig_alg, signature;
  std::string subject_text, issuer_text, serial;
  std::unique_ptr<X509, decltype(&X509_free)> x509{nullptr, &X509_free};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, &EVP_PKEY_free};
  std::string key_error;
  std::string spki_sha256;
  absl::Time not_before, not_after;
  std::optional<TpmIdentity> tpm;
  bool names_self = false;
  std::vector<std::string> notes;

  std::string_view View(std::pair<size_t, size_t> r) const {
    return std::string_view(der).substr(r.first, r.second);
  }
};

namespace {

constexpr char kMalformed[] = "EK_CERT_MALFORMED: ";
constexpr char kOidRsaesOaep[] = "1.2.840.113549.1.1.7";
constexpr char kOidTpmManufacturer[] = "2.23.133.2.1";
constexpr char kOidTpmModel[] = "2.23.133.2.2";
constexpr char kOidTpmVersion[] = "2.23.133.2.3";

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(kMalformed, what));
}

// Drains OpenSSL's error queue into one line (so failures do not leak into later calls).
std::string OpenSslErrors() {
  std::vector<std::string> parts;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    parts.emplace_back(buf);
  }
  return parts.empty() ? "no detail from OpenSSL" : absl::StrJoin(parts, "; ");
}

std::pair<size_t, size_t> RangeOf(std::string_view whole, std::string_view part) {
  return {static_cast<size_t>(part.data() - whole.data()), part.size()};
}

std::string ObjText(const ASN1_OBJECT* obj) {
  char buf[128];
  const int n = OBJ_obj2txt(buf, sizeof(buf), obj, 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(std::min<int>(n, sizeof(buf) - 1))) : "";
}

absl::Time AsnTime(const ASN1_TIME* t) {
  struct tm tm_value = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm_value) != 1) return absl::InfinitePast();
  return absl::FromTimeT(timegm(&tm_value));
}

std::string AsnStringText(const ASN1_STRING* s) {
  if (s == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

std::optional<TpmIdentity> ReadTpmIdentity(X509* x509) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x509, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::optional<TpmIdentity> id;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type != GEN_DIRNAME) continue;
    const X509_NAME* dir = gn->d.directoryName;
    for (int j = 0; j < X509_NAME_entry_count(dir); ++j) {
      const X509_NAME_ENTRY* entry = X509_NAME_get_entry(dir, j);
      const std::string oid = ObjText(X509_NAME_ENTRY_get_object(entry));
      const std::string value = AsnStringText(X509_NAME_ENTRY_get_data(entry));
      if (oid == kOidTpmManufacturer) {
        if (!id) id.emplace();
        id->manufacturer = value;
      } else if (oid == kOidTpmModel) {
        if (!id) id.emplace();
        id->model = value;
      } else if (oid == kOidTpmVersion) {
        if (!id) id.emplace();
        id->version = value;
      }
    }
  }
  GENERAL_NAMES_free(names);
  return id;
}

// TPM 1.2 EK certificates mark the RSA key as id-RSAES-OAEP (with the "TCPA" label), which
// OpenSSL cannot load. The key itself is an ordinary RSAPublicKey; re-express it.
EVP_PKEY* LoadOaepRsaKey(std::string_view spki) {
  absl::StatusOr<Tlv> outer = ReadTlv(spki);
  if (!outer.ok()) return nullptr;
  absl::StatusOr<std::vector<Tlv>> parts = ReadChildren(outer->value);
  if (!parts.ok() || parts->size() != 2 || (*parts)[1].tag != kTagBitString) return nullptr;
  static const unsigned char kRsaAlg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                          0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
  std::string body(reinterpret_cast<const char*>(kRsaAlg), sizeof(kRsaAlg));
  body += (*parts)[1].whole;
  const std::string der = EncodeHeader(kTagSequence, body.size()) + body;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  if (key == nullptr) ERR_clear_error();
  return key;
}

// Rebuilds `der` with minimal INTEGER encodings for version and serial number.
std::string RepairIntegers(std::string_view der, const std::vector<Tlv>& cert_parts,
                           const std::vector<Tlv>& tbs_parts) {
  std::string tbs_body;
  for (const Tlv& t : tbs_parts) {
    if (IsNonMinimalInteger(t)) {
      tbs_body += MinimalInteger(t);
    } else if (t.tag == 0xa0) {  // [0] EXPLICIT Version
      absl::StatusOr<Tlv> inner = ReadTlv(t.value);
      if (inner.ok() && IsNonMinimalInteger(*inner)) {
        const std::string v = MinimalInteger(*inner);
        tbs_body += EncodeHeader(0xa0, v.size()) + v;
      } else {
        tbs_body += t.whole;
      }
    } else {
      tbs_body += t.whole;
    }
  }
  std::string body = EncodeHeader(kTagSequence, tbs_body.size()) + tbs_body;
  body += cert_parts[1].whole;
  body += cert_parts[2].whole;
  (void)der;
  return EncodeHeader(kTagSequence, body.size()) + body;
}

X509* D2iX509(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x != nullptr && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    X509_free(x);
    return nullptr;
  }
  return x;
}

}  // namespace

std::string NameToString(std::string_view name_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(name_der.data());
  X509_NAME* name = d2i_X509_NAME(nullptr, &p, static_cast<long>(name_der.size()));
  if (name == nullptr) {
    ERR_clear_error();
    return "<unparseable name>";
  }
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  X509_NAME_free(name);
  return out;
}

bool NamesMatch(std::string_view a_der, std::string_view b_der) {
  if (a_der == b_der) return true;
  const auto* pa = reinterpret_cast<const unsigned char*>(a_der.data());
  const auto* pb = reinterpret_cast<const unsigned char*>(b_der.data());
  X509_NAME* a = d2i_X509_NAME(nullptr, &pa, static_cast<long>(a_der.size()));
  X509_NAME* b = d2i_X509_NAME(nullptr, &pb, static_cast<long>(b_der.size()));
  const bool match = a != nullptr && b != nullptr && X509_NAME_cmp(a, b) == 0;
  X509_NAME_free(a);
  X509_NAME_free(b);
  ERR_clear_error();
  return match;
}

absl::StatusOr<Certificate> ParseCertificateDer(std::string_view der,
                                                std::vector<std::string> storage_notes) {
  auto d = std::make_shared<Certificate::Data>();
  d->notes = std::move(storage_notes);
  d->der = std::string(der);
  const std::string_view in = d->der;

  absl::StatusOr<Tlv> cert = ReadTlv(in);
  if (!cert.ok()) return Malformed(cert.status().message());
  if (cert->tag != kTagSequence) {
    return Malformed(absl::StrCat("byte 0 is 0x", ToHex(in.substr(0, 1)),
                                  ", not a SEQUENCE: this is not a DER certificate"));
  }
  if (cert->whole.size() != in.size()) {
    return Malformed(absl::StrCat("the certificate ends at byte ", cert->whole.size(), " but ",
                                  in.size() - cert->whole.size(), " more bytes follow"));
  }
  absl::StatusOr<std::vector<Tlv>> parts = ReadChildren(cert->value);
  if (!parts.ok()) return Malformed(absl::StrCat("inside Certificate: ", parts.status().message()));
  if (parts->size() != 3 || (*parts)[0].tag != kTagSequence || (*parts)[1].tag != kTagSequence ||
      (*parts)[2].tag != kTagBitString) {
    return Malformed(
        "Certificate is not SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }");
  }
  absl::StatusOr<std::vector<Tlv>> tbs = ReadChildren((*parts)[0].value);
  if (!tbs.ok()) return Malformed(absl::StrCat("inside tbsCertificate: ", tbs.status().message()));
  const size_t first = (!tbs->empty() && (*tbs)[0].tag == 0xa0) ? 1 : 0;
  if (tbs->size() < first + 6)
    return Malformed("tbsCertificate has fewer than the 6 required fields");
  const Tlv& serial = (*tbs)[first];
  const Tlv& issuer = (*tbs)[first + 2];
  const Tlv& subject = (*tbs)[first + 4];
  const Tlv& spki = (*tbs)[first + 5];
  if (serial.tag != kTagInteger || issuer.tag != kTagSequence || subject.tag != kTagSequence ||
      spki.tag != kTagSequence) {
    return Malformed(
        "tbsCertificate fields are not serialNumber, signature, issuer, validity, "
        "subject, subjectPublicKeyInfo in that order");
  }
  const Tlv& sig = (*parts)[2];
  if (sig.value.empty() || sig.value[0] != 0) {
    return Malformed("signatureValue BIT STRING does not hold whole bytes");
  }
  d->tbs = RangeOf(in, (*parts)[0].whole);
  d->sig_alg = RangeOf(in, (*parts)[1].whole);
  d->signature = RangeOf(in, sig.value.substr(1));
  d->issuer = RangeOf(in, issuer.whole);
  d->subject = RangeOf(in, subject.whole);
  d->spki = RangeOf(in, spki.whole);
  for (const Tlv* t : {&*cert, &(*parts)[0]}) {
    if (!t->minimal_length) d->notes.push_back("a length field is not minimal DER; accepted");
  }

  ERR_clear_error();
  d->x509.reset(D2iX509(in));
  if (d->x509 == nullptr) {
    const std::string first_error = OpenSslErrors();
    const bool bad_integer =
        IsNonMinimalInteger(serial) || (first == 1 && ReadTlv((*tbs)[0].value).ok() &&
                                        IsNonMinimalInteger(*ReadTlv((*tbs)[0].value)));
    if (!bad_integer) {
      return Malformed(absl::StrCat("OpenSSL cannot parse the certificate (", first_error, ")"));
    }
    const std::string repaired = RepairIntegers(in, *parts, *tbs);
    d->x509.reset(D2iX509(repaired));
    if (d->x509 == nullptr) {
      return Malformed(absl::StrCat(
          "OpenSSL cannot parse the certificate even with its non-minimal serial number repaired (",
          OpenSslErrors(), ")"));
    }
    d->notes.push_back(
        "serial number is not minimal DER (OpenSSL refuses it); fields were read from a repaired "
        "copy and signatures are checked over the original bytes");
  }
  d->subject_text = NameToString(subject.whole);
  d->issuer_text = NameToString(issuer.whole);
  d->serial = ToHex(MinimalInteger(serial).substr(2));
  d->names_self = NamesMatch(subject.whole, issuer.whole);

  EVP_PKEY* key = X509_get0_pubkey(d->x509.get());
  if (key != nullptr) {
    EVP_PKEY_up_ref(key);
    d->key.reset(key);
  } else {
    ERR_clear_error();
    X509_PUBKEY* pub = X509_get_X509_PUBKEY(d->x509.get());
    ASN1_OBJECT* alg = nullptr;
    X509_PUBKEY_get0_param(&alg, nullptr, nullptr, nullptr, pub);
    const std::string oid = alg != nullptr ? ObjText(alg) : "?";
    if (oid == kOidRsaesOaep) {
      d->key.reset(LoadOaepRsaKey(spki.whole));
      if (d->key != nullptr) {
        d->notes.push_back("TPM 1.2 key marked rsaesOaep; used as the RSA key it contains");
      }
    }
    if (d->key == nullptr) {
      d->key_error = absl::StrCat("OpenSSL cannot load a public key of algorithm ", oid);
    }
  }
  if (d->key != nullptr) {
    unsigned char* buf = nullptr;
    const int n = i2d_PUBKEY(d->key.get(), &buf);
    if (n > 0) {
      d->spki_sha256 = crypto::Sha256(std::string_view(reinterpret_cast<char*>(buf), n));
    }
    OPENSSL_free(buf);
  }
  if (d->spki_sha256.empty()) d->spki_sha256 = crypto::Sha256(spki.whole);

  d->not_before = AsnTime(X509_get0_notBefore(d->x509.get()));
  d->not_after = AsnTime(X509_get0_notAfter(d->x509.get()));
  d->tpm = ReadTpmIdentity(d->x509.get());
  ERR_clear_error();

  Certificate out;
  out.d_ = std::move(d);
  return out;
}

absl::StatusOr<std::vector<Certificate>> ParseCertificateFile(std::string_view bytes) {
  std::vector<Certificate> certs;
  if (bytes.find("-----BEGIN") == std::string_view::npos) {
    // Downloaded DER files sometimes carry a trailing newline or padding: the DER's own
    // length says where the certificate ends.
    std::vector<std::string> notes;
    absl::StatusOr<Tlv> outer = ReadTlv(bytes);
    if (outer.ok() && outer->whole.size() < bytes.size()) {
      notes.push_back(absl::StrCat("ignored ", bytes.size() - outer->whole.size(),
                                   " bytes after the certificate's DER end"));
      bytes = outer->whole;
    }
    ASSIGN_OR_RETURN(Certificate c, ParseCertificateDer(bytes, std::move(notes)));
    certs.push_back(std::move(c));
    return certs;
  }
  BIO* bio = BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()));
  for (int block = 1;; ++block) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio, &name, &header, &data, &len) != 1) {
      const unsigned long err = ERR_peek_last_error();
      ERR_clear_error();
      if (ERR_GET_REASON(err) != PEM_R_NO_START_LINE) {
        BIO_free(bio);
        return Malformed(absl::StrCat("PEM block ", block, " is not valid base64 PEM"));
      }
      break;
    }
    const std::string type = name;
    std::string der(reinterpret_cast<char*>(data), static_cast<size_t>(len));
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    if (type != "CERTIFICATE" && type != "X509 CERTIFICATE" && type != "TRUSTED CERTIFICATE") {
      continue;  // keys or CRLs in a bundle are not certificates; skip them
    }
    absl::StatusOr<Certificate> c = ParseCertificateDer(der);
    if (!c.ok()) {
      BIO_free(bio);
      return absl::InvalidArgumentError(
          absl::StrCat(c.status().message(), " (in PEM block ", block, ")"));
    }
    certs.push_back(*std::move(c));
  }
  BIO_free(bio);
  if (certs.empty()) return Malformed("PEM text holds no CERTIFICATE block");
  return certs;
}

namespace {

// How to verify one signature: digest, and for RSASSA-PSS the padding parameters.
struct SignatureScheme {
  std::string name;  // for messages, e.g. "ecdsa-with-SHA256"
  int md_nid = NID_undef;
  int pk_nid = NID_undef;  // NID_rsaEncryption or NID_X9_62_id_ecPublicKey
  bool pss = false;
  int mgf1_md_nid = NID_undef;
  int salt_length = 20;
};

int AlgorithmNid(const X509_ALGOR* alg, int absent) {
  if (alg == nullptr) return absent;
  const ASN1_OBJECT* oid = nullptr;
  X509_ALGOR_get0(&oid, nullptr, nullptr, alg);
  return OBJ_obj2nid(oid);
}

// RFC 4055 RSASSA-PSS-params; absent fields take their SHA-1 / 20-byte-salt defaults.
absl::Status ReadPssParams(const X509_ALGOR* alg, SignatureScheme& scheme) {
  int ptype = 0;
  const void* pval = nullptr;
  X509_ALGOR_get0(nullptr, &ptype, &pval, alg);
  scheme.md_nid = NID_sha1;
  scheme.mgf1_md_nid = NID_sha1;
  if (ptype != V_ASN1_SEQUENCE || pval == nullptr) return absl::OkStatus();
  const auto* seq = static_cast<const ASN1_STRING*>(pval);
  const unsigned char* p = ASN1_STRING_get0_data(seq);
  RSA_PSS_PARAMS* params = d2i_RSA_PSS_PARAMS(nullptr, &p, ASN1_STRING_length(seq));
  if (params == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("RSASSA-PSS parameters do not parse");
  }
  scheme.md_nid = AlgorithmNid(params->hashAlgorithm, NID_sha1);
  if (params->maskGenAlgorithm != nullptr &&
      AlgorithmNid(params->maskGenAlgorithm, NID_mgf1) != NID_mgf1) {
    RSA_PSS_PARAMS_free(params);
    return absl::UnimplementedError("RSASSA-PSS with a mask generation function other than MGF1");
  }
  if (params->maskGenAlgorithm != nullptr) {
    // MGF1's parameter is the hash's AlgorithmIdentifier (OpenSSL leaves maskHash unset).
    int mgf_ptype = 0;
    const void* mgf_pval = nullptr;
    X509_ALGOR_get0(nullptr, &mgf_ptype, &mgf_pval, params->maskGenAlgorithm);
    if (mgf_ptype == V_ASN1_SEQUENCE && mgf_pval != nullptr) {
      const auto* hash_seq = static_cast<const ASN1_STRING*>(mgf_pval);
      const unsigned char* hp = ASN1_STRING_get0_data(hash_seq);
      X509_ALGOR* hash = d2i_X509_ALGOR(nullptr, &hp, ASN1_STRING_length(hash_seq));
      scheme.mgf1_md_nid = AlgorithmNid(hash, NID_undef);
      X509_ALGOR_free(hash);
      if (scheme.mgf1_md_nid == NID_undef) {
        ERR_clear_error();
        RSA_PSS_PARAMS_free(params);
        return absl::InvalidArgumentError("RSASSA-PSS MGF1 hash does not parse");
      }
    }
  }
  long salt = 20;
  if (params->saltLength != nullptr) salt = ASN1_INTEGER_get(params->saltLength);
  RSA_PSS_PARAMS_free(params);
  if (salt < 0 || salt > 1024)
    return absl::InvalidArgumentError("RSASSA-PSS salt length is invalid");
  scheme.salt_length = static_cast<int>(salt);
  return absl::OkStatus();
}

absl::StatusOr<SignatureScheme> ReadSignatureScheme(std::string_view alg_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(alg_der.data());
  X509_ALGOR* alg = d2i_X509_ALGOR(nullptr, &p, static_cast<long>(alg_der.size()));
  if (alg == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("signatureAlgorithm does not parse");
  }
  SignatureScheme scheme;
  const int sig_nid = AlgorithmNid(alg, NID_undef);
  const ASN1_OBJECT* oid = nullptr;
  X509_ALGOR_get0(&oid, nullptr, nullptr, alg);
  scheme.name = sig_nid != NID_undef ? OBJ_nid2sn(sig_nid) : ObjText(oid);
  absl::Status status;
  if (sig_nid == NID_rsassaPss) {
    scheme.pss = true;
    scheme.pk_nid = NID_rsaEncryption;
    status = ReadPssParams(alg, scheme);
  } else if (sig_nid == NID_undef ||
             OBJ_find_sigid_algs(sig_nid, &scheme.md_nid, &scheme.pk_nid) != 1 ||
             scheme.md_nid == NID_undef) {
    status = absl::UnimplementedError(
        absl::StrCat("signature algorithm ", scheme.name,
                     " is not supported (RSA PKCS#1 v1.5, RSASSA-PSS and ECDSA are)"));
  }
  X509_ALGOR_free(alg);
  if (!status.ok()) return status;
  return scheme;
}

}  // namespace

absl::Status VerifySignedBy(const Certificate& child, EVP_PKEY* issuer_key) {
  if (issuer_key == nullptr) return absl::InvalidArgumentError("the issuer has no usable key");
  absl::StatusOr<SignatureScheme> scheme = ReadSignatureScheme(child.signature_algorithm_der());
  if (!scheme.ok()) return scheme.status();
  const int key_id = EVP_PKEY_get_base_id(issuer_key);
  const bool fits = (scheme->pk_nid == NID_rsaEncryption &&
                     (key_id == EVP_PKEY_RSA || (scheme->pss && key_id == EVP_PKEY_RSA_PSS))) ||
                    (scheme->pk_nid == NID_X9_62_id_ecPublicKey && key_id == EVP_PKEY_EC);
  if (!fits) {
    return absl::InvalidArgumentError(absl::StrCat("signature algorithm ", scheme->name,
                                                   " does not fit the issuer's ",
                                                   OBJ_nid2sn(key_id), " key"));
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const std::string_view tbs = child.tbs_der();
  const std::string_view sig = child.signature();
  int ok = EVP_DigestVerifyInit_ex(ctx, &pctx, OBJ_nid2sn(scheme->md_nid), nullptr, nullptr,
                                   issuer_key, nullptr);
  if (ok == 1 && scheme->pss) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                 EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, OBJ_nid2sn(scheme->mgf1_md_nid),
                                                   nullptr) == 1 &&
                 EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, scheme->salt_length) == 1
             ? 1
             : 0;
  }
  if (ok == 1) {
    ok = EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(tbs.data()), tbs.size());
  }
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  if (ok != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(scheme->name, " signature does not verify with this key"));
  }
  return absl::OkStatus();
}

const std::string& Certificate::der() const { return d_->der; }
std::string_view Certificate::tbs_der() const { return d_->View(d_->tbs); }
std::string_view Certificate::issuer_der() const { return d_->View(d_->issuer); }
std::string_view Certificate::subject_der() const { return d_->View(d_->subject); }
std::string_view Certificate::spki_der() const { return d_->View(d_->spki); }
std::string_view Certificate::signature_algorithm_der() const { return d_->View(d_->sig_alg); }
std::string_view Certificate::signature() const { return d_->View(d_->signature); }
const std::string& Certificate::subject() const { return d_->subject_text; }
const std::string& Certificate::issuer() const { return d_->issuer_text; }
std::string Certificate::serial_hex() const { return d_->serial; }
X509* Certificate::x509() const { return d_->x509.get(); }
EVP_PKEY* Certificate::public_key() const { return d_->key.get(); }
const std::string& Certificate::public_key_error() const { return d_->key_error; }
const std::string& Certificate::spki_sha256() const { return d_->spki_sha256; }
absl::Time Certificate::not_before() const { return d_->not_before; }
absl::Time Certificate::not_after() const { return d_->not_after; }
std::optional<TpmIdentity> Certificate::tpm_identity() const { return d_->tpm; }
bool Certificate::names_self() const { return d_->names_self; }
const std::vector<std::string>& Certificate::notes() const { return d_->notes; }

std::string Certificate::DisplayName() const {
  if (!d_->subject_text.empty()) return d_->subject_text;
  return absl::StrCat("serial 0x", d_->serial, " (empty subject, issued by ", d_->issuer_text, ")");
}

}  // namespace veu::x509
