// The manufacturer CA certificates an operator trusts for EK certificates: roots
// (self-signed; the trust anchors) and intermediates (used to build paths, trusted only
// through a root). Pure: built from bytes; LoadTrustStoreDir (trust_store_dir.h) reads files.
#ifndef VEU_COMMON_X509_TRUST_STORE_H_
#define VEU_COMMON_X509_TRUST_STORE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/x509/certificate.h"

namespace veu::x509 {

// Immutable once built; safe to share between threads.
class TrustStore {
 public:
  struct Entry {
    Certificate cert;
    std::string source;        // file name (and PEM block) it came from, for operators
    bool self_signed = false;  // names itself as issuer and its own key verifies it: an anchor
  };
  struct SourceFile {
    std::string name;   // shown in results, e.g. the path
    std::string bytes;  // DER, or PEM with one or more CERTIFICATE blocks
  };

  // Parses every file; files that do not parse are skipped and listed in skipped() with the
  // reason (one vendor's broken file must not disable every other vendor). Duplicates (same
  // DER) are kept once. `already_skipped` (e.g. unreadable files) start skipped().
  // Fails with FailedPrecondition if no certificate is usable at all.
  static absl::StatusOr<TrustStore> FromFiles(const std::vector<SourceFile>& files,
                                              std::vector<std::string> already_skipped = {});

  // From certificates already parsed, each with its source name. Fails like FromFiles.
  static absl::StatusOr<TrustStore> FromCertificates(
      std::vector<std::pair<Certificate, std::string>> certs);

  const std::vector<Entry>& entries() const { return entries_; }
  const std::vector<std::string>& skipped() const { return skipped_; }
  size_t anchor_count() const;

 private:
  std::vector<Entry> entries_;
  std::vector<std::string> skipped_;
};

}  // namespace veu::x509

#endif  // VEU_COMMON_X509_TRUST_STORE_H_
