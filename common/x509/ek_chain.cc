#include "common/x509/ek_chain.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/hex.h"

namespace veu::x509 {
namespace {

constexpr char kOidTcgEkCertificate[] = "2.23.133.8.1";

std::string Named(const TrustStore::Entry& e) {
  return absl::StrCat("'", e.cert.DisplayName(), "' (", e.source, ")");
}

std::string AsnHex(const ASN1_OCTET_STRING* s) {
  return ToHex(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                static_cast<size_t>(ASN1_STRING_length(s))));
}

// Depth-first search over the store; remembers the most informative failure.
class ChainSearch {
 public:
  ChainSearch(const TrustStore& store, size_t max_depth) : store_(store), max_depth_(max_depth) {}

  bool Extend(const Certificate& current, size_t depth) {
    const auto& entries = store_.entries();
    std::vector<size_t> by_name;
    std::vector<size_t> others;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (std::find(path_.begin(), path_.end(), i) != path_.end()) continue;
      if (entries[i].cert.public_key() == nullptr) continue;
      (NamesMatch(current.issuer_der(), entries[i].cert.subject_der()) ? by_name : others)
          .push_back(i);
    }
    // Prefer roots (shortest chains), then certificates that needed no repair.
    std::stable_partition(by_name.begin(), by_name.end(),
                          [&](size_t i) { return entries[i].cert.notes().empty(); });
    std::stable_partition(by_name.begin(), by_name.end(),
                          [&](size_t i) { return entries[i].self_signed; });
    const std::string who = current.DisplayName();
    for (const std::vector<size_t>* list : {&by_name, &others}) {
      for (size_t i : *list) {
        const TrustStore::Entry& e = entries[i];
        absl::Status sig = VerifySignedBy(current, e.cert.public_key());
        if (!sig.ok()) {
          if (list == &by_name) {
            Fail(depth, 2,
                 absl::StrCat("the signature of '", who,
                              "' does not verify with the key of its "
                              "named issuer ",
                              Named(e), ": ", sig.message(),
                              " (tampered certificate, or a different CA of the same name)"));
          }
          continue;
        }
        if ((X509_get_extension_flags(e.cert.x509()) & EXFLAG_BCONS) != 0 &&
            (X509_get_extension_flags(e.cert.x509()) & EXFLAG_CA) == 0) {
          Fail(depth, 3,
               absl::StrCat(Named(e), " verifies the signature of '", who,
                            "' but is not a CA (basicConstraints cA=FALSE), so cannot issue it"));
          continue;
        }
        path_.push_back(i);
        if (e.self_signed) return true;
        if (depth + 2 >= max_depth_) {
          Fail(depth + 1, 1,
               absl::StrCat("no self-signed root within ", max_depth_, " certificates above '", who,
                            "'"));
        } else if (Extend(e.cert, depth + 1)) {
          return true;
        }
        path_.pop_back();
      }
    }
    if (by_name.empty()) {
      Fail(depth, 1,
           depth == 0
               ? absl::StrCat("no certificate in the trust store is its issuer '", current.issuer(),
                              "' or verifies its signature; add that "
                              "manufacturer CA to the EK roots directory")
               : absl::StrCat("the chain reached ", Named(entries[path_.back()]),
                              ", which is not self-signed, but its issuer '", current.issuer(),
                              "' is not in the trust store; add that root"));
    }
    return false;
  }

  const std::vector<size_t>& path() const { return path_; }
  const std::string& failure() const { return failure_; }

 private:
  void Fail(size_t depth, int priority, std::string message) {
    if (failure_.empty() ||
        std::make_pair(depth, priority) > std::make_pair(fail_depth_, fail_priority_)) {
      failure_ = std::move(message);
      fail_depth_ = depth;
      fail_priority_ = priority;
    }
  }

  const TrustStore& store_;
  size_t max_depth_;
  std::vector<size_t> path_;
  std::string failure_;
  size_t fail_depth_ = 0;
  int fail_priority_ = 0;
};

// Warnings about one link child -> parent whose signature verified.
void LinkWarnings(const Certificate& child, const Certificate& parent,
                  const std::string& parent_name, std::vector<std::string>& out,
                  std::vector<ChainCaveat>& caveats) {
  const std::string who = child.DisplayName();
  if (child.issuer_der() != parent.subject_der()) {
    out.push_back(NamesMatch(child.issuer_der(), parent.subject_der())
                      ? absl::StrCat("issuer name of '", who, "' matched ", parent_name,
                                     " only after normalisation (encoding, case or the order of "
                                     "values in a multi-valued RDN differ)")
                      : absl::StrCat("issuer name of '", who, "' ('", child.issuer(),
                                     "') differs from the subject of ", parent_name,
                                     "; accepted because that CA's key verifies the signature"));
  }
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(child.x509());
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(parent.x509());
  if (aki != nullptr && ski != nullptr && ASN1_OCTET_STRING_cmp(aki, ski) != 0) {
    out.push_back(absl::StrCat("Authority Key Identifier of '", who, "' is ", AsnHex(aki),
                               " but it was signed by ", parent_name, " whose key identifier is ",
                               AsnHex(ski), "; accepted because the signature verifies"));
    caveats.push_back({veu::v1::EK_CERT_LINK_MISMATCH, out.back()});
  }
  const ASN1_INTEGER* aki_serial = X509_get0_authority_serial(child.x509());
  if (aki_serial != nullptr &&
      ASN1_INTEGER_cmp(aki_serial, X509_get0_serialNumber(parent.x509())) != 0) {
    out.push_back(absl::StrCat("Authority Key Identifier of '", who,
                               "' names an issuer certificate with another serial number than ",
                               parent_name, "; accepted because the signature verifies"));
    caveats.push_back({veu::v1::EK_CERT_LINK_MISMATCH, out.back()});
  }
}

std::optional<std::string> ValidityProblem(const Certificate& c, const std::string& name,
                                           absl::Time now) {
  if (now < c.not_before()) {
    return absl::StrCat(name, " is not valid before ", absl::FormatTime(c.not_before()));
  }
  if (now > c.not_after()) {
    return absl::StrCat(name, " expired on ", absl::FormatTime(c.not_after()));
  }
  return std::nullopt;
}

// Critical extensions that neither constrain the path in ways we skip nor are unknown to us:
// the TCG ones carry data (TPM attributes, policies), the others we evaluate.
bool IsUnderstoodExtension(const std::string& oid) {
  static const char* const kUnderstood[] = {
      "2.5.29.9",   // subjectDirectoryAttributes (TCG TPM specification, security assertions)
      "2.5.29.14",  // subjectKeyIdentifier
      "2.5.29.15",  // keyUsage
      "2.5.29.17",  // subjectAltName (TCG TPM manufacturer/model/version)
      "2.5.29.19",  // basicConstraints
      "2.5.29.32",  // certificatePolicies
      "2.5.29.35",  // authorityKeyIdentifier
      "2.5.29.37",  // extendedKeyUsage
      "1.3.6.1.5.5.7.1.1",  // authorityInfoAccess
      "2.5.29.31",          // cRLDistributionPoints
  };
  for (const char* known : kUnderstood) {
    if (oid == known) return true;
  }
  return false;
}

void CriticalExtensionWarnings(const Certificate& c, const std::string& name,
                               std::vector<std::string>& out) {
  for (int i = 0; i < X509_get_ext_count(c.x509()); ++i) {
    X509_EXTENSION* ext = X509_get_ext(c.x509(), i);
    if (X509_EXTENSION_get_critical(ext) == 0) continue;
    char buf[80];
    OBJ_obj2txt(buf, sizeof(buf), X509_EXTENSION_get_object(ext), 1);
    if (!IsUnderstoodExtension(buf)) {
      out.push_back(absl::StrCat(name, " has critical extension ", buf,
                                 ", which is not evaluated (it imposes nothing on this check)"));
    }
  }
}

void LeafWarnings(const Certificate& leaf, std::vector<std::string>& out) {
  CriticalExtensionWarnings(leaf, "EK certificate", out);
  for (const std::string& n : leaf.notes()) out.push_back(absl::StrCat("EK certificate: ", n));
  if (leaf.public_key() == nullptr) {
    out.push_back(absl::StrCat("EK certificate: ", leaf.public_key_error(),
                               "; it cannot be compared with the TPM's EK"));
  }
  auto* eku = static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(leaf.x509(), NID_ext_key_usage, nullptr, nullptr));
  if (eku != nullptr) {
    bool tcg = false;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku); ++i) {
      char buf[64];
      OBJ_obj2txt(buf, sizeof(buf), sk_ASN1_OBJECT_value(eku, i), 1);
      tcg = tcg || std::string_view(buf) == kOidTcgEkCertificate ||
            OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i)) == NID_anyExtendedKeyUsage;
    }
    EXTENDED_KEY_USAGE_free(eku);
    if (!tcg) {
      out.push_back("EK certificate: extendedKeyUsage lacks tcg-kp-EKCertificate (2.23.133.8.1)");
    }
  }
}

// Checks `child` (signed by `issuer`) against the CRLs `issuer` signed: records which were
// consulted in `consulted`, warns about stale ones, and sets `revoked` (if still empty) to the
// rejection detail when one lists it.
void RevocationCheck(const Certificate& child, const std::string& child_name,
                     const TrustStore::Entry& issuer, const CrlSet& crls, absl::Time now,
                     std::vector<std::string>& consulted, std::vector<std::string>& warnings,
                     std::string& revoked) {
  for (const CrlSet::Crl* crl : crls.IssuedBy(issuer.cert)) {
    consulted.push_back(crl->source);
    if (crl->next_update && now > *crl->next_update) {
      warnings.push_back(absl::StrCat(
          "CRL ", crl->source, " of ", Named(issuer), " was due to be replaced on ",
          absl::FormatTime(*crl->next_update),
          " (nextUpdate): the revocations it lists still apply, but later ones are missing; "
          "place the vendor's current CRL in the crls/ folder"));
    }
  }
  if (!revoked.empty()) return;
  if (std::optional<CrlSet::Revocation> r = crls.FindRevocation(child, issuer.cert)) {
    revoked = absl::StrCat(child_name, " (serial 0x", r->serial_hex, ") was revoked on ",
                           absl::FormatTime(r->entry.date),
                           r->entry.reason.empty() ? "" : absl::StrCat(" (", r->entry.reason, ")"),
                           " by its issuer ", Named(issuer), ": listed in CRL ", r->crl->source,
                           " issued ", absl::FormatTime(r->crl->this_update));
  }
}

}  // namespace

ChainResult VerifyEkChain(const EkCertificate& leaf, const TrustStore& store, absl::Time now,
                          const ChainOptions& options) {
  ChainResult result;
  ChainSearch search(store, std::max<size_t>(options.max_depth, 2));
  if (!search.Extend(leaf, 0)) {
    result.reason = veu::v1::EK_CERT_UNTRUSTED;
    result.detail =
        absl::StrCat("EK certificate '", leaf.DisplayName(), "' is untrusted: ", search.failure());
    return result;
  }
  const auto& entries = store.entries();
  result.chain.push_back({leaf.DisplayName(), "", {}});
  std::vector<std::string> expiry;
  if (auto p =
          ValidityProblem(leaf, absl::StrCat("EK certificate '", leaf.DisplayName(), "'"), now)) {
    expiry.push_back(*p);
  }
  const Certificate* child = &leaf;
  std::string child_name = absl::StrCat("EK certificate '", leaf.DisplayName(), "'");
  std::string revoked;  // the first revocation found, leaf first
  for (size_t i : search.path()) {
    const TrustStore::Entry& e = entries[i];
    if (options.crls != nullptr) {
      RevocationCheck(*child, child_name, e, *options.crls, now, result.chain.back().crls,
                      result.warnings, revoked);
    }
    result.chain.push_back({e.cert.DisplayName(), e.source, {}});
    LinkWarnings(*child, e.cert, Named(e), result.warnings, result.caveats);
    for (const std::string& n : e.cert.notes()) {
      result.warnings.push_back(absl::StrCat(Named(e), ": ", n));
    }
    CriticalExtensionWarnings(e.cert, Named(e), result.warnings);
    if (auto p = ValidityProblem(e.cert, Named(e), now)) expiry.push_back(*p);
    child = &e.cert;
    child_name = Named(e);
  }
  LeafWarnings(leaf, result.warnings);
  if (!revoked.empty()) {
    result.reason = veu::v1::EK_CERT_REVOKED;
    result.detail = std::move(revoked);
    return result;
  }
  if (!expiry.empty() && options.expiry == ExpiryPolicy::kReject) {
    result.reason = veu::v1::EK_CERT_EXPIRED;
    result.detail = absl::StrCat("the signature chain holds but ", absl::StrJoin(expiry, "; "));
    return result;
  }
  for (const std::string& p : expiry) {
    result.warnings.push_back(absl::StrCat(p, " (accepted: expiry policy is warn)"));
    result.caveats.push_back({veu::v1::EK_CERT_EXPIRED, p});
  }
  result.accepted = true;
  result.detail = absl::StrCat("chain of ", result.chain.size(), " certificates to root ",
                               Named(entries[search.path().back()]));
  return result;
}

ChainResult VerifyStoredEkCertificate(std::string_view stored_bytes, const TrustStore& store,
                                      absl::Time now, const ChainOptions& options) {
  absl::StatusOr<EkCertificate> leaf = ParseEkCertificate(stored_bytes);
  if (!leaf.ok()) {
    ChainResult result;
    result.reason = veu::v1::EK_CERT_MALFORMED;
    std::string message(leaf.status().message());
    constexpr std::string_view kPrefix = "EK_CERT_MALFORMED: ";
    if (message.rfind(kPrefix, 0) == 0) message.erase(0, kPrefix.size());
    result.detail = std::move(message);
    return result;
  }
  return VerifyEkChain(*leaf, store, now, options);
}

}  // namespace veu::x509
