#include "common/install_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#ifndef VEU_INSTALL_DATADIR
#error "VEU_INSTALL_DATADIR must be defined by the build (common/CMakeLists.txt)"
#endif

namespace veu {
namespace {

// "/a/b/c" -> "/a/b"; "c" -> "".
std::string DirName(absl::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return "";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

bool IsInside(absl::string_view path, absl::string_view dir) {
  if (dir.empty()) return false;
  if (!absl::StartsWith(path, dir)) return false;
  return path.size() == dir.size() || path[dir.size()] == '/' || dir.back() == '/';
}

std::string ExecutablePath() {
  char buffer[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n <= 0) return "";
  return std::string(buffer, static_cast<size_t>(n));
}

bool IsReadableFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), R_OK) == 0;
}

}  // namespace

const InstallLayout& CompiledInstallLayout() {
  static const InstallLayout* const layout = new InstallLayout{
      VEU_INSTALL_DATADIR "/veu-attest", VEU_INSTALL_SYSCONFDIR "/veu-attest",
      VEU_INSTALL_LOCALSTATEDIR "/lib", VEU_BUILD_DIR,
      VEU_SOURCE_DEPLOY_DIR};
  return *layout;
}

std::vector<std::string> ShippedFileCandidates(absl::string_view relative,
                                               absl::string_view executable_path,
                                               const InstallLayout& layout) {
  std::vector<std::string> candidates;
  if (!executable_path.empty()) {
    const std::string bin_dir = DirName(executable_path);
    if (!bin_dir.empty()) {
      candidates.push_back(absl::StrCat(DirName(bin_dir), "/share/veu-attest/", relative));
    }
  }
  candidates.push_back(absl::StrCat(layout.data_dir, "/", relative));
  if (!executable_path.empty() && IsInside(executable_path, layout.build_dir) &&
      !layout.source_deploy_dir.empty()) {
    candidates.push_back(absl::StrCat(layout.source_deploy_dir, "/", relative));
  }
  // A relocated install at the configured prefix names the same file twice; try it once.
  std::vector<std::string> unique;
  for (std::string& c : candidates) {
    bool seen = false;
    for (const std::string& u : unique) seen = seen || u == c;
    if (!seen) unique.push_back(std::move(c));
  }
  return unique;
}

absl::StatusOr<std::string> FindShippedFile(absl::string_view relative) {
  const std::vector<std::string> candidates =
      ShippedFileCandidates(relative, ExecutablePath(), CompiledInstallLayout());
  for (const std::string& path : candidates) {
    if (IsReadableFile(path)) return path;
  }
  return absl::NotFoundError(absl::StrCat("shipped file ", relative, " not found; tried ",
                                          absl::StrJoin(candidates, ", "),
                                          " (install VEU Attest, or name the file explicitly)"));
}

}  // namespace veu
