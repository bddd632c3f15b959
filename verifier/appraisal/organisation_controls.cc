#include "verifier/appraisal/organisation_controls.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/check_result.h"
#include "common/proto_time.h"

namespace veu::verifier {
namespace {

using veu::v1::CheckResult;

std::string Param(const veu::v1::Control& c, const std::string& key, const std::string& dflt) {
  auto it = c.parameters().find(key);
  return it == c.parameters().end() ? dflt : it->second;
}

bool Names(const veu::v1::Diversion& d, const std::string& site) {
  return d.site() == site || d.other_site() == site;
}

std::string Describe(const veu::v1::Diversion& d) {
  return absl::StrFormat("%s at '%s' and '%s' (case %d)", d.identity(), d.other_site(), d.site(),
                         d.id());
}

void AcceleratorSite(const veu::v1::Control& control, const veu::v1::Site& site,
                     const std::string& agent_id, const veu::v1::InventorySummary& inventory,
                     const OrganisationContext& context, absl::Time now,
                     OrganisationControlsOutcome& out) {
  const std::set<std::string> claimed(inventory.identities().begin(),
                                      inventory.identities().end());
  // Cases already open for an (identity, other site) pair are not opened again.
  std::set<std::pair<std::string, std::string>> open_pairs;
  for (const auto& d : context.open_diversions) {
    open_pairs.insert({d.identity(), d.site() == site.name() ? d.other_site() : d.site()});
  }
  std::vector<std::string> failures;
  for (const auto& d : context.open_diversions) {
    if (Names(d, site.name())) failures.push_back(Describe(d));
  }
  for (const auto& s : context.sightings) {
    if (s.site() == site.name() || claimed.count(s.identity()) == 0) continue;
    if (!open_pairs.insert({s.identity(), s.site()}).second) continue;
    veu::v1::Diversion d;
    d.set_identity(s.identity());
    d.set_site(site.name());
    d.set_agent_id(agent_id);
    d.set_other_site(s.site());
    d.set_other_agent_id(s.agent_id());
    *d.mutable_detected_at() = ToProtoTime(now);
    *d.mutable_other_last_seen() = s.last_seen();
    failures.push_back(absl::StrFormat("%s reported here and, last on %s, at site '%s'",
                                       s.identity(), FormatProtoTime(s.last_seen()), s.site()));
    for (const std::string& where : {site.name(), s.site()}) {
      veu::v1::Event e;
      e.set_kind(veu::v1::EVENT_DIVERSION_SUSPECTED);
      e.set_agent_id(where == site.name() ? agent_id : s.agent_id());
      e.set_site(where);
      *e.mutable_at() = ToProtoTime(now);
      e.set_detail(absl::StrFormat("accelerator %s reported at site '%s' (agent %s) was seen at "
                                   "site '%s' (agent %s, last %s)",
                                   s.identity(), site.name(), agent_id.substr(0, 12), s.site(),
                                   s.agent_id().substr(0, 12), FormatProtoTime(s.last_seen())));
      out.events.push_back(std::move(e));
    }
    out.new_diversions.push_back(std::move(d));
  }
  if (!failures.empty()) {
    out.results.push_back(MakeCheckResult(
        control.id(), veu::v1::CHECK_FAIL, veu::v1::ACCELERATOR_DIVERSION,
        absl::StrCat("accelerator seen at more than one site: ", absl::StrJoin(failures, "; "),
                     " (resolve with `veuctl diversion resolve`)")));
    return;
  }
  if (inventory.count() == 0) {
    out.results.push_back(MakeCheckResult(control.id(), veu::v1::CHECK_PASS,
                                          veu::v1::REASON_UNSPECIFIED,
                                          "no accelerators on this node; none seen elsewhere"));
    return;
  }
  if (inventory.unidentified_count() > 0) {
    // Without serials or UUIDs a chip cannot be followed between sites: never a pass.
    const bool fail = Param(control, "pci_ids_only", "warning") == "fail";
    out.results.push_back(MakeCheckResult(
        control.id(), fail ? veu::v1::CHECK_FAIL : veu::v1::CHECK_NOT_EVALUATED,
        fail ? veu::v1::CONTROL_FAILED : veu::v1::CONTROL_NOT_EVALUATED,
        absl::StrFormat("%d of %d accelerators have no serial or UUID (vendor library absent), "
                        "so they cannot be followed between sites",
                        inventory.unidentified_count(), inventory.count())));
    return;
  }
  out.results.push_back(MakeCheckResult(
      control.id(), veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
      absl::StrFormat("%d accelerator identities, none reported at another site",
                      inventory.identities_size())));
}

void Distribution(const veu::v1::Control& control, const veu::v1::PolicyPack& pack,
                  const veu::v1::Site& site, const veu::v1::InventorySummary& inventory,
                  const OrganisationContext& context, OrganisationControlsOutcome& out) {
  std::vector<facts::CountryTpp> sites = context.organisation_sites;
  sites.push_back({site.country(), inventory.tpp()});
  const bool us_hq = Param(control, "us_headquartered", "false") == "true";
  absl::StatusOr<facts::Distribution> d =
      facts::EvaluateDistribution(sites, pack.tiers(), pack.caps(), us_hq);
  if (!d.ok()) {
    out.results.push_back(MakeCheckResult(control.id(), veu::v1::CHECK_NOT_EVALUATED,
                                          veu::v1::CONTROL_NOT_EVALUATED,
                                          std::string(d.status().message())));
    return;
  }
  const std::string scope = absl::StrFormat(
      "organisation '%s': TPP %d over %d countries, Tier 1 share %.1f%%%s", site.organisation(),
      d->total_tpp, d->countries.size(), 100 * d->tier1_share,
      context.sites_without_inventory > 0
          ? absl::StrFormat("; %d sites have not reported an inventory",
                            context.sites_without_inventory)
          : "");
  if (!d->findings.empty()) {
    out.results.push_back(MakeCheckResult(
        control.id(), veu::v1::CHECK_FAIL, veu::v1::COMPUTE_SHARE_EXCEEDED,
        absl::StrCat(absl::StrJoin(d->findings, "; "), " (", scope, ")")));
    return;
  }
  out.results.push_back(
      MakeCheckResult(control.id(), veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED, scope));
}

}  // namespace

OrganisationControlsOutcome EvaluateOrganisationControls(
    const veu::v1::PolicyPack& pack, const veu::v1::Site& site, const std::string& agent_id,
    const veu::v1::InventorySummary& inventory, const OrganisationContext* context,
    absl::Time now) {
  OrganisationControlsOutcome out;
  for (const veu::v1::Control& control : pack.controls()) {
    if (control.check() != veu::v1::ACCELERATOR_SITE &&
        control.check() != veu::v1::COMPUTE_DISTRIBUTION) {
      continue;
    }
    if (context == nullptr || site.name().empty()) {
      out.results.push_back(MakeCheckResult(
          control.id(), veu::v1::CHECK_NOT_EVALUATED, veu::v1::CONTROL_NOT_EVALUATED,
          "the organisation's view (sites, sightings) was not available to this appraisal"));
      continue;
    }
    if (control.check() == veu::v1::ACCELERATOR_SITE) {
      AcceleratorSite(control, site, agent_id, inventory, *context, now, out);
    } else {
      Distribution(control, pack, site, inventory, *context, out);
    }
  }
  return out;
}

}  // namespace veu::verifier
