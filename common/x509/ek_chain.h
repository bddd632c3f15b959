// EK certificate chain validation: leaf -> intermediates -> a self-signed root in the
// operator's TrustStore, linked by SIGNATURES. Names, Authority Key Identifiers and
// extensions only order the search and produce warnings, because real TPM vendor CAs get
// them wrong while their signatures hold (see deploy/ek-roots/README.md for the policy).
#ifndef VEU_COMMON_X509_EK_CHAIN_H_
#define VEU_COMMON_X509_EK_CHAIN_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "common/x509/crl_set.h"
#include "common/x509/ek_certificate.h"
#include "common/x509/trust_store.h"
#include "veu/v1/reason.pb.h"

namespace veu::x509 {

// What to do when a certificate of an otherwise valid chain is outside its validity period.
// EK certificates describe how a key was made at manufacture, and TPMs outlive them (many
// STMicro EK certificates from 2014 expired in 2024), so the default is to warn.
enum class ExpiryPolicy { kWarn, kReject };

struct ChainOptions {
  ExpiryPolicy expiry = ExpiryPolicy::kWarn;
  size_t max_depth = 6;  // certificates in a chain, leaf and root included
  // Revocation lists to check each certificate below the root against; null: none are
  // checked. Must outlive the call.
  const CrlSet* crls = nullptr;
};

struct ChainLink {
  std::string subject;  // Certificate::DisplayName()
  std::string source;   // trust store file; "" for the leaf
  // The CRLs (CrlSet::Crl::source) this certificate was checked against: those its issuer in
  // the chain signed. Empty for the root and where that issuer has no CRL in the set.
  std::vector<std::string> crls;
};

// A deviation the chain was accepted with that a verdict must carry as a warning (not only a
// note for review): an expired or not-yet-valid certificate (EK_CERT_EXPIRED, under
// ExpiryPolicy::kWarn) or an Authority Key Identifier naming another key or issuer serial than
// the CA whose signature verified (EK_CERT_LINK_MISMATCH).
struct ChainCaveat {
  veu::v1::ReasonCode reason = veu::v1::REASON_UNSPECIFIED;
  std::string detail;
};

struct ChainResult {
  bool accepted = false;
  veu::v1::ReasonCode reason = veu::v1::REASON_UNSPECIFIED;  // set when !accepted
  std::string detail;                 // why rejected (certificate and failing step), or a summary
  std::vector<ChainLink> chain;       // leaf -> root when a signature chain was found
  std::vector<std::string> warnings;  // accepted deviations, for operators to review
  std::vector<ChainCaveat> caveats;   // those of them that make a verdict WARN (also in warnings)
};

// Finds a chain from `leaf` to a self-signed certificate of `store` in which every signature
// verifies with the next certificate's key. Rejections: EK_CERT_UNTRUSTED (no such chain:
// bad signature, unknown issuer, issuer not a CA, path ends at an intermediate),
// EK_CERT_REVOKED (a certificate below the root is listed in a CRL of options.crls signed by
// the CA whose signature on it verified; the detail names the certificate, serial, date and
// CRL), EK_CERT_EXPIRED (only with ExpiryPolicy::kReject; `now` is the time to judge validity
// by). A CRL consulted that is past its nextUpdate at `now` is still applied and warned about.
// Pure and thread-safe.
ChainResult VerifyEkChain(const EkCertificate& leaf, const TrustStore& store, absl::Time now,
                          const ChainOptions& options = {});

// ParseEkCertificate then VerifyEkChain; a parse failure is EK_CERT_MALFORMED with the detail.
ChainResult VerifyStoredEkCertificate(std::string_view stored_bytes, const TrustStore& store,
                                      absl::Time now, const ChainOptions& options = {});

}  // namespace veu::x509

#endif  // VEU_COMMON_X509_EK_CHAIN_H_
