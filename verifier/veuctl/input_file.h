// Reading a command's input file whole and bounded, for veuctl's offline commands: the
// project's reader (common/rpc/tls.h, ReadFileToString) as a yes/no, the caller printing what
// it was reading and why it gives up.
#ifndef VEU_VERIFIER_VEUCTL_INPUT_FILE_H_
#define VEU_VERIFIER_VEUCTL_INPUT_FILE_H_

#include <cstddef>
#include <string>
#include <utility>

#include "common/rpc/tls.h"

namespace veu::veuctl {

// False if `path` is missing, unreadable or larger than `limit` bytes.
inline bool ReadBounded(const std::string& path, size_t limit, std::string* out) {
  absl::StatusOr<std::string> bytes = ReadFileToString(path, limit);
  if (!bytes.ok()) return false;
  *out = *std::move(bytes);
  return true;
}

}  // namespace veu::veuctl

#endif  // VEU_VERIFIER_VEUCTL_INPUT_FILE_H_
