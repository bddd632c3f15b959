// The one I/O function of veu_x509: reads a directory of manufacturer CA certificates.
#ifndef VEU_COMMON_X509_TRUST_STORE_DIR_H_
#define VEU_COMMON_X509_TRUST_STORE_DIR_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/x509/trust_store.h"

namespace veu::x509 {

// Reads every *.cer, *.crt, *.pem, *.der file (any case) under `dir`, recursively, following
// symlinks, in sorted path order, and builds a TrustStore (see TrustStore::FromFiles; unparsable
// files are listed in skipped()). Other files (README, version.txt) are ignored.
// Fails with NotFound if `dir` is not a readable directory, FailedPrecondition if it holds no
// usable certificate. Not for hot paths: load once at start and share the result.
absl::StatusOr<TrustStore> LoadTrustStoreDir(const std::string& dir);

}  // namespace veu::x509

#endif  // VEU_COMMON_X509_TRUST_STORE_DIR_H_
