// The policy pack's controls that need more than one node's evidence:
//   ACCELERATOR_SITE (VEU-04): each accelerator identity is reported only at its site. An
//     identity this verified report shows that was seen at another site opens a diversion case;
//     while any case naming the site is open, the control FAILs (ACCELERATOR_DIVERSION) for
//     every node of both sites, until an operator resolves it (`veuctl diversion resolve`).
//   COMPUTE_DISTRIBUTION (VEU-06): for a Universal VEU (Site.veu_type), the organisation's
//     attested TPP by country must meet the control's shares (common/facts/distribution.h), from
//     every site's last verified inventories; a site without one, a country no tier list places,
//     an unrecorded VEU type or headquarters make it NOT_EVALUATED unless a definite finding
//     (Tier 3 compute; a share broken with every inventory known) makes it FAIL.
//   INSTALLED_BASE_CAP: for a National VEU, the organisation's verified TPP in the site's country
//     in H100-equivalents against the pack's cap in force on `now`'s date (caps.nveu_caps):
//     FAIL above it (INSTALLED_BASE_CAP_EXCEEDED); NOT_EVALUATED before the first stated cap,
//     or while a site has no verified inventory.
// Pure: the caller reads the organisation's state from the store into OrganisationContext.
#ifndef VEU_VERIFIER_APPRAISAL_ORGANISATION_CONTROLS_H_
#define VEU_VERIFIER_APPRAISAL_ORGANISATION_CONTROLS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/facts/distribution.h"
#include "veu/v1/appraisal.pb.h"
#include "veu/v1/policy.pb.h"
#include "veu/v1/records.pb.h"

namespace veu::verifier {

// What the store knew before this report, read by the caller.
struct OrganisationContext {
  // Where the identities this report claims have been seen, at any site (the caller looks them
  // up from the report's facts before the quote is checked; only identities in the verified
  // inventory are used).
  std::vector<veu::v1::AcceleratorSighting> sightings;
  // Open diversion cases that name this site (as site or other_site).
  std::vector<veu::v1::Diversion> open_diversions;
  // TPP per site of the agent's organisation, from each agent's last verified inventory, with
  // this agent's previous inventory left out (its current one is added here).
  std::vector<facts::CountryTpp> organisation_sites;
  int sites_without_inventory = 0;  // sites of the organisation whose agents never reported
  // The agent's own site's other nodes (last verified inventories), for the site-wide
  // authorisation of ACCELERATOR_INVENTORY.
  int site_other_nodes = 0;
  uint32_t site_other_accelerators = 0;
  uint64_t site_other_tpp = 0;
};

struct OrganisationControlsOutcome {
  std::vector<veu::v1::CheckResult> results;    // one per such control, pack order
  std::vector<veu::v1::Diversion> new_diversions;
  std::vector<veu::v1::Event> events;           // EVENT_DIVERSION_SUSPECTED per new case
};

// `inventory` is this report's verified summary; `context` null means the caller could not
// provide the organisation's view, and both controls are NOT_EVALUATED.
OrganisationControlsOutcome EvaluateOrganisationControls(
    const veu::v1::PolicyPack& pack, const veu::v1::Site& site, const std::string& agent_id,
    const veu::v1::InventorySummary& inventory, const OrganisationContext* context,
    absl::Time now);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_APPRAISAL_ORGANISATION_CONTROLS_H_
