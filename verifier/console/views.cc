#include "verifier/console/views.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/facts/distribution.h"
#include "common/proto_time.h"
#include "verifier/reports/jcs.h"
#include "verifier/reports/json_value.h"
#include "veu/v1/appraisal.pb.h"

namespace veu::console {
namespace {

using verifier::JsonValue;

JsonValue Str(const std::string& s) {
  JsonValue v;
  v.kind = JsonValue::Kind::kString;
  v.string = s;
  return v;
}

JsonValue Num(int64_t n) {
  JsonValue v;
  v.kind = JsonValue::Kind::kNumber;
  v.number = std::clamp<int64_t>(n, -verifier::kMaxJsonInteger, verifier::kMaxJsonInteger);
  return v;
}

JsonValue Unsigned(uint64_t n) {
  return Num(static_cast<int64_t>(std::min<uint64_t>(n, verifier::kMaxJsonInteger)));
}

JsonValue Bool(bool b) {
  JsonValue v;
  v.kind = JsonValue::Kind::kBool;
  v.boolean = b;
  return v;
}

JsonValue Null() { return JsonValue(); }

JsonValue Obj() {
  JsonValue v;
  v.kind = JsonValue::Kind::kObject;
  return v;
}

JsonValue Arr() {
  JsonValue v;
  v.kind = JsonValue::Kind::kArray;
  return v;
}

void Put(JsonValue& object, const std::string& key, JsonValue value) {
  object.object.emplace_back(key, std::move(value));
}

int64_t Permille(double share) { return std::llround(share * 1000.0); }

bool IsSet(const google::protobuf::Timestamp& t) { return t.seconds() != 0 || t.nanos() != 0; }

std::string UtcOf(const google::protobuf::Timestamp& t) {
  return IsSet(t) ? UtcTime(FromProtoTime(t)) : "never";
}

std::string CheckStatusLabel(veu::v1::CheckStatus s) {
  switch (s) {
    case veu::v1::CHECK_PASS: return "PASS";
    case veu::v1::CHECK_FAIL: return "FAIL";
    case veu::v1::CHECK_NOT_EVALUATED: return "NOT EVALUATED";
    case veu::v1::CHECK_NEEDS_EVIDENCE: return "NEEDS EVIDENCE";
    case veu::v1::CHECK_WARN: return "WARN";
    default: return "UNSPECIFIED";
  }
}

// FAIL first, then WARN, then the checks a person must complete.
int CheckOrder(veu::v1::CheckStatus s) {
  switch (s) {
    case veu::v1::CHECK_FAIL: return 0;
    case veu::v1::CHECK_WARN: return 1;
    case veu::v1::CHECK_NEEDS_EVIDENCE: return 2;
    default: return 3;
  }
}

JsonValue InventoryJson(const veu::v1::InventorySummary& inv) {
  JsonValue out = Obj();
  Put(out, "reported", Bool(inv.reported()));
  Put(out, "count", Unsigned(inv.count()));
  Put(out, "tpp", Unsigned(inv.tpp()));
  Put(out, "unknown_count", Unsigned(inv.unknown_count()));
  // Sorted by model name: a protobuf map's order is unspecified.
  std::map<std::string, uint32_t> models(inv.models().begin(), inv.models().end());
  JsonValue list = Arr();
  for (const auto& [model, count] : models) {
    JsonValue m = Obj();
    Put(m, "model", Str(model));
    Put(m, "count", Unsigned(count));
    list.array.push_back(std::move(m));
  }
  Put(out, "models", std::move(list));
  return out;
}

int StaleNodes(const veu::v1::SiteStatus& s) {
  int n = 0;
  for (const auto& a : s.agents()) n += a.stale() ? 1 : 0;
  return n;
}

}  // namespace

std::string UtcTime(absl::Time t) {
  if (t == absl::UnixEpoch() || t == absl::InfinitePast()) return "never";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone());
}

std::string VerdictLabel(veu::v1::Verdict verdict) {
  switch (verdict) {
    case veu::v1::VERDICT_ACCEPT: return "ACCEPT";
    case veu::v1::VERDICT_WARN: return "WARN";
    case veu::v1::VERDICT_REJECT: return "REJECT";
    case veu::v1::VERDICT_STALE: return "STALE";
    case veu::v1::VERDICT_NONE: return "NONE";
    default: return "UNSPECIFIED";
  }
}

std::string FleetJson(const std::vector<veu::v1::SiteStatus>& sites,
                      const std::vector<UnreadableSite>& unreadable, absl::Time now) {
  JsonValue out = Obj();
  Put(out, "generated_at", Str(UtcTime(now)));
  std::map<std::string, int> counts;
  for (const char* v : {"ACCEPT", "WARN", "REJECT", "STALE", "NONE"}) counts[v] = 0;
  std::map<std::string, std::vector<const veu::v1::SiteStatus*>> by_country;
  int stale_sites = 0, stale_nodes = 0, nodes = 0;
  for (const auto& s : sites) {
    ++counts[VerdictLabel(s.verdict())];
    by_country[s.site().country().empty() ? "--" : s.site().country()].push_back(&s);
    const int stale = StaleNodes(s);
    if (stale > 0 || s.verdict() == veu::v1::VERDICT_STALE) ++stale_sites;
    stale_nodes += stale;
    nodes += s.agents_size();
  }
  JsonValue count_list = Arr();
  for (const char* v : {"ACCEPT", "WARN", "REJECT", "STALE", "NONE"}) {
    JsonValue c = Obj();
    Put(c, "verdict", Str(v));
    Put(c, "sites", Num(counts[v]));
    count_list.array.push_back(std::move(c));
  }
  Put(out, "counts", std::move(count_list));
  Put(out, "sites", Num(static_cast<int64_t>(sites.size())));
  Put(out, "nodes", Num(nodes));
  Put(out, "stale_sites", Num(stale_sites));
  Put(out, "stale_nodes", Num(stale_nodes));
  JsonValue countries = Arr();
  for (auto& [country, list] : by_country) {
    std::sort(list.begin(), list.end(), [](const auto* a, const auto* b) {
      return a->site().name() < b->site().name();
    });
    JsonValue c = Obj();
    Put(c, "country", Str(country));
    JsonValue rows = Arr();
    for (const veu::v1::SiteStatus* s : list) {
      JsonValue row = Obj();
      Put(row, "name", Str(s->site().name()));
      Put(row, "organisation", Str(s->site().organisation()));
      Put(row, "verdict", Str(VerdictLabel(s->verdict())));
      Put(row, "nodes", Num(s->agents_size()));
      Put(row, "stale_nodes", Num(StaleNodes(*s)));
      Put(row, "evaluated_at", Str(UtcOf(s->evaluated_at())));
      rows.array.push_back(std::move(row));
    }
    Put(c, "sites", std::move(rows));
    countries.array.push_back(std::move(c));
  }
  Put(out, "countries", std::move(countries));
  JsonValue errors = Arr();
  for (const UnreadableSite& u : unreadable) {
    JsonValue e = Obj();
    Put(e, "site", Str(u.site));
    Put(e, "error", Str(std::string(u.status.message())));
    errors.array.push_back(std::move(e));
  }
  Put(out, "unreadable", std::move(errors));
  return verifier::CanonicalJson(out);
}

std::string SiteJson(const veu::v1::SiteStatus& status, absl::Time now) {
  const veu::v1::Site& site = status.site();
  JsonValue out = Obj();
  Put(out, "generated_at", Str(UtcTime(now)));
  Put(out, "name", Str(site.name()));
  Put(out, "organisation", Str(site.organisation()));
  Put(out, "country", Str(site.country()));
  Put(out, "address", Str(site.address()));
  Put(out, "verdict", Str(VerdictLabel(status.verdict())));
  Put(out, "evaluated_at", Str(UtcOf(status.evaluated_at())));
  Put(out, "veu_type", Str(site.veu_type() == veu::v1::VEU_TYPE_UNIVERSAL  ? "universal"
                           : site.veu_type() == veu::v1::VEU_TYPE_NATIONAL ? "national"
                                                                           : "not recorded"));
  uint64_t accelerators = 0, tpp = 0, unknown = 0;
  int unreported = 0;
  JsonValue nodes = Arr();
  for (const auto& a : status.agents()) {
    const veu::v1::AgentRecord& agent = a.agent();
    const veu::v1::Appraisal& latest = a.latest();
    JsonValue n = Obj();
    Put(n, "agent_id", Str(agent.agent_id()));
    Put(n, "hostname", Str(agent.hostname()));
    Put(n, "verdict", Str(a.stale() ? "STALE" : VerdictLabel(latest.verdict() ==
                                                                     veu::v1::VERDICT_UNSPECIFIED
                                                                 ? veu::v1::VERDICT_NONE
                                                                 : latest.verdict())));
    Put(n, "stale", Bool(a.stale()));
    Put(n, "revoked", Bool(agent.status() == veu::v1::AGENT_STATUS_REVOKED));
    Put(n, "last_seen", Str(UtcOf(agent.last_seen())));
    Put(n, "appraised_at", Str(UtcOf(latest.appraised_at())));
    Put(n, "appraisal_id", Str(latest.id()));
    Put(n, "policy_version", Str(latest.policy_version()));
    std::vector<const veu::v1::CheckResult*> findings;
    for (const auto& c : latest.checks()) {
      if (c.status() != veu::v1::CHECK_PASS) findings.push_back(&c);
    }
    std::stable_sort(findings.begin(), findings.end(), [](const auto* x, const auto* y) {
      return CheckOrder(x->status()) < CheckOrder(y->status());
    });
    JsonValue list = Arr();
    for (const veu::v1::CheckResult* c : findings) {
      JsonValue f = Obj();
      Put(f, "check", Str(c->check()));
      Put(f, "status", Str(CheckStatusLabel(c->status())));
      Put(f, "reason", Str(c->reason() == veu::v1::REASON_UNSPECIFIED
                               ? ""
                               : veu::v1::ReasonCode_Name(c->reason())));
      Put(f, "detail", Str(c->detail()));
      list.array.push_back(std::move(f));
    }
    Put(n, "findings", std::move(list));
    const veu::v1::InventorySummary& inv =
        agent.last_inventory().reported() ? agent.last_inventory() : latest.inventory();
    Put(n, "inventory", InventoryJson(inv));
    if (inv.reported()) {
      accelerators += inv.count();
      tpp += inv.tpp();
      unknown += inv.unknown_count();
    } else {
      ++unreported;
    }
    nodes.array.push_back(std::move(n));
  }
  Put(out, "nodes", std::move(nodes));
  JsonValue totals = Obj();
  Put(totals, "accelerators", Unsigned(accelerators));
  Put(totals, "tpp", Unsigned(tpp));
  Put(totals, "unknown_tpp_accelerators", Unsigned(unknown));
  Put(totals, "nodes_without_inventory", Num(unreported));
  Put(out, "totals", std::move(totals));
  JsonValue cap = Obj();
  Put(cap, "authorised_accelerators", Unsigned(site.authorised_accelerators()));
  Put(cap, "authorised_tpp", Unsigned(site.authorised_tpp()));
  std::string within;
  if (site.authorised_accelerators() == 0 && site.authorised_tpp() == 0) {
    within = "no authorisation declared";
  } else if ((site.authorised_accelerators() != 0 && accelerators > site.authorised_accelerators()) ||
             (site.authorised_tpp() != 0 && tpp > site.authorised_tpp())) {
    within = "above the authorisation";
  } else if (unreported > 0 || unknown > 0) {
    within = "not established (a node has no verified inventory or an accelerator of unknown TPP)";
  } else {
    within = "within the authorisation";
  }
  Put(cap, "assessment", Str(within));
  Put(out, "authorisation", std::move(cap));
  return verifier::CanonicalJson(out);
}

std::string OrganisationJson(const std::string& organisation,
                             const std::vector<veu::v1::SiteStatus>& sites,
                             const veu::v1::PolicyPack* pack, absl::Time now) {
  JsonValue out = Obj();
  Put(out, "generated_at", Str(UtcTime(now)));
  Put(out, "organisation", Str(organisation));
  std::vector<facts::CountryTpp> per_site;
  JsonValue without = Arr();
  bool us_hq = false;
  int counted = 0;
  for (const auto& s : sites) {
    if (s.site().organisation() != organisation) continue;
    ++counted;
    if (s.site().headquarters_country() == "US") us_hq = true;
    uint64_t tpp = 0;
    bool any = false;
    for (const auto& a : s.agents()) {
      if (a.agent().last_inventory().reported()) {
        any = true;
        tpp += a.agent().last_inventory().tpp();
      }
    }
    if (!any) without.array.push_back(Str(s.site().name()));
    if (!s.site().country().empty()) per_site.push_back({s.site().country(), tpp});
  }
  Put(out, "sites", Num(counted));
  Put(out, "sites_without_inventory", std::move(without));
  const veu::v1::CountryTiers tiers = pack ? pack->tiers() : veu::v1::CountryTiers();
  const veu::v1::ComputeCaps caps = pack ? pack->caps() : veu::v1::ComputeCaps();
  absl::StatusOr<facts::Distribution> d = facts::EvaluateDistribution(per_site, tiers, caps, us_hq);
  if (!d.ok()) {
    Put(out, "error", Str(std::string(d.status().message())));
    return verifier::CanonicalJson(out);
  }
  Put(out, "total_tpp", Unsigned(d->total_tpp));
  JsonValue countries = Arr();
  for (const facts::CountryShare& c : d->countries) {
    JsonValue row = Obj();
    Put(row, "country", Str(c.iso_code));
    Put(row, "tier", Str(c.tier == veu::v1::COUNTRY_TIER_UNSPECIFIED
                             ? "unknown"
                             : std::string(veu::v1::CountryTier_Name(c.tier))));
    Put(row, "tpp", Unsigned(c.tpp));
    Put(row, "share_permille", Num(Permille(c.share)));
    countries.array.push_back(std::move(row));
  }
  Put(out, "countries", std::move(countries));
  Put(out, "tier1_share_permille", Num(Permille(d->tier1_share)));
  Put(out, "largest_other_country", Str(d->largest_other_country));
  Put(out, "largest_other_share_permille", Num(Permille(d->largest_other_share)));
  if (pack == nullptr) {
    Put(out, "judged", Bool(false));
    Put(out, "note", Str("no policy pack given (veuctl console --policy-pack FILE): shares are "
                         "shown, not judged against the UVEU limits"));
    Put(out, "limits", Null());
  } else {
    Put(out, "judged", Bool(true));
    Put(out, "policy", Str(absl::StrCat(pack->id(), "@", pack->version())));
    JsonValue limits = Obj();
    Put(limits, "min_tier1_share_permille", Num(Permille(caps.uveu_min_tier1_share())));
    Put(limits, "max_single_other_share_permille",
        Num(Permille(caps.uveu_max_single_non_tier1_share())));
    Put(out, "limits", std::move(limits));
    Put(out, "tier1_share_ok", Bool(d->tier1_share_ok));
    Put(out, "single_other_ok", Bool(d->single_other_ok));
    JsonValue findings = Arr();
    for (const std::string& f : d->findings) findings.array.push_back(Str(f));
    Put(out, "findings", std::move(findings));
    JsonValue untiered = Arr();
    for (const std::string& c : d->untiered_countries) untiered.array.push_back(Str(c));
    Put(out, "untiered_countries", std::move(untiered));
  }
  return verifier::CanonicalJson(out);
}

std::string VerdictChangeJson(const veu::v1::VerdictChange& change, absl::Time received) {
  JsonValue out = Obj();
  Put(out, "site", Str(change.site()));
  Put(out, "organisation", Str(change.organisation()));
  Put(out, "country", Str(change.country()));
  Put(out, "agent_id", Str(change.agent_id()));
  // A node's first verdict has none before it.
  Put(out, "previous", Str(VerdictLabel(change.previous() == veu::v1::VERDICT_UNSPECIFIED
                                            ? veu::v1::VERDICT_NONE
                                            : change.previous())));
  Put(out, "verdict", Str(VerdictLabel(change.verdict())));
  Put(out, "site_verdict", Str(VerdictLabel(change.site_verdict())));
  const absl::Time at = FromProtoTime(change.at());
  Put(out, "at", Str(UtcTime(at)));
  Put(out, "at_unix_ms", Num(absl::ToUnixMillis(at)));
  Put(out, "received_unix_ms", Num(absl::ToUnixMillis(received)));
  Put(out, "appraisal_id", Str(change.appraisal_id()));
  JsonValue failed = Arr();
  for (const std::string& f : change.failed()) failed.array.push_back(Str(f));
  Put(out, "failed", std::move(failed));
  return verifier::CanonicalJson(out);
}

std::string ReportCheckJson(const verifier::ReportVerification& v, const std::string& download) {
  JsonValue out = Obj();
  Put(out, "holds", Bool(v.holds()));
  Put(out, "kind", Str(v.kind));
  Put(out, "report_id", Str(v.report_id));
  Put(out, "verifier", Str(v.verifier));
  Put(out, "subject", Str(v.subject));
  Put(out, "period", Str(v.period));
  Put(out, "verdict", Str(v.verdict));
  Put(out, "items", Unsigned(v.items));
  Put(out, "tree_size", Unsigned(v.tree_size));
  Put(out, "regulation", Str(v.regulation));
  JsonValue findings = Arr();
  for (const std::string& f : v.findings) findings.array.push_back(Str(f));
  Put(out, "findings", std::move(findings));
  Put(out, "download", Str(download));
  return verifier::CanonicalJson(out);
}

std::string FeedStatusJson(bool connected, const std::string& reason) {
  JsonValue out = Obj();
  Put(out, "connected", Bool(connected));
  Put(out, "reason", Str(reason));
  return verifier::CanonicalJson(out);
}

std::string ErrorJson(const absl::Status& status) {
  JsonValue out = Obj();
  Put(out, "error", Str(std::string(status.message())));
  Put(out, "code", Str(absl::StatusCodeToString(status.code())));
  return verifier::CanonicalJson(out);
}

}  // namespace veu::console
