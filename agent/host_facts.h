// Facts about the host the agent reports beside each quote, read from files under a root
// directory (so a fixture tree can stand in for / in tests).
#ifndef VEU_AGENT_HOST_FACTS_H_
#define VEU_AGENT_HOST_FACTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "veu/v1/facts.pb.h"

namespace veu::agent {

// Host identity: hostname, machine-id, boot_id, os-release PRETTY_NAME, kernel release.
// Files that are absent leave their field empty; they are informational, and the verifier
// treats them as claims bound by the quote, not as proof.
veu::v1::HostIdentity ReadHostIdentity(const std::string& root);

// Reads the measured-boot event log at `root`/`path`. NotFound if absent (a machine without
// a TPM event log), InvalidArgument if larger than `max_bytes`.
absl::StatusOr<std::string> ReadEventLog(const std::string& root, const std::string& path,
                                         size_t max_bytes = 4 << 20);

// The bytes that are hashed into qualifyingData: a deterministic serialisation of `facts`.
std::string CanonicalFacts(const veu::v1::Facts& facts);

// Joins `root` and an absolute `path` ("/" root means the path itself).
std::string UnderRoot(const std::string& root, const std::string& path);

}  // namespace veu::agent

#endif  // VEU_AGENT_HOST_FACTS_H_
