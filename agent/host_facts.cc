#include "agent/host_facts.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/deterministic_bytes.h"
#include "common/rpc/tls.h"

namespace veu::agent {
namespace {

std::string ReadSmallFile(const std::string& root, const std::string& path) {
  absl::StatusOr<std::string> s = ReadFileToString(UnderRoot(root, path), 64 << 10);
  if (!s.ok()) return "";
  return std::string(absl::StripAsciiWhitespace(*s));
}

std::string PrettyName(const std::string& os_release) {
  for (absl::string_view line : absl::StrSplit(os_release, '\n')) {
    if (absl::ConsumePrefix(&line, "PRETTY_NAME=")) {
      line = absl::StripAsciiWhitespace(line);
      if (line.size() >= 2 && (line.front() == '"' || line.front() == '\'') &&
          line.back() == line.front()) {
        line = line.substr(1, line.size() - 2);
      }
      return std::string(line);
    }
  }
  return "";
}

}  // namespace

std::string UnderRoot(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  return path.empty() || path[0] != '/' ? r + "/" + path : r + path;
}

veu::v1::HostIdentity ReadHostIdentity(const std::string& root) {
  veu::v1::HostIdentity id;
  std::string hostname = ReadSmallFile(root, "/proc/sys/kernel/hostname");
  if (hostname.empty()) hostname = ReadSmallFile(root, "/etc/hostname");
  id.set_hostname(hostname);
  id.set_machine_id(ReadSmallFile(root, "/etc/machine-id"));
  id.set_boot_id(ReadSmallFile(root, "/proc/sys/kernel/random/boot_id"));
  id.set_os_release(PrettyName(ReadSmallFile(root, "/etc/os-release")));
  id.set_kernel_release(ReadSmallFile(root, "/proc/sys/kernel/osrelease"));
  return id;
}

absl::StatusOr<std::string> ReadEventLog(const std::string& root, const std::string& path,
                                         size_t max_bytes) {
  return ReadFileToString(UnderRoot(root, path), max_bytes);
}


std::string CanonicalFacts(const veu::v1::Facts& facts) { return DeterministicBytes(facts); }

}  // namespace veu::agent
