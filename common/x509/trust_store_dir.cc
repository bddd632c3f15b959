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

bool HasCertExtension(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".cer" || ext == ".crt" || ext == ".pem" || ext == ".der";
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
    if (it->is_regular_file(ec) && HasCertExtension(it->path())) paths.push_back(it->path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<TrustStore::SourceFile> files;
  std::vector<std::string> unreadable;
  for (const fs::path& p : paths) {
    const std::uintmax_t size = fs::file_size(p, ec);
    if (ec || size > kMaxCertFileBytes) {
      unreadable.push_back(absl::StrCat(p.string(), ": ", ec ? ec.message() : "larger than 1 MiB"));
      continue;
    }
    std::ifstream in(p, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    if (!in) {
      unreadable.push_back(absl::StrCat(p.string(), ": cannot read"));
      continue;
    }
    files.push_back({p.string(), buf.str()});
  }
  absl::StatusOr<TrustStore> store = TrustStore::FromFiles(files, std::move(unreadable));
  if (!store.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("EK roots directory '", dir, "': ", store.status().message()));
  }
  return store;
}

}  // namespace veu::x509
