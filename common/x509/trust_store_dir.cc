#include "common/x509/trust_store_dir.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"

namespace veu::x509 {
namespace {

constexpr std::uintmax_t kMaxCertFileBytes = 1 << 20;  // a bundle of hundreds of certificates
constexpr std::uintmax_t kMaxCrlFileBytes = 16 << 20;  // ~400,000 revoked serials

std::string LowerExtension(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

bool HasCertExtension(const std::filesystem::path& p) {
  const std::string ext = LowerExtension(p);
  return ext == ".cer" || ext == ".crt" || ext == ".pem" || ext == ".der";
}

bool HasCrlExtension(const std::filesystem::path& p) {
  const std::string ext = LowerExtension(p);
  return ext == ".crl" || ext == ".pem" || ext == ".der";
}

// Reads `p` whole if it is at most `max_bytes`; otherwise appends why not to `unreadable`.
bool ReadSmallFile(const std::filesystem::path& p, std::uintmax_t max_bytes,
                   std::vector<TrustStore::SourceFile>& files,
                   std::vector<std::string>& unreadable) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(p, ec);
  if (ec || size > max_bytes) {
    unreadable.push_back(absl::StrCat(
        p.string(), ": ", ec ? ec.message() : absl::StrCat("larger than ", max_bytes >> 20, " MiB")));
    return false;
  }
  std::ifstream in(p, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  if (!in) {
    unreadable.push_back(absl::StrCat(p.string(), ": cannot read"));
    return false;
  }
  files.push_back({p.string(), buf.str()});
  return true;
}

}  // namespace

absl::StatusOr<TrustStore> LoadTrustStoreDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat(
        "EK roots directory '", dir, "' does not exist or is not a directory (ek_roots_dir)"));
  }
  std::vector<fs::path> paths;
  fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec);
  if (ec) {
    return absl::NotFoundError(
        absl::StrCat("cannot read EK roots directory '", dir, "': ", ec.message()));
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it.depth() == 0 && it->path().filename() == kCrlSubdir && it->is_directory(ec)) {
      it.disable_recursion_pending();  // CRLs, read by LoadEkCrls
      continue;
    }
    if (it->is_regular_file(ec) && HasCertExtension(it->path())) paths.push_back(it->path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<TrustStore::SourceFile> files;
  std::vector<std::string> unreadable;
  for (const fs::path& p : paths) ReadSmallFile(p, kMaxCertFileBytes, files, unreadable);
  absl::StatusOr<TrustStore> store = TrustStore::FromFiles(files, std::move(unreadable));
  if (!store.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("EK roots directory '", dir, "': ", store.status().message()));
  }
  return store;
}

absl::StatusOr<CrlSet> LoadEkCrls(const std::string& roots_dir, const TrustStore& store,
                                  const std::vector<std::string>& extra_files) {
  namespace fs = std::filesystem;
  std::vector<fs::path> paths;
  std::vector<std::string> unreadable;
  const fs::path dir = fs::path(roots_dir) / kCrlSubdir;
  std::error_code ec;
  if (!roots_dir.empty() && fs::is_directory(dir, ec)) {
    fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && HasCrlExtension(it->path())) paths.push_back(it->path());
    }
    if (ec) unreadable.push_back(absl::StrCat(dir.string(), ": ", ec.message()));
  }
  std::sort(paths.begin(), paths.end());
  std::vector<TrustStore::SourceFile> files;
  for (const fs::path& p : paths) ReadSmallFile(p, kMaxCrlFileBytes, files, unreadable);
  for (const std::string& f : extra_files) {
    std::vector<std::string> why;
    if (!ReadSmallFile(f, kMaxCrlFileBytes, files, why)) {
      return absl::NotFoundError(absl::StrCat("cannot use CRL file ", why.front()));
    }
  }
  return CrlSet::FromFiles(files, store, std::move(unreadable));
}

}  // namespace veu::x509
