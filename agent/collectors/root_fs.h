// RootFs: read-only access to a system's files (/sys, /proc, /etc) under a root directory, so
// every collector runs unchanged on the live system ("/") and on a test tree in a temp dir.
#ifndef VEU_AGENT_COLLECTORS_ROOT_FS_H_
#define VEU_AGENT_COLLECTORS_ROOT_FS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace veu::collectors {

// Default bound for one file read; parsers bound their inputs further.
inline constexpr size_t kDefaultMaxFileBytes = 1 << 20;
// Bound on the entries one directory listing returns.
inline constexpr size_t kMaxDirEntries = 65536;

// Paths given to RootFs are absolute system paths ("/etc/passwd"); they are resolved under
// the root. Paths with ".." components are refused (InvalidArgument) so configured paths
// cannot climb out of the root. Stateless after construction: safe to share between threads.
class RootFs {
 public:
  // `root` is a directory; "/" for the live system.
  explicit RootFs(std::string root);

  // Whole contents of a regular file. NotFound if absent, PermissionDenied if unreadable,
  // ResourceExhausted if larger than `max_bytes` (message names the file and the bound).
  absl::StatusOr<std::string> ReadFile(std::string_view path,
                                       size_t max_bytes = kDefaultMaxFileBytes) const;

  // Entry names of a directory (no "." or ".."), sorted. NotFound if absent.
  absl::StatusOr<std::vector<std::string>> ListDir(std::string_view path) const;

  // Target of a symbolic link, as stored. NotFound if absent, InvalidArgument if not a link.
  absl::StatusOr<std::string> ReadLink(std::string_view path) const;

  // True if the path exists (a dangling symlink counts: sysfs links are facts themselves).
  bool Exists(std::string_view path) const;
  bool IsDirectory(std::string_view path) const;

  // The host path for a system path (root + path), for messages.
  std::string HostPath(std::string_view path) const;

  const std::string& root() const { return root_; }

 private:
  absl::StatusOr<std::string> Resolve(std::string_view path) const;
  std::string root_;
};

// Joins a directory and a name with exactly one "/".
std::string JoinPath(std::string_view dir, std::string_view name);

// Directory part of an absolute path ("/etc/ssh/sshd_config" -> "/etc/ssh").
std::string DirName(std::string_view path);

}  // namespace veu::collectors

#endif  // VEU_AGENT_COLLECTORS_ROOT_FS_H_
