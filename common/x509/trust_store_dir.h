// The I/O of veu_x509: reads a directory of manufacturer CA certificates and the CRLs beside
// them.
#ifndef VEU_COMMON_X509_TRUST_STORE_DIR_H_
#define VEU_COMMON_X509_TRUST_STORE_DIR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/x509/crl_set.h"
#include "common/x509/trust_store.h"

namespace veu::x509 {

// Reads every *.cer, *.crt, *.pem, *.der file (any case) under `dir`, recursively, following
// symlinks, in sorted path order, and builds a TrustStore (see TrustStore::FromFiles; unparsable
// files are listed in skipped()). Other files (README, version.txt) and the CRL folder
// `dir`/crls/ (see LoadEkCrls) are ignored.
// Fails with NotFound if `dir` is not a readable directory, FailedPrecondition if it holds no
// usable certificate. Not for hot paths: load once at start and share the result.
absl::StatusOr<TrustStore> LoadTrustStoreDir(const std::string& dir);

// The folder under an EK roots directory that holds the vendors' CRLs.
inline constexpr char kCrlSubdir[] = "crls";

// Reads every *.crl, *.pem, *.der file (any case) under `roots_dir`/crls/ (recursively, sorted;
// a missing folder means no CRLs), then each of `extra_files`, and builds a CrlSet whose CRLs
// `store` vouches for (see CrlSet::FromFiles; unusable and unreadable files are listed in its
// skipped()). Fails with NotFound only if one of `extra_files` (named explicitly, e.g. by
// `veuctl ek verify --crl`) cannot be read. Load once at start and share the result.
absl::StatusOr<CrlSet> LoadEkCrls(const std::string& roots_dir, const TrustStore& store,
                                  const std::vector<std::string>& extra_files = {});

}  // namespace veu::x509

#endif  // VEU_COMMON_X509_TRUST_STORE_DIR_H_
