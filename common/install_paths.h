// Where the files VEU Attest ships (policy packs, EK roots, examples) are found at run time.
//
// One install prefix drives everything: CMake's GNUInstallDirs choose the directories, the
// systemd units and example configs are generated from them (deploy/CMakeLists.txt), and the
// same directories are compiled in here. A binary looks for a shipped file
//   1. beside itself, in <dir of the executable>/../share/veu-attest/ (a relocated install,
//      e.g. an unpacked tarball under /opt/veu-attest);
//   2. in the configured data directory, ${CMAKE_INSTALL_FULL_DATADIR}/veu-attest/;
//   3. only when the executable lies inside the build tree it was built in: the source tree's
//      deploy/ folder, so `build/agent/veu-agent facts` works without --policy-pack.
// An installed binary never reads the source tree, even if one is still on the disk.
#ifndef VEU_COMMON_INSTALL_PATHS_H_
#define VEU_COMMON_INSTALL_PATHS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace veu {

// The directories fixed when this binary was configured (absolute paths).
struct InstallLayout {
  std::string data_dir;           // e.g. /usr/share/veu-attest
  std::string sysconf_dir;        // e.g. /etc/veu-attest
  std::string state_dir;          // e.g. /var/lib: the agent's and verifier's state lie below
  std::string build_dir;          // the CMake binary dir this was built in
  std::string source_deploy_dir;  // <source>/deploy, used only from inside build_dir
};
const InstallLayout& CompiledInstallLayout();

// The shipped policy pack's path relative to the data directory.
inline constexpr char kShippedPolicyPack[] = "policies/veu-2025.textproto";

// Pure: the paths tried for `relative` (e.g. kShippedPolicyPack), in order, for an executable
// at `executable_path` ("" when unknown: step 1 and 3 are skipped).
std::vector<std::string> ShippedFileCandidates(absl::string_view relative,
                                               absl::string_view executable_path,
                                               const InstallLayout& layout);

// The first candidate that is a readable regular file; NotFound listing every path tried.
absl::StatusOr<std::string> FindShippedFile(absl::string_view relative);

}  // namespace veu

#endif  // VEU_COMMON_INSTALL_PATHS_H_
