// The facts the agent reports beside each quote, and its offline subcommands.
#ifndef VEU_AGENT_FACTS_COMMAND_H_
#define VEU_AGENT_FACTS_COMMAND_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/facts/catalogue.h"
#include "veu/v1/facts.pb.h"

namespace veu::agent {

// Where the agent looks for its policy pack when none is configured.
inline constexpr char kDefaultPolicyPack[] = "/usr/share/veu-attest/policies/veu-2025.textproto";

// Collects host identity and host evidence (accelerator inventory, access controls) under a
// root directory. Collection problems are recorded inside the facts, never dropped silently.
// Not thread-safe.
class FactsCollector {
 public:
  // Loads the accelerator catalogue from `policy_pack` ("" = kDefaultPolicyPack).
  static absl::StatusOr<std::unique_ptr<FactsCollector>> Create(
      std::string root, const std::string& policy_pack, std::vector<std::string> data_paths);

  veu::v1::Facts Collect() const;

 private:
  FactsCollector(std::string root, facts::Catalogue catalogue, std::vector<std::string> paths)
      : root_(std::move(root)), catalogue_(std::move(catalogue)), data_paths_(std::move(paths)) {}
  std::string root_;
  facts::Catalogue catalogue_;
  std::vector<std::string> data_paths_;
};

// `veu-agent facts [--root DIR] [--policy-pack FILE] [--json]`: prints what the agent would
// report, with no TPM and no verifier. Exit 0, or 2 on bad usage / unreadable input.
int RunFactsCommand(const std::vector<std::string>& args);

// `veu-agent extend-eventlog --tcti TCTI FILE`: extends each of the log's digests into the
// matching PCR of a software TPM, so its PCRs and the log agree (demo and tests).
int RunExtendEventLogCommand(const std::vector<std::string>& args);

}  // namespace veu::agent

#endif  // VEU_AGENT_FACTS_COMMAND_H_
