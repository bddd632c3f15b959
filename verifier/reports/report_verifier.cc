#include "verifier/reports/report_verifier.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/deterministic_bytes.h"
#include "common/merkle/hasher.h"
#include "common/merkle/verify.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "verifier/reports/compliance_report.h"
#include "verifier/reports/report_derivation.h"
#include "verifier/reports/report_signer.h"
#include "verifier/reports/signed_report_file.h"
#include "verifier/translog/checkpoint.h"
#include "verifier/translog/checkpoint_verifier.h"
#include "verifier/translog/signed_note.h"

namespace veu::verifier {
namespace {

using v1::ComplianceReport;
using v1::ReportedAppraisal;

std::string Time(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", FromProtoTime(t), absl::UTCTimeZone());
}

// Agent ids are 64 hex digits; messages show the first 12.
std::string Agent(const std::string& id) {
  return id.size() > 12 ? absl::StrCat(id.substr(0, 12), "\xE2\x80\xA6") : id;
}

// "ACCEPT" rather than "VERDICT_ACCEPT": the name a reader knows.
std::string VerdictName(v1::Verdict v) {
  std::string name = v1::Verdict_Name(v);
  return name.rfind("VERDICT_", 0) == 0 ? name.substr(8) : name;
}

std::string List(const google::protobuf::RepeatedPtrField<std::string>& items) {
  return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
}

class Checker {
 public:
  Checker(const ComplianceReport& report, ReportVerification* out) : r_(report), out_(out) {}

  template <typename... Args>
  void Finding(const absl::FormatSpec<Args...>& format, const Args&... args) {
    out_->findings.push_back(absl::StrFormat(format, args...));
  }

  // The checkpoint the proofs are checked against: the signed note's when it opens.
  void CheckCheckpoint(const ReportSignatureVerifier& key) {
    const v1::LogCheckpoint& c = r_.checkpoint();
    signed_.origin = c.origin();
    signed_.size = c.tree_size();
    signed_.root_hash = c.root_hash();
    signed_.timestamp_unix_seconds = c.timestamp_unix_seconds();
    if (key.algorithm() != kAlgEcdsaP256Sha256) {
      Finding("checkpoint: the signed note cannot be checked: checkpoints are signed with ECDSA "
              "P-256 and the verifier key is %s",
              key.algorithm());
      return;
    }
    absl::StatusOr<translog::NoteVerifier> note_key =
        translog::NoteVerifier::FromPublicKeyDer(r_.verifier(), key.public_key_der());
    if (!note_key.ok()) {
      Finding("checkpoint: the report's verifier name \"%s\" is not a usable key name: %s",
              r_.verifier(), note_key.status().message());
      return;
    }
    note_verifier_.emplace(*std::move(note_key), r_.verifier());
    absl::StatusOr<translog::Checkpoint> opened = note_verifier_->Open(c.signed_note());
    if (!opened.ok()) {
      Finding("checkpoint: the signed note does not verify: %s", opened.status().message());
      return;
    }
    if (c.origin() != opened->origin) {
      Finding("checkpoint: origin field \"%s\" differs from the signed note's \"%s\"", c.origin(),
              opened->origin);
    }
    if (c.tree_size() != opened->size) {
      Finding("checkpoint: tree_size field %d differs from the signed note's %d", c.tree_size(),
              opened->size);
    }
    if (c.root_hash() != opened->root_hash) {
      Finding("checkpoint: root_hash field %s differs from the signed note's root %s",
              absl::Base64Escape(c.root_hash()), absl::Base64Escape(opened->root_hash));
    }
    if (c.timestamp_unix_seconds() != opened->timestamp_unix_seconds) {
      Finding("checkpoint: timestamp field %d differs from the signed note's %d",
              c.timestamp_unix_seconds(), opened->timestamp_unix_seconds);
    }
    signed_ = *opened;
  }

  void CheckPeriod() {
    from_ = FromProtoTime(r_.period_from());
    to_ = FromProtoTime(r_.period_to());
    if (r_.format() != kComplianceReportFormat) {
      Finding("format is %d; this verifier knows format %d", r_.format(), kComplianceReportFormat);
    }
    if (!r_.has_period_from() || !r_.has_period_to() || to_ <= from_) {
      Finding("the period [%s, %s) is empty or unset", Time(r_.period_from()),
              Time(r_.period_to()));
    }
    if (r_.stale_after_seconds() == 0) Finding("stale_after_seconds is 0");
  }

  void CheckAgents() {
    for (const v1::ReportAgent& a : r_.agents()) {
      if (!agents_.insert(a.agent_id()).second) {
        Finding("agent %s is listed twice", Agent(a.agent_id()));
      }
    }
  }

  void CheckAppraisals() {
    const std::string site = r_.site().name();
    bool first = true;
    uint64_t previous = 0;
    for (const ReportedAppraisal& ra : r_.appraisals()) {
      const uint64_t i = ra.log_index();
      if (!first && i <= previous) {
        Finding("appraisal at log index %d comes after %d; appraisals must be in log index order "
                "without repeats",
                i, previous);
      }
      first = false;
      previous = i;
      indexes_.insert(i);
      CheckInclusion(ra);

      LoggedAppraisal logged;
      logged.log_index = i;
      logged.before_period = ra.before_period();
      if (!logged.appraisal.ParseFromString(ra.leaf())) {
        Finding("appraisal at log index %d: the leaf does not decode as an Appraisal", i);
        leaves_ok_ = false;
        continue;
      }
      if (DeterministicBytes(logged.appraisal) != ra.leaf()) {
        // Re-encoding a leaf with our schema gives the same bytes; a difference
        // means unknown fields or an encoding the store never writes.
        Finding("appraisal at log index %d: the leaf is not an Appraisal as the log writes it "
                "(unknown or re-encoded fields)",
                i);
      }
      const v1::Appraisal& a = logged.appraisal;
      if (a.log_index() != i) {
        Finding("appraisal at log index %d: the logged leaf says log index %d", i, a.log_index());
      }
      if (a.site() != site) {
        Finding("appraisal %d: logged for site \"%s\", the report is for \"%s\"", i, a.site(),
                site);
      }
      if (agents_.count(a.agent_id()) == 0) {
        Finding("appraisal %d: agent %s is not among the report's agents", i,
                Agent(a.agent_id()));
      }
      CheckView(ra, a);
      const absl::Time at = FromProtoTime(a.appraised_at());
      if (ra.before_period() && at >= from_) {
        Finding("appraisal %d is marked before the period but was appraised at %s (period from "
                "%s)",
                i, Time(a.appraised_at()), Time(r_.period_from()));
      }
      if (!ra.before_period() && (at < from_ || at >= to_)) {
        Finding("appraisal %d appraised at %s is outside the period [%s, %s)", i,
                Time(a.appraised_at()), Time(r_.period_from()), Time(r_.period_to()));
      }
      logged_.push_back(std::move(logged));
    }
  }

  void CheckChains() {
    std::map<std::string, std::vector<const LoggedAppraisal*>> by_agent;
    for (const LoggedAppraisal& l : logged_) by_agent[l.appraisal.agent_id()].push_back(&l);
    for (auto& [agent, list] : by_agent) {
      std::sort(list.begin(), list.end(),
                [](const auto* a, const auto* b) { return a->log_index < b->log_index; });
      std::optional<uint64_t> expected;
      bool seen_in_period = false;
      int anchors = 0;
      for (const LoggedAppraisal* l : list) {
        if (l->before_period) {
          ++anchors;
          if (seen_in_period) {
            Finding("agent %s: appraisal %d is marked before the period but follows the agent's "
                    "appraisals in the period in the log",
                    Agent(agent), l->log_index);
          }
          expected = l->log_index;
          continue;
        }
        seen_in_period = true;
        const v1::Appraisal& a = l->appraisal;
        if (a.has_previous_log_index() ? expected == a.previous_log_index() : !expected) {
          expected = l->log_index;
          continue;
        }
        if (a.has_previous_log_index() && indexes_.count(a.previous_log_index()) == 0) {
          Finding("agent %s: appraisal %d links to previous %d, which is not in the report "
                  "(dropped?)",
                  Agent(agent), l->log_index, a.previous_log_index());
        } else if (a.has_previous_log_index() && !expected) {
          Finding("agent %s: appraisal %d links to previous %d, but it is the agent's first "
                  "appraisal in the report",
                  Agent(agent), l->log_index, a.previous_log_index());
        } else if (a.has_previous_log_index()) {
          Finding("agent %s: appraisal %d links to previous %d, but the agent's preceding "
                  "appraisal in the report is %d",
                  Agent(agent), l->log_index, a.previous_log_index(), *expected);
        } else {
          Finding("agent %s: appraisal %d is logged as the agent's first, but the report holds "
                  "its appraisal %d before it",
                  Agent(agent), l->log_index, *expected);
        }
        expected = l->log_index;
      }
      if (anchors > 1) {
        Finding("agent %s: %d appraisals are marked before the period; only its last one "
                "before the period belongs in the report",
                Agent(agent), anchors);
      }
    }
  }

  void CheckDerived() {
    if (!leaves_ok_) {
      Finding("summaries were not re-derived: a leaf does not decode");
      return;
    }
    DerivationInput in;
    in.period_from = from_;
    in.period_to = to_;
    in.generated_at = FromProtoTime(r_.generated_at());
    in.stale_after = absl::Seconds(r_.stale_after_seconds());
    in.agents.assign(r_.agents().begin(), r_.agents().end());
    in.appraisals = logged_;
    const DerivedSummaries d = DeriveSummaries(in);

    for (const v1::ReportAgent& a : r_.agents()) {
      auto it = d.appraisals_in_period.find(a.agent_id());
      const uint32_t shown = it == d.appraisals_in_period.end() ? 0 : it->second;
      if (a.appraisals_in_period() != shown) {
        Finding("agent %s: report says %d appraisals in the period, the appraisals show %d",
                Agent(a.agent_id()), a.appraisals_in_period(), shown);
      }
    }
    const std::vector<std::string> policies(r_.policy_versions().begin(),
                                            r_.policy_versions().end());
    if (policies != d.policy_versions) {
      Finding("policy versions: report says [%s], the appraisals show [%s]",
              absl::StrJoin(policies, ", "), absl::StrJoin(d.policy_versions, ", "));
    }
    CheckInventory(d.inventory);
    CheckStale(d.stale_periods);
    CheckControls(d.controls);
    if (r_.verdict_at_end() != d.verdict_at_end) {
      Finding("verdict_at_end: report says %s, the appraisals show %s",
              VerdictName(r_.verdict_at_end()), VerdictName(d.verdict_at_end));
    }
  }

  void CheckEventsAndDiversions() {
    const std::string site = r_.site().name();
    for (const v1::Event& e : r_.events()) {
      if (e.site() != site) {
        Finding("event %d: of site \"%s\", the report is for \"%s\"", e.id(), e.site(), site);
      }
      const absl::Time at = FromProtoTime(e.at());
      if (at < from_ || at >= to_) {
        Finding("event %d at %s is outside the period [%s, %s)", e.id(), Time(e.at()),
                Time(r_.period_from()), Time(r_.period_to()));
      }
    }
    for (const v1::Diversion& d : r_.diversions()) {
      if (d.site() != site && d.other_site() != site) {
        Finding("diversion %d: between sites \"%s\" and \"%s\", the report is for \"%s\"", d.id(),
                d.site(), d.other_site(), site);
      }
    }
  }

  void CheckConsistency(const ReportVerifyOptions& options) {
    if (!options.earlier_checkpoint.has_value()) {
      if (r_.has_consistency() && r_.consistency().to_size() != r_.checkpoint().tree_size()) {
        Finding("consistency proof ends at tree size %d, the checkpoint is of size %d",
                r_.consistency().to_size(), r_.checkpoint().tree_size());
      }
      return;
    }
    if (!note_verifier_.has_value()) {
      Finding("earlier checkpoint: cannot be checked without a usable checkpoint key");
      return;
    }
    absl::StatusOr<translog::Checkpoint> earlier = note_verifier_->Open(*options.earlier_checkpoint);
    if (!earlier.ok()) {
      Finding("earlier checkpoint: does not verify with the verifier key: %s",
              earlier.status().message());
      return;
    }
    if (!r_.has_consistency()) {
      Finding("the report carries no consistency proof from the earlier checkpoint's tree size %d",
              earlier->size);
      return;
    }
    const v1::ConsistencyProof& c = r_.consistency();
    if (c.from_size() != earlier->size) {
      Finding("consistency proof is from tree size %d, the earlier checkpoint is of size %d",
              c.from_size(), earlier->size);
      return;
    }
    if (c.to_size() != signed_.size) {
      Finding("consistency proof ends at tree size %d, the checkpoint is of size %d", c.to_size(),
              signed_.size);
      return;
    }
    const std::vector<std::string> proof(c.proof().begin(), c.proof().end());
    absl::Status extends = translog::VerifyCheckpointExtends(*earlier, signed_, proof);
    if (!extends.ok()) {
      Finding("consistency: the report's checkpoint does not extend the earlier one: %s",
              extends.message());
      return;
    }
    out_->consistency_checked = true;
  }

 private:
  void CheckInclusion(const ReportedAppraisal& ra) {
    const uint64_t i = ra.log_index();
    if (i >= signed_.size) {
      Finding("appraisal at log index %d is beyond the checkpoint's tree size %d", i, signed_.size);
      return;
    }
    const std::vector<std::string> proof(ra.inclusion_proof().begin(), ra.inclusion_proof().end());
    absl::StatusOr<std::string> root =
        merkle::RootFromInclusionProof(merkle::LeafHash(ra.leaf()), i, signed_.size, proof);
    if (!root.ok()) {
      Finding("appraisal at log index %d: inclusion proof is unusable: %s", i,
              root.status().message());
    } else if (*root != signed_.root_hash) {
      Finding("appraisal at log index %d: inclusion proof does not lead to the checkpoint root", i);
    }
  }

  void CheckView(const ReportedAppraisal& ra, const v1::Appraisal& a) {
    const uint64_t i = ra.log_index();
    const ReportedAppraisal leaf = AppraisalView(a);
    if (ra.appraisal_id() != leaf.appraisal_id()) {
      Finding("appraisal %d: view says appraisal_id %s, logged leaf says %s", i, ra.appraisal_id(),
              leaf.appraisal_id());
    }
    if (ra.agent_id() != leaf.agent_id()) {
      Finding("appraisal %d: view says agent_id %s, logged leaf says %s", i, ra.agent_id(),
              leaf.agent_id());
    }
    if (FromProtoTime(ra.appraised_at()) != FromProtoTime(leaf.appraised_at())) {
      Finding("appraisal %d: view says appraised_at %s, logged leaf says %s", i,
              Time(ra.appraised_at()), Time(leaf.appraised_at()));
    }
    if (ra.verdict() != leaf.verdict()) {
      Finding("appraisal %d: view says verdict %s, logged leaf says %s", i,
              VerdictName(ra.verdict()), VerdictName(leaf.verdict()));
    }
    if (List(ra.failed()) != List(leaf.failed())) {
      Finding("appraisal %d: view says failed %s, logged leaf says %s", i, List(ra.failed()),
              List(leaf.failed()));
    }
    if (ra.accelerators() != leaf.accelerators()) {
      Finding("appraisal %d: view says %d accelerators, logged leaf says %d", i, ra.accelerators(),
              leaf.accelerators());
    }
    if (ra.tpp() != leaf.tpp()) {
      Finding("appraisal %d: view says tpp %d, logged leaf says %d", i, ra.tpp(), leaf.tpp());
    }
  }

  static std::string Describe(const v1::InventoryChange& c) {
    return absl::StrFormat("at %s agent %s log index %d: %d accelerators, tpp %d, added %s, "
                           "removed %s",
                           Time(c.at()), Agent(c.agent_id()), c.log_index(), c.count(), c.tpp(),
                           List(c.added()), List(c.removed()));
  }

  void CheckInventory(const std::vector<v1::InventoryChange>& shown) {
    const auto& reported = r_.inventory();
    const size_t n = std::max<size_t>(reported.size(), shown.size());
    for (size_t k = 0; k < n; ++k) {
      if (k >= static_cast<size_t>(reported.size())) {
        Finding("inventory change #%d missing from the report: the appraisals show %s", k + 1,
                Describe(shown[k]));
      } else if (k >= shown.size()) {
        Finding("inventory change #%d in the report (%s) is not shown by the appraisals", k + 1,
                Describe(reported[k]));
      } else if (Describe(reported[k]) != Describe(shown[k])) {
        Finding("inventory change #%d: report says %s; the appraisals show %s", k + 1,
                Describe(reported[k]), Describe(shown[k]));
      }
    }
  }

  static std::string Describe(const v1::StalePeriod& s) {
    return absl::StrFormat("agent %s from %s to %s", Agent(s.agent_id()), Time(s.from()),
                           Time(s.to()));
  }

  void CheckStale(const std::vector<v1::StalePeriod>& shown) {
    const auto& reported = r_.stale_periods();
    const size_t n = std::max<size_t>(reported.size(), shown.size());
    for (size_t k = 0; k < n; ++k) {
      if (k >= static_cast<size_t>(reported.size())) {
        Finding("stale period missing from the report: the appraisals show %s",
                Describe(shown[k]));
      } else if (k >= shown.size()) {
        Finding("stale period in the report (%s) is not shown by the appraisals",
                Describe(reported[k]));
      } else if (Describe(reported[k]) != Describe(shown[k])) {
        Finding("stale period #%d: report says %s; the appraisals show %s", k + 1,
                Describe(reported[k]), Describe(shown[k]));
      }
    }
  }

  void CheckControls(const std::vector<v1::ControlSummary>& shown) {
    std::map<std::string, const v1::ControlSummary*> reported;
    for (const v1::ControlSummary& c : r_.controls()) {
      if (!reported.emplace(c.control(), &c).second) {
        Finding("controls summary %s appears twice in the report", c.control());
      }
    }
    std::map<std::string, const v1::ControlSummary*> derived;
    for (const v1::ControlSummary& c : shown) derived.emplace(c.control(), &c);
    for (const auto& [id, c] : reported) {
      if (derived.count(id) == 0) {
        Finding("controls summary %s: in the report, but no appraisal has that check", id);
      }
    }
    for (const auto& [id, d] : derived) {
      auto it = reported.find(id);
      if (it == reported.end()) {
        Finding("controls summary %s: missing from the report, the appraisals show it", id);
        continue;
      }
      const v1::ControlSummary& r = *it->second;
      const struct {
        const char* what;
        uint64_t report, shown;
      } fields[] = {
          {"pass", r.pass(), d->pass()},
          {"fail", r.fail(), d->fail()},
          {"needs_evidence", r.needs_evidence(), d->needs_evidence()},
          {"not_evaluated", r.not_evaluated(), d->not_evaluated()},
          {"pass_seconds", r.pass_seconds(), d->pass_seconds()},
          {"fail_seconds", r.fail_seconds(), d->fail_seconds()},
          {"needs_evidence_seconds", r.needs_evidence_seconds(), d->needs_evidence_seconds()},
          {"not_evaluated_seconds", r.not_evaluated_seconds(), d->not_evaluated_seconds()},
          {"warn", r.warn(), d->warn()},
          {"warn_seconds", r.warn_seconds(), d->warn_seconds()},
      };
      for (const auto& f : fields) {
        if (f.report != f.shown) {
          Finding("controls summary %s: report says %d %s, appraisals show %d", id, f.report,
                  f.what, f.shown);
        }
      }
    }
  }

  const ComplianceReport& r_;
  ReportVerification* out_;
  translog::Checkpoint signed_;
  std::optional<translog::CheckpointVerifier> note_verifier_;
  absl::Time from_, to_;
  std::set<std::string> agents_;
  std::set<uint64_t> indexes_;
  std::vector<LoggedAppraisal> logged_;
  bool leaves_ok_ = true;
};

}  // namespace

std::string RegulationSummary(const v1::RegulationStatement& regulation) {
  size_t primary = 0, secondary = 0, proxies = 0;
  for (const auto& c : regulation.controls()) {
    primary += c.text_source() == v1::PRIMARY;
    secondary += c.text_source() == v1::SECONDARY;
    proxies += c.proxy();
  }
  return absl::StrCat(regulation.regulation().citation(), ": ", regulation.regulation().status(),
                      " (", regulation.regulation().status_source(), "); policy pack ",
                      regulation.policy_pack(), ": ", primary, " controls worded from the primary text, ",
                      secondary, " from secondary sources, ", proxies, " of them proxies");
}

absl::StatusOr<ReportVerification> VerifyComplianceReport(std::string_view file_text,
                                                          std::string_view verifier_key_pem,
                                                          const ReportVerifyOptions& options) {
  ASSIGN_OR_RETURN(ReportSignatureVerifier key, ReportSignatureVerifier::FromPem(verifier_key_pem));
  ASSIGN_OR_RETURN(OpenedReportFile file, OpenReportFile(file_text));
  ReportVerification out;
  out.kind = "compliance";
  absl::Status signature = key.Verify(file.canonical_report, file.signature);
  if (!signature.ok()) out.findings.emplace_back(signature.message());

  ComplianceReport report;
  absl::Status decoded = DecodeProtoJson(file.canonical_report, &report);
  if (!decoded.ok()) {
    out.findings.push_back(
        absl::StrCat("the report does not decode as a ComplianceReport: ", decoded.message()));
    return out;
  }
  out.report_id = report.report_id();
  out.verifier = report.verifier();
  out.subject = report.site().name();
  out.period = absl::StrCat("[", Time(report.period_from()), ", ", Time(report.period_to()), ")");
  out.verdict = VerdictName(report.verdict_at_end());
  if (report.has_regulation()) out.regulation = RegulationSummary(report.regulation());
  out.tree_size = report.checkpoint().tree_size();
  out.items = static_cast<size_t>(report.appraisals_size());
  for (const v1::Event& e : report.events()) {
    if (e.kind() != v1::EVENT_OFFLINE_CONTINUOUS && e.kind() != v1::EVENT_OFFLINE_BROKEN) continue;
    out.offline_gaps.push_back(absl::StrCat(
        e.agent_id().substr(0, 12), " at ", Time(e.at()), ": ",
        e.kind() == v1::EVENT_OFFLINE_CONTINUOUS ? "continuous" : "broken", ": ",
        e.detail().substr(0, 1000)));
  }

  Checker checker(report, &out);
  checker.CheckPeriod();
  checker.CheckCheckpoint(key);
  checker.CheckAgents();
  checker.CheckAppraisals();
  checker.CheckChains();
  checker.CheckDerived();
  checker.CheckEventsAndDiversions();
  checker.CheckConsistency(options);
  return out;
}

}  // namespace veu::verifier
