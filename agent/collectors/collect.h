// Entry point for `veu-agent facts` and the attestation loop: everything this area collects,
// into the Facts message the quote binds.
#ifndef VEU_AGENT_COLLECTORS_COLLECT_H_
#define VEU_AGENT_COLLECTORS_COLLECT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/collectors/gpu_inventory_source.h"
#include "agent/collectors/root_fs.h"
#include "common/facts/catalogue.h"
#include "veu/v1/facts.pb.h"

namespace veu::collectors {

struct CollectOptions {
  std::vector<std::string> data_paths;  // storage encryption reported for these
  GpuInventorySource* gpu = nullptr;    // not owned; null = NVML not consulted
};

// Fills facts->inventory (field 10) and facts->access (field 11) from the system under `fs`,
// leaving other fields alone. Never fails on a node's content (bad files become `errors`
// inside the facts); the caller owns the catalogue, typically from the policy pack:
//   auto pack = facts::LoadPolicyPackFile(path);
//   auto catalogue = facts::Catalogue::Create(pack->catalogue());
void CollectEvidence(const RootFs& fs, const facts::Catalogue& catalogue,
                     const CollectOptions& options, v1::Facts* facts);

// JSON for humans and scripts (`veu-agent facts --json`): {"accelerators": [{pci_address,
// vendor_id, device_id (lowercase 4-digit hex strings), model, tpp, eccn, ...}],
// "accelerator_totals": {count, tpp, unknown_count, tpp_is_lower_bound, ...}, "nvml": {...},
// "access": {...}, "errors": [...]}. Internal only if protobuf's JSON printer fails.
absl::StatusOr<std::string> RenderFactsJson(const v1::Facts& facts);

}  // namespace veu::collectors

#endif  // VEU_AGENT_COLLECTORS_COLLECT_H_
