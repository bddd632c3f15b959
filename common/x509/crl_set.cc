#include "common/x509/crl_set.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/hex.h"
#include "common/x509/der.h"

namespace veu::x509 {
namespace {

using CrlPtr = std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)>;

constexpr char kOidDeltaCrlIndicator[] = "2.5.29.27";
constexpr char kOidIssuingDistributionPoint[] = "2.5.29.28";
constexpr char kOidReasonCode[] = "2.5.29.21";
constexpr char kOidInvalidityDate[] = "2.5.29.24";
constexpr long kReasonRemoveFromCrl = 8;  // only meaningful in delta CRLs, which we skip

std::string OpenSslErrors() {
  std::vector<std::string> parts;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    parts.emplace_back(buf);
  }
  return parts.empty() ? "no detail from OpenSSL" : absl::StrJoin(parts, "; ");
}

std::string Oid(const ASN1_OBJECT* obj) {
  char buf[128];
  const int n = OBJ_obj2txt(buf, sizeof(buf), obj, 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(std::min<int>(n, sizeof(buf) - 1))) : "";
}

absl::Time AsnTime(const ASN1_TIME* t) {
  struct tm tm_value = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm_value) != 1) return absl::InfinitePast();
  return absl::FromTimeT(timegm(&tm_value));
}

std::string NameDer(const X509_NAME* name) {
  unsigned char* buf = nullptr;
  const int n = i2d_X509_NAME(name, &buf);
  if (n <= 0) return "";
  std::string der(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_free(buf);
  return der;
}

// The serial in Certificate::serial_hex() form: hex of the minimal two's-complement contents.
std::string SerialHex(const ASN1_INTEGER* serial) {
  unsigned char* buf = nullptr;
  const int n = i2d_ASN1_INTEGER(serial, &buf);
  if (n <= 0) return "";
  const std::string der(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_free(buf);
  absl::StatusOr<Tlv> tlv = ReadTlv(der);
  if (!tlv.ok()) return "";
  const std::string minimal = MinimalInteger(*tlv);
  absl::StatusOr<Tlv> min_tlv = ReadTlv(minimal);
  return min_tlv.ok() ? ToHex(min_tlv->value) : "";
}

std::string ReasonName(long code) {
  static const char* const kNames[] = {
      "unspecified",          "keyCompromise", "cACompromise",   "affiliationChanged",
      "superseded",           "cessationOfOperation", "certificateHold", "(unused 7)",
      "removeFromCRL",        "privilegeWithdrawn",   "aACompromise"};
  if (code >= 0 && code < static_cast<long>(sizeof(kNames) / sizeof(kNames[0]))) {
    return kNames[code];
  }
  return absl::StrCat("reason ", code);
}

// DER, or every PEM "X509 CRL" block (other PEM blocks are passed over).
absl::StatusOr<std::vector<CrlPtr>> ParseCrlFile(std::string_view bytes) {
  ERR_clear_error();
  std::vector<CrlPtr> out;
  if (bytes.find("-----BEGIN") == std::string_view::npos) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size()));
    if (crl == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a DER CRL or PEM \"X509 CRL\" block: ", OpenSslErrors()));
    }
    out.emplace_back(crl, X509_CRL_free);
    return out;
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())), BIO_free);
  for (;;) {
    X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
    if (crl != nullptr) {
      out.emplace_back(crl, X509_CRL_free);
      continue;
    }
    const unsigned long e = ERR_peek_last_error();
    const bool at_end = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
    if (at_end && !out.empty()) {
      ERR_clear_error();
      return out;
    }
    if (at_end) {
      ERR_clear_error();
      return absl::InvalidArgumentError("PEM file without an \"X509 CRL\" block");
    }
    return absl::InvalidArgumentError(
        absl::StrCat("PEM \"X509 CRL\" block ", out.size() + 1, " does not parse: ",
                     OpenSslErrors()));
  }
}

// Why the CRL cannot be used whatever signed it, or "".
std::string UnsupportedExtension(X509_CRL* crl) {
  for (int i = 0; i < X509_CRL_get_ext_count(crl); ++i) {
    X509_EXTENSION* ext = X509_CRL_get_ext(crl, i);
    const std::string oid = Oid(X509_EXTENSION_get_object(ext));
    if (oid == kOidDeltaCrlIndicator) {
      return "it is a delta CRL (deltaCRLIndicator), which lists only changes since a base CRL; "
             "place the vendor's complete CRL instead";
    }
    if (oid == kOidIssuingDistributionPoint) {
      auto* idp = static_cast<ISSUING_DIST_POINT*>(X509V3_EXT_d2i(ext));
      if (idp == nullptr) {
        ERR_clear_error();
        return "its issuingDistributionPoint extension does not parse";
      }
      const bool indirect = idp->indirectCRL != 0;
      ISSUING_DIST_POINT_free(idp);
      if (indirect) {
        return "it is an indirect CRL (its entries may belong to other issuers), which is not "
               "supported";
      }
      continue;  // a scope limit: every serial it lists is still revoked by its issuer
    }
    if (X509_EXTENSION_get_critical(ext) != 0) {
      return absl::StrCat("it has critical extension ", oid, ", which is not understood");
    }
  }
  return "";
}

// Reads the entries; fails (the CRL is skipped) on a critical entry extension we do not know.
absl::Status ReadEntries(X509_CRL* crl, std::map<std::string, CrlSet::RevokedEntry>& out) {
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
    const std::string serial = SerialHex(X509_REVOKED_get0_serialNumber(r));
    for (int j = 0; j < X509_REVOKED_get_ext_count(r); ++j) {
      X509_EXTENSION* ext = X509_REVOKED_get_ext(r, j);
      const std::string oid = Oid(X509_EXTENSION_get_object(ext));
      if (X509_EXTENSION_get_critical(ext) != 0 && oid != kOidReasonCode &&
          oid != kOidInvalidityDate) {
        return absl::InvalidArgumentError(absl::StrCat(
            "its entry for serial 0x", serial, " has critical extension ", oid,
            ", which is not understood"));
      }
    }
    CrlSet::RevokedEntry entry{AsnTime(X509_REVOKED_get0_revocationDate(r)), ""};
    auto* code = static_cast<ASN1_ENUMERATED*>(
        X509_REVOKED_get_ext_d2i(r, NID_crl_reason, nullptr, nullptr));
    ERR_clear_error();
    if (code != nullptr) {
      const long value = ASN1_ENUMERATED_get(code);
      ASN1_ENUMERATED_free(code);
      if (value == kReasonRemoveFromCrl) continue;
      entry.reason = ReasonName(value);
    }
    if (serial.empty()) continue;
    auto [it, inserted] = out.emplace(serial, entry);
    if (!inserted && entry.date < it->second.date) it->second = entry;
  }
  return absl::OkStatus();
}

std::string Named(const TrustStore::Entry& e) {
  return absl::StrCat("'", e.cert.DisplayName(), "' (", e.source, ")");
}

// Builds the Crl, or says why it is skipped.
absl::StatusOr<CrlSet::Crl> Admit(X509_CRL* crl, std::string source, const TrustStore& issuers) {
  CrlSet::Crl out;
  out.source = std::move(source);
  out.issuer_der = NameDer(X509_CRL_get_issuer(crl));
  out.issuer = NameToString(out.issuer_der);
  std::vector<std::string> named;
  for (const TrustStore::Entry& e : issuers.entries()) {
    if (e.cert.public_key() == nullptr || !NamesMatch(out.issuer_der, e.cert.subject_der())) {
      continue;
    }
    named.push_back(Named(e));
    if (X509_CRL_verify(crl, e.cert.public_key()) == 1) {
      if (out.signer.empty()) out.signer = Named(e);
      if (std::find(out.signer_keys.begin(), out.signer_keys.end(), e.cert.spki_sha256()) ==
          out.signer_keys.end()) {
        out.signer_keys.push_back(e.cert.spki_sha256());
      }
    }
    ERR_clear_error();
  }
  if (named.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "its issuer '", out.issuer,
        "' is not a CA certificate in the EK roots directory; add that CA or remove the CRL"));
  }
  if (out.signer_keys.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "its signature does not verify with the key of ", absl::StrJoin(named, ", "),
        " (tampered CRL, or signed by a different CA of the same name)"));
  }
  if (std::string why = UnsupportedExtension(crl); !why.empty()) {
    return absl::FailedPreconditionError(why);
  }
  if (absl::Status entries = ReadEntries(crl, out.revoked); !entries.ok()) {
    return absl::FailedPreconditionError(entries.message());
  }
  out.this_update = AsnTime(X509_CRL_get0_lastUpdate(crl));
  if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl)) out.next_update = AsnTime(next);
  return out;
}

}  // namespace

CrlSet CrlSet::FromFiles(const std::vector<TrustStore::SourceFile>& files,
                         const TrustStore& issuers, std::vector<std::string> already_skipped) {
  CrlSet set;
  set.skipped_ = std::move(already_skipped);
  for (const TrustStore::SourceFile& f : files) {
    absl::StatusOr<std::vector<CrlPtr>> crls = ParseCrlFile(f.bytes);
    if (!crls.ok()) {
      set.skipped_.push_back(absl::StrCat(f.name, ": ", crls.status().message()));
      continue;
    }
    for (size_t i = 0; i < crls->size(); ++i) {
      std::string source = crls->size() == 1 ? f.name : absl::StrCat(f.name, " #", i + 1);
      absl::StatusOr<Crl> crl = Admit((*crls)[i].get(), source, issuers);
      if (!crl.ok()) {
        set.skipped_.push_back(absl::StrCat(source, ": CRL not used: ", crl.status().message()));
        continue;
      }
      set.crls_.push_back(*std::move(crl));
    }
  }
  return set;
}

std::vector<const CrlSet::Crl*> CrlSet::IssuedBy(const Certificate& issuer) const {
  std::vector<const Crl*> out;
  for (const Crl& crl : crls_) {
    if (std::find(crl.signer_keys.begin(), crl.signer_keys.end(), issuer.spki_sha256()) !=
            crl.signer_keys.end() &&
        NamesMatch(crl.issuer_der, issuer.subject_der())) {
      out.push_back(&crl);
    }
  }
  return out;
}

std::optional<CrlSet::Revocation> CrlSet::FindRevocation(const Certificate& cert,
                                                         const Certificate& issuer) const {
  std::optional<Revocation> found;
  for (const Crl* crl : IssuedBy(issuer)) {
    auto it = crl->revoked.find(cert.serial_hex());
    if (it == crl->revoked.end()) continue;
    if (!found || it->second.date < found->entry.date) {
      found = Revocation{cert.serial_hex(), it->second, crl};
    }
  }
  return found;
}

}  // namespace veu::x509
