// Per-node evaluation of the policy pack's host controls against verified facts: privileged
// access, remote access, audit, firewall, kernel hardening, storage encryption, accelerator
// inventory; needs-evidence and runtime-integrity controls are carried, never passed.
// Pure: the verifier calls it only with facts bound to a verified quote.
#ifndef VEU_COMMON_FACTS_HOST_CONTROLS_H_
#define VEU_COMMON_FACTS_HOST_CONTROLS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "veu/v1/appraisal.pb.h"
#include "veu/v1/facts.pb.h"
#include "veu/v1/policy.pb.h"

namespace veu::facts {

// What the site's authorisation allows, when the verifier knows it.
struct SiteAuthorisation {
  std::optional<uint32_t> max_accelerators;
  std::optional<uint64_t> max_tpp;
  // The site's other nodes, from their last verified inventories: the authorisation is for the
  // site, so this node's count and TPP are judged together with theirs.
  uint32_t other_nodes_accelerators = 0;
  uint64_t other_nodes_tpp = 0;
  int other_nodes = 0;
};

// One CheckResult per control of the kinds evaluated here (check = control id), in pack order:
// PRIVILEGED_ACCESS, REMOTE_ACCESS, AUDIT_LOGGING, FIREWALL, KERNEL_HARDENING,
// ACCELERATOR_INVENTORY -> PASS or FAIL (CONTROL_FAILED); STORAGE_ENCRYPTION and
// WEIGHT_PROTECTION are proxies (LUKS, GPU confidential-computing mode) and give at most
// NEEDS_EVIDENCE, the detail saying what the facts show and what they do not, FAIL when a path is
// not on LUKS (or CC is required and off), NOT_EVALUATED when a required CC state is unknown;
// RUNTIME_INTEGRITY and DEVICE_IDENTITY -> NOT_EVALUATED (with the reason); NEEDS_EVIDENCE -> NEEDS_EVIDENCE. Parameters are read
// with control_params.h.
// MEASURED_BOOT and SECURE_BOOT (event-log appraisal), ACCELERATOR_SITE and
// COMPUTE_DISTRIBUTION (organisation-wide, see distribution.h) give no result here.
// Facts the agent could not read (collection errors on the files a control depends on) make
// that control FAIL: missing evidence never passes.
std::vector<v1::CheckResult> EvaluateHostControls(const v1::PolicyPack& pack,
                                                  const v1::Facts& facts,
                                                  const SiteAuthorisation& site);

}  // namespace veu::facts

#endif  // VEU_COMMON_FACTS_HOST_CONTROLS_H_
