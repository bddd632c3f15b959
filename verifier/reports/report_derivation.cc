#include "verifier/reports/report_derivation.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"

namespace veu::verifier {
namespace {

using v1::Appraisal;

absl::Time AppraisedAt(const LoggedAppraisal& a) { return FromProtoTime(a.appraisal.appraised_at()); }

// The items an inventory lists: identities, or "<model> x <n>" without any.
std::vector<std::string> Items(const v1::InventorySummary& inv) {
  std::vector<std::string> items(inv.identities().begin(), inv.identities().end());
  if (items.empty()) {
    const std::map<std::string, uint32_t> models(inv.models().begin(), inv.models().end());
    for (const auto& [model, n] : models) items.push_back(absl::StrCat(model, " x ", n));
  }
  std::sort(items.begin(), items.end());
  return items;
}

std::vector<std::string> Minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

bool SameInventory(const v1::InventorySummary& a, const v1::InventorySummary& b) {
  return a.count() == b.count() && a.tpp() == b.tpp() && Items(a) == Items(b);
}

// [from, to) ∩ [lo, hi), or an empty duration.
absl::Duration Clipped(absl::Time from, absl::Time to, absl::Time lo, absl::Time hi) {
  const absl::Time a = std::max(from, lo);
  const absl::Time b = std::min(to, hi);
  return b > a ? b - a : absl::ZeroDuration();
}

struct StatusTime {
  uint32_t count[6] = {0, 0, 0, 0, 0, 0};  // by veu.v1.CheckStatus
  absl::Duration held[6] = {};
};

}  // namespace

v1::ReportedAppraisal AppraisalView(const Appraisal& appraisal) {
  v1::ReportedAppraisal view;
  view.set_appraisal_id(appraisal.id());
  view.set_agent_id(appraisal.agent_id());
  *view.mutable_appraised_at() = appraisal.appraised_at();
  view.set_verdict(appraisal.verdict());
  for (const v1::CheckResult& c : appraisal.checks()) {
    if (c.status() == v1::CHECK_FAIL) view.add_failed(c.check());
  }
  view.set_accelerators(appraisal.inventory().count());
  view.set_tpp(appraisal.inventory().tpp());
  return view;
}

int ReportVerdictSeverity(v1::Verdict verdict) {
  switch (verdict) {
    case v1::VERDICT_REJECT: return 5;
    case v1::VERDICT_STALE: return 4;
    case v1::VERDICT_WARN: return 3;
    case v1::VERDICT_NONE: return 2;
    case v1::VERDICT_ACCEPT: return 1;
    default: return 0;
  }
}

DerivedSummaries DeriveSummaries(const DerivationInput& in) {
  DerivedSummaries out;
  const absl::Time horizon = std::min(in.period_to, in.generated_at);

  // Every agent: the listed ones and any that appears in an appraisal.
  std::map<std::string, absl::Time> enrolled;
  for (const v1::ReportAgent& a : in.agents) {
    enrolled[a.agent_id()] =
        a.has_enrolled_at() ? FromProtoTime(a.enrolled_at()) : absl::InfinitePast();
  }
  std::map<std::string, std::vector<const LoggedAppraisal*>> by_agent;
  for (const LoggedAppraisal& a : in.appraisals) {
    by_agent[a.appraisal.agent_id()].push_back(&a);
    enrolled.emplace(a.appraisal.agent_id(), absl::InfinitePast());
  }

  std::map<std::string, StatusTime> controls;
  std::set<std::string> policies;
  v1::Verdict site = v1::VERDICT_NONE;
  bool any_agent = false;

  for (const auto& [agent_id, enrolled_at] : enrolled) {
    any_agent = true;
    std::vector<const LoggedAppraisal*>& list = by_agent[agent_id];
    std::sort(list.begin(), list.end(), [](const LoggedAppraisal* a, const LoggedAppraisal* b) {
      return a->log_index < b->log_index;
    });
    const LoggedAppraisal* anchor = nullptr;
    std::vector<const LoggedAppraisal*> in_period;
    for (const LoggedAppraisal* a : list) {
      if (a->before_period) anchor = a;  // the verifier checks there is at most one, first
      else in_period.push_back(a);
    }
    out.appraisals_in_period[agent_id] = static_cast<uint32_t>(in_period.size());

    // Inventory changes.
    const v1::InventorySummary* previous = nullptr;
    for (const LoggedAppraisal* a : in_period) {
      const v1::InventorySummary& inv = a->appraisal.inventory();
      if (!inv.reported()) continue;
      if (previous != nullptr && SameInventory(*previous, inv)) continue;
      v1::InventoryChange change;
      *change.mutable_at() = a->appraisal.appraised_at();
      change.set_agent_id(agent_id);
      change.set_log_index(a->log_index);
      change.set_count(inv.count());
      change.set_tpp(inv.tpp());
      const std::vector<std::string> now = Items(inv);
      const std::vector<std::string> before =
          previous == nullptr ? std::vector<std::string>{} : Items(*previous);
      for (auto& s : Minus(now, before)) change.add_added(std::move(s));
      for (auto& s : Minus(before, now)) change.add_removed(std::move(s));
      out.inventory.push_back(std::move(change));
      previous = &inv;
    }

    // Stale periods over [start, t1, ..., tn, horizon].
    std::vector<absl::Time> times;
    times.push_back(anchor != nullptr ? AppraisedAt(*anchor)
                                      : std::max(enrolled_at, in.period_from));
    for (const LoggedAppraisal* a : in_period) times.push_back(AppraisedAt(*a));
    times.push_back(horizon);
    for (size_t i = 0; i + 1 < times.size(); ++i) {
      if (times[i + 1] - times[i] <= in.stale_after) continue;
      const absl::Time from = std::max(times[i] + in.stale_after, in.period_from);
      const absl::Time to = std::min(times[i + 1], horizon);
      if (to <= from) continue;
      v1::StalePeriod stale;
      stale.set_agent_id(agent_id);
      *stale.mutable_from() = ToProtoTime(from);
      *stale.mutable_to() = ToProtoTime(to);
      out.stale_periods.push_back(std::move(stale));
    }

    // Control counts and the time each result held.
    std::vector<const LoggedAppraisal*> held = in_period;
    if (anchor != nullptr) held.insert(held.begin(), anchor);
    for (size_t i = 0; i < held.size(); ++i) {
      const absl::Time t = AppraisedAt(*held[i]);
      const absl::Time next = i + 1 < held.size() ? AppraisedAt(*held[i + 1]) : horizon;
      const absl::Duration d =
          Clipped(t, std::min(next, t + in.stale_after), in.period_from, horizon);
      for (const v1::CheckResult& c : held[i]->appraisal.checks()) {
        const int s = c.status() >= 0 && c.status() <= v1::CHECK_WARN ? c.status() : 0;
        StatusTime& st = controls[c.check()];
        if (!held[i]->before_period) ++st.count[s];
        st.held[s] += d;
      }
      if (!held[i]->before_period && !held[i]->appraisal.policy_version().empty()) {
        policies.insert(held[i]->appraisal.policy_version());
      }
    }

    // The agent's verdict at the horizon.
    const LoggedAppraisal* last = !in_period.empty() ? in_period.back() : anchor;
    v1::Verdict verdict = v1::VERDICT_NONE;
    if (last == nullptr) {
      if (enrolled_at != absl::InfinitePast() && horizon - enrolled_at > in.stale_after) {
        verdict = v1::VERDICT_STALE;
      }
    } else {
      verdict = last->appraisal.verdict();
      if (verdict != v1::VERDICT_REJECT && horizon - AppraisedAt(*last) > in.stale_after) {
        verdict = v1::VERDICT_STALE;
      }
    }
    if (ReportVerdictSeverity(verdict) > ReportVerdictSeverity(site)) site = verdict;
  }
  out.verdict_at_end = any_agent ? site : v1::VERDICT_NONE;

  std::stable_sort(out.inventory.begin(), out.inventory.end(),
                   [](const v1::InventoryChange& a, const v1::InventoryChange& b) {
                     return std::make_tuple(FromProtoTime(a.at()), a.log_index()) <
                            std::make_tuple(FromProtoTime(b.at()), b.log_index());
                   });
  // Stale periods were produced per agent (in id order) and in time order already.
  for (const auto& [id, st] : controls) {
    v1::ControlSummary c;
    c.set_control(id);
    c.set_pass(st.count[v1::CHECK_PASS]);
    c.set_fail(st.count[v1::CHECK_FAIL]);
    c.set_needs_evidence(st.count[v1::CHECK_NEEDS_EVIDENCE]);
    c.set_not_evaluated(st.count[v1::CHECK_NOT_EVALUATED]);
    c.set_warn(st.count[v1::CHECK_WARN]);
    c.set_warn_seconds(static_cast<uint64_t>(absl::ToInt64Seconds(st.held[v1::CHECK_WARN])));
    c.set_pass_seconds(static_cast<uint64_t>(absl::ToInt64Seconds(st.held[v1::CHECK_PASS])));
    c.set_fail_seconds(static_cast<uint64_t>(absl::ToInt64Seconds(st.held[v1::CHECK_FAIL])));
    c.set_needs_evidence_seconds(
        static_cast<uint64_t>(absl::ToInt64Seconds(st.held[v1::CHECK_NEEDS_EVIDENCE])));
    c.set_not_evaluated_seconds(
        static_cast<uint64_t>(absl::ToInt64Seconds(st.held[v1::CHECK_NOT_EVALUATED])));
    out.controls.push_back(std::move(c));
  }
  out.policy_versions.assign(policies.begin(), policies.end());
  return out;
}

}  // namespace veu::verifier
