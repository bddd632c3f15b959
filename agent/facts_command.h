// The facts the agent reports beside each quote, and its offline subcommands.
#ifndef VEU_AGENT_FACTS_COMMAND_H_
#define VEU_AGENT_FACTS_COMMAND_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/collectors/gpu_inventory_source.h"
#include "agent/collectors/nvml_source.h"
#include "common/facts/catalogue.h"
#include "veu/v1/facts.pb.h"

namespace veu::agent {

struct FactsCollectorOptions {
  std::string root = "/";               // read /sys, /proc, /etc under this directory
  std::string policy_pack;              // accelerator catalogue; "" = the shipped pack, found
                                        // by FindShippedFile (common/install_paths.h)
  std::vector<std::string> data_paths;  // storage encryption is reported for these
  // NVML library (soname or path) for GPU serials/UUIDs, loaded at each collection;
  // collectors::kNvmlLibraryNone ("none") = not consulted; "" = the default soname.
  std::string nvml_library = collectors::kDefaultNvmlLibrary;
};

// Collects host identity and host evidence (accelerator inventory with NVML identity where the
// library loads, access controls) under a root directory. Collection problems, including an
// NVML library that is absent or fails, are recorded inside the facts, never dropped silently.
// Not thread-safe.
class FactsCollector {
 public:
  // Loads the accelerator catalogue from options.policy_pack. Fails only if that cannot be read;
  // the NVML library is not touched until Collect().
  static absl::StatusOr<std::unique_ptr<FactsCollector>> Create(FactsCollectorOptions options);

  // Queries NVML afresh each time (see NvmlGpuInventorySource::Query for why).
  veu::v1::Facts Collect();

 private:
  FactsCollector(FactsCollectorOptions options, facts::Catalogue catalogue,
                 std::unique_ptr<collectors::GpuInventorySource> gpu)
      : options_(std::move(options)), catalogue_(std::move(catalogue)), gpu_(std::move(gpu)) {}
  FactsCollectorOptions options_;
  facts::Catalogue catalogue_;
  std::unique_ptr<collectors::GpuInventorySource> gpu_;  // null: NVML turned off
};

// `veu-agent facts [--root DIR] [--policy-pack FILE] [--data-path PATH]
// [--nvml-library PATH|none] [--json]`: prints what the agent would report, with no TPM and no
// verifier. Exit 0, or 2 on bad usage / unreadable input.
int RunFactsCommand(const std::vector<std::string>& args);

// `veu-agent extend-eventlog --tcti TCTI FILE`: extends each of the log's digests into the
// matching PCR of a software TPM, so its PCRs and the log agree (demo and tests).
int RunExtendEventLogCommand(const std::vector<std::string>& args);

}  // namespace veu::agent

#endif  // VEU_AGENT_FACTS_COMMAND_H_
