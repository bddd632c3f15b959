#include "verifier/reports/compliance_report.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "verifier/reports/report_derivation.h"
#include "verifier/reports/signed_report_file.h"

namespace veu::verifier {
namespace {

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<LoggedAppraisal> Decode(const LogEntry& entry, bool before_period,
                                       const ComplianceReportInput& in,
                                       const std::set<std::string>& agents) {
  LoggedAppraisal out;
  out.log_index = entry.index;
  out.before_period = before_period;
  if (!out.appraisal.ParseFromString(entry.appraisal)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("log entry %d does not decode as an Appraisal", entry.index));
  }
  const v1::Appraisal& a = out.appraisal;
  if (a.log_index() != entry.index) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "log entry %d holds an appraisal that says it is log index %d", entry.index,
        a.log_index()));
  }
  if (a.site() != in.site.name()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "log entry %d is an appraisal of site \"%s\", not \"%s\"", entry.index, a.site(),
        in.site.name()));
  }
  if (agents.count(a.agent_id()) == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "log entry %d is an appraisal of agent %s, which is not among the site's agents",
        entry.index, a.agent_id()));
  }
  const absl::Time at = FromProtoTime(a.appraised_at());
  if (before_period && at >= in.period_from) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "anchor log entry %d was appraised at %s, not before the period (from %s)", entry.index,
        Rfc3339(at), Rfc3339(in.period_from)));
  }
  if (!before_period && (at < in.period_from || at >= in.period_to)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "log entry %d was appraised at %s, outside the period [%s, %s)", entry.index,
        Rfc3339(at), Rfc3339(in.period_from), Rfc3339(in.period_to)));
  }
  if (entry.index >= in.checkpoint.tree_size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "log entry %d is not covered by the checkpoint of tree size %d", entry.index,
        in.checkpoint.tree_size()));
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::ComplianceReport> BuildComplianceReport(const ComplianceReportInput& in) {
  if (in.period_to <= in.period_from) {
    return absl::InvalidArgumentError("the report period is empty: period_to <= period_from");
  }
  if (in.stale_after <= absl::ZeroDuration() || in.stale_after > absl::Seconds(UINT32_MAX)) {
    return absl::InvalidArgumentError("stale_after must be positive and fit 32-bit seconds");
  }
  if (in.site.name().empty()) return absl::InvalidArgumentError("the site has no name");
  if (!in.inclusion_proof) return absl::InvalidArgumentError("no inclusion proof source");
  if (in.consistency.has_value() && in.consistency->to_size() != in.checkpoint.tree_size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the consistency proof ends at tree size %d, the checkpoint is of size %d",
        in.consistency->to_size(), in.checkpoint.tree_size()));
  }

  v1::ComplianceReport report;
  report.set_format(kComplianceReportFormat);
  report.set_report_id(in.report_id);
  *report.mutable_generated_at() = ToProtoTime(in.generated_at);
  report.set_verifier(in.verifier);
  *report.mutable_site() = in.site;
  *report.mutable_period_from() = ToProtoTime(in.period_from);
  *report.mutable_period_to() = ToProtoTime(in.period_to);
  *report.mutable_checkpoint() = in.checkpoint;
  report.set_stale_after_seconds(static_cast<uint32_t>(absl::ToInt64Seconds(in.stale_after)));
  if (in.consistency.has_value()) *report.mutable_consistency() = *in.consistency;
  if (in.regulation.has_value()) *report.mutable_regulation() = *in.regulation;

  DerivationInput derivation;
  derivation.period_from = in.period_from;
  derivation.period_to = in.period_to;
  derivation.generated_at = in.generated_at;
  derivation.stale_after = absl::Seconds(report.stale_after_seconds());

  std::vector<v1::AgentRecord> agents = in.agents;
  std::sort(agents.begin(), agents.end(),
            [](const auto& a, const auto& b) { return a.agent_id() < b.agent_id(); });
  std::set<std::string> agent_ids;
  for (const v1::AgentRecord& a : agents) {
    if (a.site() != in.site.name()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "agent %s belongs to site \"%s\", not \"%s\"", a.agent_id(), a.site(), in.site.name()));
    }
    if (!agent_ids.insert(a.agent_id()).second) {
      return absl::InvalidArgumentError(absl::StrCat("agent ", a.agent_id(), " is listed twice"));
    }
    v1::ReportAgent* ra = report.add_agents();
    ra->set_agent_id(a.agent_id());
    ra->set_hostname(a.hostname());
    if (a.has_enrolled_at()) *ra->mutable_enrolled_at() = a.enrolled_at();
    ra->set_platform_class(a.platform_class());
  }
  derivation.agents.assign(report.agents().begin(), report.agents().end());

  std::map<uint64_t, std::pair<const LogEntry*, bool>> entries;  // by index
  std::set<std::string> anchored;
  for (const LogEntry& e : in.anchors) {
    if (!entries.emplace(e.index, std::make_pair(&e, true)).second) {
      return absl::InvalidArgumentError(absl::StrFormat("log entry %d is given twice", e.index));
    }
  }
  for (const LogEntry& e : in.entries) {
    if (!entries.emplace(e.index, std::make_pair(&e, false)).second) {
      return absl::InvalidArgumentError(absl::StrFormat("log entry %d is given twice", e.index));
    }
  }
  for (const auto& [index, entry] : entries) {
    ASSIGN_OR_RETURN(LoggedAppraisal logged, Decode(*entry.first, entry.second, in, agent_ids));
    if (entry.second && !anchored.insert(logged.appraisal.agent_id()).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "two anchors are given for agent %s; only its last appraisal before the period "
          "anchors its chain",
          logged.appraisal.agent_id()));
    }
    ASSIGN_OR_RETURN(std::vector<std::string> proof,
                     in.inclusion_proof(index, in.checkpoint.tree_size()));
    v1::ReportedAppraisal* ra = report.add_appraisals();
    *ra = AppraisalView(logged.appraisal);
    ra->set_log_index(index);
    ra->set_leaf(entry.first->appraisal);
    for (auto& p : proof) ra->add_inclusion_proof(std::move(p));
    ra->set_before_period(entry.second);
    derivation.appraisals.push_back(std::move(logged));
  }
  // An anchor must precede its agent's appraisals in the period in the log, too. Entries are
  // visited in index order, so an agent's first in-period entry is the one seen first.
  std::map<std::string, uint64_t> first_in_period;
  for (const LoggedAppraisal& a : derivation.appraisals) {
    if (!a.before_period) first_in_period.emplace(a.appraisal.agent_id(), a.log_index);
  }
  for (const LoggedAppraisal& b : derivation.appraisals) {
    if (!b.before_period) continue;
    auto it = first_in_period.find(b.appraisal.agent_id());
    if (it != first_in_period.end() && it->second < b.log_index) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "anchor log entry %d of agent %s comes after its in-period entry %d", b.log_index,
          b.appraisal.agent_id(), it->second));
    }
  }

  const DerivedSummaries derived = DeriveSummaries(derivation);
  for (v1::ReportAgent& ra : *report.mutable_agents()) {
    ra.set_appraisals_in_period(derived.appraisals_in_period.at(ra.agent_id()));
  }
  for (const auto& p : derived.policy_versions) report.add_policy_versions(p);
  for (const auto& c : derived.inventory) *report.add_inventory() = c;
  for (const auto& s : derived.stale_periods) *report.add_stale_periods() = s;
  for (const auto& c : derived.controls) *report.add_controls() = c;
  report.set_verdict_at_end(derived.verdict_at_end);

  std::vector<v1::Event> events;
  for (const v1::Event& e : in.events) {
    if (e.site() != in.site.name()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "event %d is of site \"%s\", not \"%s\"", e.id(), e.site(), in.site.name()));
    }
    const absl::Time at = FromProtoTime(e.at());
    if (at >= in.period_from && at < in.period_to) events.push_back(e);
  }
  std::stable_sort(events.begin(), events.end(), [](const v1::Event& a, const v1::Event& b) {
    return std::make_pair(FromProtoTime(a.at()), a.id()) <
           std::make_pair(FromProtoTime(b.at()), b.id());
  });
  for (auto& e : events) *report.add_events() = std::move(e);
  for (const v1::Diversion& d : in.diversions) {
    if (d.site() != in.site.name() && d.other_site() != in.site.name()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "diversion %d is between sites \"%s\" and \"%s\", neither is \"%s\"", d.id(), d.site(),
          d.other_site(), in.site.name()));
    }
    *report.add_diversions() = d;
  }
  return report;
}

absl::StatusOr<std::string> SignComplianceReport(const v1::ComplianceReport& report,
                                                 const ReportSigner& signer) {
  return WriteSignedReport(report, signer);
}

}  // namespace veu::verifier
