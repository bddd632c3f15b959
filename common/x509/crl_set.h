// Certificate revocation lists for EK certificates, as TPM vendors publish them for their EK
// CAs. Pure: built from bytes and the TrustStore whose CAs may sign them; LoadEkCrls
// (trust_store_dir.h) reads files. VerifyEkChain consults a CrlSet given in ChainOptions.
//
// A CRL counts only if its signature verifies with the key of a CA certificate of the trust
// store whose subject is the CRL's issuer name; it then revokes only certificates whose chain
// link was verified by that same key. Everything else is skipped with a reason, never trusted:
// files that do not parse, CRLs no trusted CA signed, delta CRLs (deltaCRLIndicator: they list
// only changes since a base CRL; place the complete CRL), indirect CRLs (entries may name other
// issuers) and CRLs or entries with a critical extension not listed in crl_set.cc.
// A CRL past its nextUpdate is still used (a revocation is permanent); VerifyEkChain warns.
#ifndef VEU_COMMON_X509_CRL_SET_H_
#define VEU_COMMON_X509_CRL_SET_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/x509/certificate.h"
#include "common/x509/trust_store.h"

namespace veu::x509 {

// Immutable once built; safe to share between threads.
class CrlSet {
 public:
  struct RevokedEntry {
    absl::Time date;     // revocationDate
    std::string reason;  // CRLReason name ("keyCompromise"), "" when the entry has none
  };
  struct Crl {
    std::string source;      // file name (and PEM block) it came from, for operators
    std::string issuer;      // RFC 2253
    std::string issuer_der;  // the CRL's issuer Name as encoded
    absl::Time this_update;
    std::optional<absl::Time> next_update;  // absent: the CRL names no next issue
    // SHA-256 of the keys (Certificate::spki_sha256) of the store's CAs that verified it.
    std::vector<std::string> signer_keys;
    std::string signer;  // the first such CA, "'subject' (source)", for operators
    std::map<std::string, RevokedEntry> revoked;  // by serial (Certificate::serial_hex form)
  };
  struct Revocation {
    std::string serial_hex;
    RevokedEntry entry;
    const Crl* crl = nullptr;  // points into the set it was found in
  };

  CrlSet() = default;  // no CRLs: nothing is revoked

  // Parses each file (DER, or PEM with one or more "X509 CRL" blocks) and keeps the CRLs that a
  // CA of `issuers` signed. Unusable files and CRLs are listed in skipped() with the reason;
  // `already_skipped` (e.g. unreadable files) start that list. Never fails: no CRL is valid.
  static CrlSet FromFiles(const std::vector<TrustStore::SourceFile>& files,
                          const TrustStore& issuers,
                          std::vector<std::string> already_skipped = {});

  // The revocation of `cert` in a CRL signed by `issuer`'s key under `issuer`'s subject name
  // (the earliest revocation date if several CRLs list it), or nullopt. `issuer` must be the CA
  // whose signature on `cert` verified.
  std::optional<Revocation> FindRevocation(const Certificate& cert,
                                           const Certificate& issuer) const;
  // The CRLs FindRevocation consults for certificates that `issuer` signed.
  std::vector<const Crl*> IssuedBy(const Certificate& issuer) const;

  const std::vector<Crl>& crls() const { return crls_; }
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  std::vector<Crl> crls_;
  std::vector<std::string> skipped_;
};

}  // namespace veu::x509

#endif  // VEU_COMMON_X509_CRL_SET_H_
