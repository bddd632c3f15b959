#include "tests/common/x509/test_pki.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>

#include "common/x509/der.h"

// Designated initialisers leave the other fields at their defaults on purpose; GCC 12 warns.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace veu::x509::testing {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "test PKI: %s failed\n", what);
    std::abort();
  }
}

X509_NAME* BuildName(const std::vector<CertSpec::Rdn>& rdns) {
  X509_NAME* name = X509_NAME_new();
  for (const auto& r : rdns) {
    Check(X509_NAME_add_entry_by_txt(name, r.field.c_str(), MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(r.value.c_str()), -1,
                                     -1, r.join_previous ? -1 : 0) == 1,
          "X509_NAME_add_entry_by_txt");
  }
  return name;
}

void AddExt(X509* cert, X509* issuer, const char* name, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf(nullptr, &ctx, name, value.c_str());
  Check(ext != nullptr, name);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

}  // namespace

KeyPtr NewKey() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  Check(key != nullptr, "EVP_EC_gen");
  return KeyPtr(key, EVP_PKEY_free);
}

KeyPtr NewRsaKey() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  Check(key != nullptr, "EVP_RSA_gen");
  return KeyPtr(key, EVP_PKEY_free);
}

std::string MakeCert(const CertSpec& spec) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), spec.serial);
  X509_NAME* subject = BuildName(spec.subject);
  X509_NAME* issuer = BuildName(spec.issuer);
  X509_set_subject_name(cert, subject);
  X509_set_issuer_name(cert, issuer);
  X509_NAME_free(subject);
  X509_NAME_free(issuer);
  X509_gmtime_adj(X509_getm_notBefore(cert), spec.not_before_days * 86400L);
  X509_gmtime_adj(X509_getm_notAfter(cert), spec.not_after_days * 86400L);
  X509_set_pubkey(cert, spec.subject_key.get());
  if (spec.add_basic_constraints) {
    AddExt(cert, cert, "basicConstraints", spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  }
  if (spec.ca) AddExt(cert, cert, "subjectKeyIdentifier", "hash");
  if (!spec.tpm_manufacturer.empty()) {
    // TCG EK Credential Profile: directoryName with tpmManufacturer, tpmModel, tpmVersion.
    X509_NAME* dir = BuildName({{"2.23.133.2.1", spec.tpm_manufacturer},
                                {"2.23.133.2.2", "TESTTPM"},
                                {"2.23.133.2.3", "id:0001"}});
    GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
    GENERAL_NAME* gn = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(gn, GEN_DIRNAME, dir);
    sk_GENERAL_NAME_push(names, gn);
    Check(X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 1, X509V3_ADD_DEFAULT) == 1, "SAN");
    GENERAL_NAMES_free(names);
  }
  if (!spec.authority_key_id_hex.empty()) {
    // keyIdentifier [0] IMPLICIT OCTET STRING inside a SEQUENCE.
    std::string id;
    for (size_t i = 0; i + 1 < spec.authority_key_id_hex.size(); i += 2) {
      id.push_back(
          static_cast<char>(std::stoi(spec.authority_key_id_hex.substr(i, 2), nullptr, 16)));
    }
    std::string der = std::string("\x30", 1) + static_cast<char>(id.size() + 2) + "\x80" +
                      static_cast<char>(id.size()) + id;
    ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(os, reinterpret_cast<const unsigned char*>(der.data()),
                          static_cast<int>(der.size()));
    X509_EXTENSION* ext =
        X509_EXTENSION_create_by_NID(nullptr, NID_authority_key_identifier, 0, os);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
  }
  for (const auto& [name, value] : spec.extra_extensions) AddExt(cert, cert, name.c_str(), value);
  if (spec.sign_rsa_pss) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    Check(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, spec.signer_key.get()) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
              EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1,
          "PSS signing context");
    Check(X509_sign_ctx(cert, ctx) > 0, "X509_sign_ctx");
    EVP_MD_CTX_free(ctx);
  } else {
    Check(X509_sign(cert, spec.signer_key.get(), EVP_sha256()) > 0, "X509_sign");
  }
  unsigned char* buf = nullptr;
  const int n = i2d_X509(cert, &buf);
  std::string der(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_free(buf);
  X509_free(cert);
  return der;
}

std::string WithIssuerRdnValuesReversed(const std::string& der, const KeyPtr& signer_key) {
  auto cert = ReadTlv(der);
  Check(cert.ok(), "certificate TLV");
  auto parts = ReadChildren(cert->value);
  Check(parts.ok() && parts->size() == 3, "certificate parts");
  auto tbs_fields = ReadChildren((*parts)[0].value);
  Check(tbs_fields.ok() && tbs_fields->size() > 4, "tbs fields");
  std::string tbs_body;
  for (size_t i = 0; i < tbs_fields->size(); ++i) {
    const Tlv& field = (*tbs_fields)[i];
    if (i != 3) {  // [0] version, serial, signature, issuer ...
      tbs_body += field.whole;
      continue;
    }
    auto rdns = ReadChildren(field.value);
    Check(rdns.ok() && !rdns->empty(), "issuer RDNs");
    std::string name_body;
    bool reversed = false;
    for (const Tlv& rdn : *rdns) {
      auto values = ReadChildren(rdn.value);
      Check(values.ok(), "RDN values");
      if (!reversed && values->size() > 1) {
        std::string set_body;
        for (auto it = values->rbegin(); it != values->rend(); ++it) set_body += it->whole;
        name_body += EncodeHeader(kTagSet, set_body.size()) + set_body;
        reversed = true;
      } else {
        name_body += rdn.whole;
      }
    }
    Check(reversed, "issuer has a multi-valued RDN");
    tbs_body += EncodeHeader(kTagSequence, name_body.size()) + name_body;
  }
  const std::string tbs = EncodeHeader(kTagSequence, tbs_body.size()) + tbs_body;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t sig_len = 0;
  Check(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, signer_key.get()) == 1,
        "sign init");
  Check(EVP_DigestSign(ctx, nullptr, &sig_len, reinterpret_cast<const unsigned char*>(tbs.data()),
                       tbs.size()) == 1,
        "sign size");
  std::string sig(sig_len, '\0');
  Check(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                       reinterpret_cast<const unsigned char*>(tbs.data()), tbs.size()) == 1,
        "sign");
  sig.resize(sig_len);
  EVP_MD_CTX_free(ctx);
  const std::string bits = std::string(1, '\0') + sig;
  std::string body =
      tbs + std::string((*parts)[1].whole) + EncodeHeader(kTagBitString, bits.size()) + bits;
  return EncodeHeader(kTagSequence, body.size()) + body;
}

std::string ToPem(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  Check(cert != nullptr, "d2i_X509");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  X509_free(cert);
  return pem;
}

namespace {

X509_EXTENSION* UnknownCriticalExtension() {
  ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.4.1.55555.1", 1);
  ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(value, reinterpret_cast<const unsigned char*>("\x05\x00"), 2);
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, 1, value);
  Check(ext != nullptr, "unknown extension");
  ASN1_OBJECT_free(oid);
  ASN1_OCTET_STRING_free(value);
  return ext;
}

}  // namespace

std::string MakeCrl(const CrlSpec& spec) {
  X509_CRL* crl = X509_CRL_new();
  X509_CRL_set_version(crl, 1);  // v2
  X509_NAME* issuer = BuildName(spec.issuer);
  X509_CRL_set_issuer_name(crl, issuer);
  X509_NAME_free(issuer);
  ASN1_TIME* t = X509_gmtime_adj(nullptr, spec.this_update_days * 86400L);
  X509_CRL_set1_lastUpdate(crl, t);
  ASN1_TIME_free(t);
  t = X509_gmtime_adj(nullptr, spec.next_update_days * 86400L);
  X509_CRL_set1_nextUpdate(crl, t);
  ASN1_TIME_free(t);
  for (long serial : spec.revoked_serials) {
    X509_REVOKED* r = X509_REVOKED_new();
    ASN1_INTEGER* s = ASN1_INTEGER_new();
    ASN1_INTEGER_set(s, serial);
    X509_REVOKED_set_serialNumber(r, s);
    ASN1_INTEGER_free(s);
    t = X509_gmtime_adj(nullptr, -86400L);
    X509_REVOKED_set_revocationDate(r, t);
    ASN1_TIME_free(t);
    if (spec.reason >= 0) {
      ASN1_ENUMERATED* code = ASN1_ENUMERATED_new();
      ASN1_ENUMERATED_set(code, spec.reason);
      Check(X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, code, 0, 0) == 1, "reason");
      ASN1_ENUMERATED_free(code);
    }
    if (spec.critical_unknown_entry_extension) {
      X509_EXTENSION* ext = UnknownCriticalExtension();
      X509_REVOKED_add_ext(r, ext, -1);
      X509_EXTENSION_free(ext);
    }
    X509_CRL_add0_revoked(crl, r);
  }
  if (spec.delta) {
    ASN1_INTEGER* base = ASN1_INTEGER_new();
    ASN1_INTEGER_set(base, 1);
    Check(X509_CRL_add1_ext_i2d(crl, NID_delta_crl, base, 1, 0) == 1, "deltaCRLIndicator");
    ASN1_INTEGER_free(base);
  }
  if (spec.critical_unknown_extension) {
    X509_EXTENSION* ext = UnknownCriticalExtension();
    X509_CRL_add_ext(crl, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_CRL_sort(crl);
  Check(X509_CRL_sign(crl, spec.signer_key.get(), EVP_sha256()) > 0, "X509_CRL_sign");
  unsigned char* buf = nullptr;
  const int n = i2d_X509_CRL(crl, &buf);
  std::string der(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_free(buf);
  X509_CRL_free(crl);
  return der;
}

std::string CrlToPem(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()));
  Check(crl != nullptr, "d2i_X509_CRL");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_CRL(bio, crl);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  X509_CRL_free(crl);
  return pem;
}

TestPki MakePki(const std::string& prefix) {
  TestPki pki;
  pki.root_key = NewKey();
  pki.intermediate_key = NewKey();
  pki.leaf_key = NewKey();
  const std::vector<CertSpec::Rdn> root_name = {{"O", prefix + " TPM Vendor"},
                                                {"CN", prefix + " EK Root CA"}};
  const std::vector<CertSpec::Rdn> int_name = {{"O", prefix + " TPM Vendor"},
                                               {"CN", prefix + " EK Intermediate CA"}};
  pki.root = MakeCert({.subject = root_name,
                       .issuer = root_name,
                       .subject_key = pki.root_key,
                       .signer_key = pki.root_key,
                       .serial = 1,
                       .not_after_days = 3650});
  pki.intermediate = MakeCert({.subject = int_name,
                               .issuer = root_name,
                               .subject_key = pki.intermediate_key,
                               .signer_key = pki.root_key,
                               .serial = 2,
                               .not_after_days = 3650});
  pki.leaf = MakeCert({.subject = {},
                       .issuer = int_name,
                       .subject_key = pki.leaf_key,
                       .signer_key = pki.intermediate_key,
                       .serial = 3,
                       .ca = false,
                       .tpm_manufacturer = "id:54455354"});
  return pki;
}

}  // namespace veu::x509::testing
