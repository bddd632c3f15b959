#include "verifier/appraisal/organisation_controls.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/check_result.h"
#include "common/facts/control_params.h"
#include "common/proto_time.h"

namespace veu::verifier {
namespace {

using veu::v1::CheckResult;

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
    facts::ParamReader params(control);
    const bool fail = facts::ReadAcceleratorSiteParams(params).fail_without_identity;
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

bool IsCountryCode(const std::string& s) {
  return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

// VEU-06 (Supplement No. 10, para. 6), for a Universal VEU: >= min_tier1_share of the
// organisation's TPP in Tier 1, <= max_single_non_tier1_share in any one other country, nothing
// in Tier 3, and >= us_hq_min_us_share in the US when headquartered there. Judged from verified
// inventories only. A FAIL needs a definite finding (Tier 3 compute, or a share limit broken with
// every site's inventory known); what cannot be established is NOT_EVALUATED, never a pass.
void Distribution(const veu::v1::Control& control, const veu::v1::PolicyPack& pack,
                  const veu::v1::Site& site, const veu::v1::InventorySummary& inventory,
                  const OrganisationContext& context, OrganisationControlsOutcome& out) {
  facts::ParamReader params(control);
  const facts::DistributionParams limits = facts::ReadDistributionParams(params);
  auto not_evaluated = [&](veu::v1::ReasonCode reason, const std::string& why) {
    out.results.push_back(
        MakeCheckResult(control.id(), veu::v1::CHECK_NOT_EVALUATED, reason, why));
  };
  if (!params.error().ok()) {
    not_evaluated(veu::v1::CONTROL_NOT_EVALUATED, std::string(params.error().message()));
    return;
  }
  const std::string org = absl::StrFormat("organisation '%s'", site.organisation());
  if (site.veu_type() == veu::v1::VEU_TYPE_NATIONAL) {
    not_evaluated(veu::v1::CONTROL_NOT_EVALUATED,
                  absl::StrCat("not applicable: ", org,
                               " holds a National VEU; the para. 6 shares bind a Universal VEU"));
    return;
  }
  if (site.veu_type() != veu::v1::VEU_TYPE_UNIVERSAL) {
    not_evaluated(veu::v1::CONTROL_NOT_EVALUATED,
                  absl::StrCat(org, " has no VEU type recorded (universal or national: `veuctl "
                                    "site add --veu-type`), so whether para. 6 binds it is unknown"));
    return;
  }
  const std::string& hq = site.headquarters_country();
  if (!hq.empty() && !IsCountryCode(hq)) {
    not_evaluated(veu::v1::COUNTRY_TIER_UNKNOWN,
                  absl::StrFormat("%s: headquarters country \"%s\" is not an ISO 3166-1 alpha-2 "
                                  "code; correct the site record",
                                  org, hq));
    return;
  }
  std::vector<facts::CountryTpp> sites = context.organisation_sites;
  sites.push_back({site.country(), inventory.tpp()});
  veu::v1::ComputeCaps caps = pack.caps();
  caps.set_uveu_min_tier1_share(limits.min_tier1_share);
  caps.set_uveu_max_single_non_tier1_share(limits.max_single_non_tier1_share);
  caps.set_us_hq_min_us_share(limits.us_hq_min_us_share);
  absl::StatusOr<facts::Distribution> d =
      facts::EvaluateDistribution(sites, pack.tiers(), caps, hq == "US");
  if (!d.ok()) {
    not_evaluated(veu::v1::COUNTRY_TIER_UNKNOWN,
                  absl::StrCat(org, ": ", d.status().message(), "; correct the site record"));
    return;
  }
  const bool inventories_complete = context.sites_without_inventory == 0;
  const std::string scope = absl::StrFormat(
      "%s (Universal VEU, headquarters %s): TPP %d over %d countries from verified inventories, "
      "Tier 1 share %.1f%%%s",
      org, hq.empty() ? "not recorded" : hq, d->total_tpp, d->countries.size(),
      100 * d->tier1_share,
      inventories_complete
          ? ""
          : absl::StrFormat("; %d sites have no verified inventory", context.sites_without_inventory));
  std::vector<std::string> definite;
  if (d->tier3_tpp > 0) {
    for (const auto& c : d->countries) {
      if (c.tier == veu::v1::TIER_3 && c.tpp > 0) {
        definite.push_back(absl::StrFormat("%d TPP is in %s (Tier 3), where a UVEU may hold none",
                                           c.tpp, c.iso_code));
      }
    }
  }
  if (!hq.empty() && facts::TierOf(hq, pack.tiers()) != veu::v1::TIER_1) {
    definite.push_back(absl::StrFormat(
        "a Universal VEU is headquartered in a Tier 1 country; %s is not in the pack's Tier 1 list",
        hq));
  }
  if (inventories_complete) {
    for (const std::string& f : d->findings) {
      if (f.find("Tier 3 countries") == std::string::npos) definite.push_back(f);
    }
  }
  if (!definite.empty()) {
    out.results.push_back(MakeCheckResult(
        control.id(), veu::v1::CHECK_FAIL, veu::v1::COMPUTE_SHARE_EXCEEDED,
        absl::StrCat(absl::StrJoin(definite, "; "), " (", scope, ")")));
    return;
  }
  if (!inventories_complete) {
    not_evaluated(veu::v1::CONTROL_NOT_EVALUATED,
                  absl::StrCat("the shares are not established while a site of the organisation "
                               "has no verified inventory (",
                               scope, ")"));
    return;
  }
  if (!d->untiered_countries.empty()) {
    not_evaluated(
        veu::v1::COUNTRY_TIER_UNKNOWN,
        absl::StrFormat("the pack's tier lists do not place %s (its Tier 3 list is a selection), "
                        "so whether any compute is in Tier 3 is unknown (%s)",
                        absl::StrJoin(d->untiered_countries, ", "), scope));
    return;
  }
  if (hq.empty()) {
    not_evaluated(veu::v1::CONTROL_NOT_EVALUATED,
                  absl::StrCat("headquarters not recorded (`veuctl site add --headquarters`), so "
                               "whether the >= ",
                               absl::StrFormat("%.0f", 100 * limits.us_hq_min_us_share),
                               "% US share applies is unknown (", scope, ")"));
    return;
  }
  out.results.push_back(MakeCheckResult(
      control.id(), veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
      absl::StrCat(scope,
                   hq == "US" ? absl::StrFormat("; US share %.1f%%", 100 * d->us_share) : "")));
}

// National VEU installed-base cap (15 CFR 748.15 as regulation.md reports it [S]): the
// organisation's verified TPP in this site's country, in H100-equivalents, against the pack's cap
// in force on `now`'s date.
void InstalledBase(const veu::v1::Control& control, const veu::v1::PolicyPack& pack,
                   const veu::v1::Site& site, const veu::v1::InventorySummary& inventory,
                   const OrganisationContext& context, absl::Time now,
                   OrganisationControlsOutcome& out) {
  facts::ParamReader params(control);
  facts::ReadInstalledBaseCapParams(params);
  auto result = [&](veu::v1::CheckStatus status, veu::v1::ReasonCode reason, std::string why) {
    out.results.push_back(MakeCheckResult(control.id(), status, reason, std::move(why)));
  };
  const std::string org = absl::StrFormat("organisation '%s'", site.organisation());
  if (site.veu_type() == veu::v1::VEU_TYPE_UNIVERSAL) {
    result(veu::v1::CHECK_NOT_EVALUATED, veu::v1::CONTROL_NOT_EVALUATED,
           absl::StrCat("not applicable: ", org,
                        " holds a Universal VEU; the installed-base caps bind a National VEU"));
    return;
  }
  if (site.veu_type() != veu::v1::VEU_TYPE_NATIONAL) {
    result(veu::v1::CHECK_NOT_EVALUATED, veu::v1::CONTROL_NOT_EVALUATED,
           absl::StrCat(org, " has no VEU type recorded (`veuctl site add --veu-type`)"));
    return;
  }
  const uint64_t per_h100 = pack.catalogue().thresholds().h100_equivalent_tpp();
  if (pack.caps().nveu_caps().empty() || per_h100 == 0) {
    result(veu::v1::CHECK_NOT_EVALUATED, veu::v1::CONTROL_NOT_EVALUATED,
           "the pack states no National VEU cap");
    return;
  }
  uint64_t tpp = inventory.tpp();
  for (const auto& s : context.organisation_sites) {
    if (s.iso_code == site.country()) tpp += s.tpp;
  }
  const double h100e = static_cast<double>(tpp) / static_cast<double>(per_h100);
  const std::string today = absl::FormatTime("%Y-%m-%d", now, absl::UTCTimeZone());
  const veu::v1::InstalledBaseCap* in_force = nullptr;
  for (const auto& c : pack.caps().nveu_caps()) {
    if (c.applies_from() <= today) in_force = &c;
  }
  const veu::v1::InstalledBaseCap& first = pack.caps().nveu_caps(0);
  const std::string scope = absl::StrFormat(
      "%s in %s: TPP %d = %.1f H100-equivalents from verified inventories on %s", org,
      site.country(), tpp, h100e, today);
  // Phased upwards: above the first cap is above every cap in force, known or not.
  const veu::v1::InstalledBaseCap& bound = in_force != nullptr ? *in_force : first;
  if (h100e > static_cast<double>(bound.h100_equivalents())) {
    result(veu::v1::CHECK_FAIL, veu::v1::INSTALLED_BASE_CAP_EXCEEDED,
           absl::StrFormat("%s; the cap %s %s is %d H100-equivalents (%s)", scope,
                           in_force != nullptr ? "in force since" : "from", bound.applies_from(),
                           bound.h100_equivalents(), bound.source()));
    return;
  }
  if (in_force == nullptr) {
    result(veu::v1::CHECK_NOT_EVALUATED, veu::v1::CONTROL_NOT_EVALUATED,
           absl::StrFormat("%s; the pack states no cap before %s (%d H100-equivalents), so the "
                           "phase in force today is unknown",
                           scope, first.applies_from(), first.h100_equivalents()));
    return;
  }
  if (context.sites_without_inventory > 0) {
    result(veu::v1::CHECK_NOT_EVALUATED, veu::v1::CONTROL_NOT_EVALUATED,
           absl::StrFormat("%s; %d sites have no verified inventory", scope,
                           context.sites_without_inventory));
    return;
  }
  result(veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
         absl::StrFormat("%s; within the cap of %d in force since %s%s", scope,
                         in_force->h100_equivalents(), in_force->applies_from(),
                         in_force->unconfirmed() ? " (figure unconfirmed)" : ""));
}

}  // namespace

OrganisationControlsOutcome EvaluateOrganisationControls(
    const veu::v1::PolicyPack& pack, const veu::v1::Site& site, const std::string& agent_id,
    const veu::v1::InventorySummary& inventory, const OrganisationContext* context,
    absl::Time now) {
  OrganisationControlsOutcome out;
  for (const veu::v1::Control& control : pack.controls()) {
    if (control.check() != veu::v1::ACCELERATOR_SITE &&
        control.check() != veu::v1::COMPUTE_DISTRIBUTION &&
        control.check() != veu::v1::INSTALLED_BASE_CAP) {
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
    } else if (control.check() == veu::v1::COMPUTE_DISTRIBUTION) {
      Distribution(control, pack, site, inventory, *context, out);
    } else {
      InstalledBase(control, pack, site, inventory, *context, now, out);
    }
  }
  return out;
}

}  // namespace veu::verifier
