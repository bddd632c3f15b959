#include "common/x509/trust_store.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace veu::x509 {
namespace {

void AddUnique(std::vector<TrustStore::Entry>& entries, std::set<std::string>& seen,
               Certificate cert, std::string source) {
  if (!seen.insert(cert.der()).second) return;
  TrustStore::Entry e{std::move(cert), std::move(source), false};
  e.self_signed = e.cert.names_self() && e.cert.public_key() != nullptr &&
                  VerifySignedBy(e.cert, e.cert.public_key()).ok();
  entries.push_back(std::move(e));
}

}  // namespace

absl::StatusOr<TrustStore> TrustStore::FromFiles(const std::vector<SourceFile>& files,
                                                 std::vector<std::string> already_skipped) {
  TrustStore store;
  store.skipped_ = std::move(already_skipped);
  std::set<std::string> seen;
  for (const SourceFile& f : files) {
    absl::StatusOr<std::vector<Certificate>> certs = ParseCertificateFile(f.bytes);
    if (!certs.ok()) {
      store.skipped_.push_back(absl::StrCat(f.name, ": ", certs.status().message()));
      continue;
    }
    for (size_t i = 0; i < certs->size(); ++i) {
      std::string source = certs->size() == 1 ? f.name : absl::StrCat(f.name, " #", i + 1);
      AddUnique(store.entries_, seen, (*certs)[i], std::move(source));
    }
  }
  if (store.entries_.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no usable CA certificate among ", files.size(),
        " file(s); put the TPM manufacturers' EK root and intermediate certificates (DER or PEM) "
        "there",
        store.skipped_.empty() ? "" : absl::StrCat("; skipped: ", store.skipped_[0])));
  }
  return store;
}

absl::StatusOr<TrustStore> TrustStore::FromCertificates(
    std::vector<std::pair<Certificate, std::string>> certs) {
  TrustStore store;
  std::set<std::string> seen;
  for (auto& [cert, source] : certs) AddUnique(store.entries_, seen, cert, source);
  if (store.entries_.empty()) {
    return absl::FailedPreconditionError("the trust store has no CA certificate");
  }
  return store;
}

size_t TrustStore::anchor_count() const {
  size_t n = 0;
  for (const Entry& e : entries_) n += e.self_signed ? 1 : 0;
  return n;
}

}  // namespace veu::x509
