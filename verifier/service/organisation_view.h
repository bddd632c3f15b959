// Reads, from the store, what the organisation-wide controls need before one report is
// appraised (appraisal/organisation_controls.h): sightings of the accelerators the report
// claims, open diversion cases of its site, and the last verified inventories of the site's
// other nodes and of the organisation's other sites.
//
// The report's facts are parsed here only to know which identities to look up; nothing read
// from them is trusted until Appraise has verified the quote that binds them. Costs the
// sightings query, the open diversions of the site, and the store's per-site inventory roll-up
// (Store::ListSiteInventoryTotals) plus the site list for a named organisation: O(sites), never
// a read of every agent.
#ifndef VEU_VERIFIER_SERVICE_ORGANISATION_VIEW_H_
#define VEU_VERIFIER_SERVICE_ORGANISATION_VIEW_H_

#include <string>

#include "absl/status/statusor.h"
#include "verifier/appraisal/organisation_controls.h"
#include "verifier/store/store.h"
#include "veu/v1/records.pb.h"

namespace veu::verifier {

// Store errors pass through (the caller then appraises without the organisation's view, which
// makes those controls not-evaluated, never passed).
absl::StatusOr<OrganisationContext> ReadOrganisationContext(Store& store,
                                                            const veu::v1::AgentRecord& agent,
                                                            const veu::v1::Site& site,
                                                            const std::string& facts_bytes);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_ORGANISATION_VIEW_H_
