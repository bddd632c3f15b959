#include "verifier/service/verdict_changes.h"

#include "common/status_macros.h"
#include "verifier/service/site_status.h"

namespace veu::verifier {

absl::StatusOr<std::optional<veu::v1::VerdictChange>> VerdictChangeFor(
    Store& store, const veu::v1::Appraisal& appraisal, veu::v1::Verdict previous,
    absl::Time now, absl::Duration stale_after) {
  if (appraisal.verdict() == previous) return std::nullopt;
  ASSIGN_OR_RETURN(veu::v1::SiteStatus status,
                   ReadSiteStatus(store, appraisal.site(), now, stale_after));
  veu::v1::VerdictChange change;
  change.set_site(appraisal.site());
  change.set_organisation(status.site().organisation());
  change.set_country(status.site().country());
  change.set_agent_id(appraisal.agent_id());
  change.set_previous(previous);
  change.set_verdict(appraisal.verdict());
  change.set_site_verdict(status.verdict());
  *change.mutable_at() = appraisal.appraised_at();
  change.set_appraisal_id(appraisal.id());
  for (const auto& c : appraisal.checks()) {
    if (c.status() == veu::v1::CHECK_FAIL) change.add_failed(c.check());
  }
  return change;
}

}  // namespace veu::verifier
