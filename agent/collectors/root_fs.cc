#include "agent/collectors/root_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"
#include "agent/collectors/text_lines.h"

namespace veu::collectors {
namespace {

absl::Status ErrnoStatus(int err, std::string_view what, std::string_view path) {
  const std::string msg = absl::StrFormat("%s %s: %s", what, path, std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(msg);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(msg + " (run the agent with read access to it)");
    default:
      return absl::UnavailableError(msg);
  }
}

}  // namespace

RootFs::RootFs(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  while (!out.empty() && out.back() == '/') out.pop_back();
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  out += '/';
  out += name;
  return out;
}

std::string DirName(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

absl::StatusOr<std::string> RootFs::Resolve(std::string_view path) const {
  if (path.empty() || path.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrFormat("path \"%s\" must be absolute (it is read under the root)", path));
  }
  for (std::string_view part : Split(path, '/')) {
    if (part == "..") {
      return absl::InvalidArgumentError(
          absl::StrFormat("path \"%s\" contains \"..\"; refused so it stays under the root", path));
    }
  }
  if (root_ == "/" || root_.empty()) return std::string(path);
  return root_ + std::string(path);
}

std::string RootFs::HostPath(std::string_view path) const {
  auto p = Resolve(path);
  return p.ok() ? *p : std::string(path);
}

absl::StatusOr<std::string> RootFs::ReadFile(std::string_view path, size_t max_bytes) const {
  auto host = Resolve(path);
  if (!host.ok()) return host.status();
  const int fd = ::open(host->c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return ErrnoStatus(errno, "cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrFormat("%s is not a regular file", path));
  }
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return ErrnoStatus(err, "cannot read", path);
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      ::close(fd);
      return absl::ResourceExhaustedError(absl::StrFormat(
          "%s is larger than %d bytes, the most this collector reads", path, max_bytes));
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

absl::StatusOr<std::vector<std::string>> RootFs::ListDir(std::string_view path) const {
  auto host = Resolve(path);
  if (!host.ok()) return host.status();
  DIR* dir = ::opendir(host->c_str());
  if (dir == nullptr) return ErrnoStatus(errno, "cannot list", path);
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(dir)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    if (names.size() >= kMaxDirEntries) {
      ::closedir(dir);
      return absl::ResourceExhaustedError(
          absl::StrFormat("%s has more than %d entries", path, kMaxDirEntries));
    }
    names.emplace_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<std::string> RootFs::ReadLink(std::string_view path) const {
  auto host = Resolve(path);
  if (!host.ok()) return host.status();
  char buf[4096];
  const ssize_t n = ::readlink(host->c_str(), buf, sizeof buf);
  if (n < 0) {
    if (errno == EINVAL) {
      return absl::InvalidArgumentError(absl::StrFormat("%s is not a symbolic link", path));
    }
    return ErrnoStatus(errno, "cannot read link", path);
  }
  if (static_cast<size_t>(n) >= sizeof buf) {
    return absl::ResourceExhaustedError(absl::StrFormat("link %s is too long", path));
  }
  return std::string(buf, static_cast<size_t>(n));
}

bool RootFs::Exists(std::string_view path) const {
  auto host = Resolve(path);
  struct stat st {};
  return host.ok() && ::lstat(host->c_str(), &st) == 0;
}

bool RootFs::IsDirectory(std::string_view path) const {
  auto host = Resolve(path);
  struct stat st {};
  return host.ok() && ::stat(host->c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace veu::collectors
