// A realistic day of one site in memory, for the report tests: three agents at "fra1" (one
// swaps an accelerator, one goes quiet for six hours and then fails its SSH control, one
// stops reporting before the period), a neighbour site's agent in the same log, a reboot
// event, all appended to a real RFC 9162 tree whose checkpoints are signed with the report
// key, so every proof in a report is real.
//
// Period: [2026-10-01T00:00Z, 2026-10-02T00:00Z), stale after 2 h.
//   A (aaaa…): anchor 2026-09-30T23:30; hourly 00:30..23:30 (24), ACCEPT; serial:A2 replaced
//              by serial:A3 from 12:30; policy @1 until 11:30, @2 after.
//   B (bbbb…): enrolled 05:00, first ever 05:30, 06:30, then silent until 12:30, hourly
//              13:30..23:30 (14 in all); 8 x H100 without identities; firewall needs
//              evidence (WARN), SSH fails from 13:30 (REJECT).
//   C (cccc…): anchor 2026-09-30T20:00, nothing in the period: stale all day.
//   D (dddd…): site "ams1", hourly, interleaved in the log.
#ifndef VEU_TESTS_VERIFIER_REPORTS_REPORT_HISTORY_H_
#define VEU_TESTS_VERIFIER_REPORTS_REPORT_HISTORY_H_


#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/deterministic_bytes.h"
#include "common/merkle/hasher.h"
#include "common/merkle/memory_node_store.h"
#include "common/merkle/node_reader.h"
#include "common/proto_time.h"
#include "verifier/reports/compliance_report.h"
#include "verifier/reports/inventory_report.h"
#include "verifier/reports/report_signer.h"
#include "verifier/translog/checkpoint.h"
#include "verifier/translog/signed_note.h"

namespace veu::verifier::testing {

inline constexpr char kOrigin[] = "veu.example/attest-log";
inline const std::string kAgentA(64, 'a');
inline const std::string kAgentB(64, 'b');
inline const std::string kAgentC(64, 'c');
inline const std::string kAgentD(64, 'd');

inline absl::Time At(const std::string& rfc3339) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) std::abort();
  return t;
}

inline v1::CheckResult Check(const std::string& id, v1::CheckStatus status) {
  v1::CheckResult c;
  c.set_check(id);
  c.set_status(status);
  if (status != v1::CHECK_PASS) c.set_reason(v1::CONTROL_NEEDS_EVIDENCE);
  return c;
}

class ReportHistory {
 public:
  ReportHistory() {
    signer_.emplace(*ReportSigner::GenerateEcdsaP256());
    const std::string pem = *signer_->PrivateKeyPem();
    note_signer_.emplace(*translog::NoteSigner::FromPrivateKeyPem(kOrigin, pem));
    public_pem_ = *signer_->PublicKeyPem();

    struct Spec {
      absl::Time at;
      std::string agent;
    };
    std::vector<Spec> specs;
    specs.push_back({At("2026-09-30T20:00:00Z"), kAgentC});
    specs.push_back({At("2026-09-30T23:30:00Z"), kAgentA});
    for (int h = 0; h < 24; ++h) {
      specs.push_back({At("2026-10-01T00:30:00Z") + absl::Hours(h), kAgentA});
      if (h == 5 || h == 6 || h >= 12) {
        specs.push_back({At("2026-10-01T00:30:00Z") + absl::Hours(h), kAgentB});
      }
    }
    for (int h = 0; h < 30; ++h) specs.push_back({At("2026-09-30T21:15:00Z") + absl::Hours(h), kAgentD});
    specs.push_back({At("2026-10-02T00:30:00Z"), kAgentA});  // after the period
    std::stable_sort(specs.begin(), specs.end(),
                     [](const Spec& a, const Spec& b) { return a.at < b.at; });
    for (const Spec& s : specs) {
      Append(s.agent, s.at);
      if (tree_.size() == 5) earlier_note_ = SignedNote();
    }
  }

  const ReportSigner& signer() const { return *signer_; }
  const std::string& public_pem() const { return public_pem_; }
  const std::string& earlier_note() const { return earlier_note_; }
  const merkle::MemoryNodeStore& tree() const { return tree_; }
  const std::vector<LogEntry>& log() const { return log_; }

  std::string SignedNote() const {
    translog::Checkpoint c{kOrigin, tree_.size(), tree_.Root(), 1790000000 + tree_.size()};
    return *note_signer_->Sign(*translog::FormatCheckpoint(c));
  }

  v1::LogCheckpoint Checkpoint() const {
    v1::LogCheckpoint c;
    c.set_signed_note(SignedNote());
    c.set_origin(kOrigin);
    c.set_tree_size(tree_.size());
    c.set_root_hash(tree_.Root());
    c.set_timestamp_unix_seconds(1790000000 + tree_.size());
    return c;
  }

  static v1::AgentRecord Agent(const std::string& id, const std::string& host,
                               const std::string& enrolled) {
    v1::AgentRecord a;
    a.set_agent_id(id);
    a.set_site("fra1");
    a.set_hostname(host);
    *a.mutable_enrolled_at() = ToProtoTime(At(enrolled));
    a.set_platform_class("dgx-h100");
    return a;
  }

  ComplianceReportInput Input() const {
    ComplianceReportInput in;
    in.report_id = "rep-2026-10-01-fra1";
    in.generated_at = At("2026-10-02T01:00:00Z");
    in.verifier = kOrigin;
    in.site.set_name("fra1");
    in.site.set_organisation("Acme AI");
    in.site.set_country("DE");
    in.site.set_authorised_accelerators(16);
    in.period_from = At("2026-10-01T00:00:00Z");
    in.period_to = At("2026-10-02T00:00:00Z");
    in.agents = {Agent(kAgentB, "gpu-b", "2026-10-01T05:00:00Z"),
                 Agent(kAgentA, "gpu-a", "2026-09-01T00:00:00Z"),
                 Agent(kAgentC, "gpu-c", "2026-09-01T00:00:00Z")};
    std::map<std::string, LogEntry> anchors;
    for (const LogEntry& e : log_) {
      v1::Appraisal a;
      a.ParseFromString(e.appraisal);
      const absl::Time t = FromProtoTime(a.appraised_at());
      if (a.site() != "fra1") continue;
      if (t < in.period_from) anchors[a.agent_id()] = e;
      else if (t < in.period_to) in.entries.push_back(e);
    }
    for (auto& [agent, e] : anchors) in.anchors.push_back(e);
    in.events = {Event(3, v1::EVENT_REBOOTED, kAgentA, "2026-09-30T22:00:00Z", "before"),
                 Event(9, v1::EVENT_VERDICT_CHANGED, kAgentB, "2026-10-01T13:30:00Z",
                       "WARN -> REJECT"),
                 Event(7, v1::EVENT_REBOOTED, kAgentA, "2026-10-01T03:00:00Z", "resetCount 4 -> 5")};
    in.checkpoint = Checkpoint();
    const merkle::MemoryNodeStore* tree = &tree_;
    in.inclusion_proof = [tree](uint64_t index, uint64_t size) {
      return merkle::InclusionProof(*tree, index, size);
    };
    in.stale_after = absl::Hours(2);
    return in;
  }

  // The consistency proof from the earlier checkpoint (tree size 5) to the current tree.
  v1::ConsistencyProof Consistency() const {
    v1::ConsistencyProof p;
    p.set_from_size(5);
    p.set_to_size(tree_.size());
    absl::StatusOr<std::vector<std::string>> proof = merkle::ConsistencyProof(tree_, 5, tree_.size());
    if (!proof.ok()) std::abort();
    for (const std::string& h : *proof) p.add_proof(h);
    return p;
  }

  // Index of an agent's appraisal at a time.
  uint64_t IndexOf(const std::string& agent, const std::string& at) const {
    for (const LogEntry& e : log_) {
      v1::Appraisal a;
      a.ParseFromString(e.appraisal);
      if (a.agent_id() == agent && FromProtoTime(a.appraised_at()) == At(at)) return e.index;
    }
    std::abort();
  }

 private:
  static v1::Event Event(int64_t id, v1::EventKind kind, const std::string& agent,
                         const std::string& at, const std::string& detail) {
    v1::Event e;
    e.set_id(id);
    e.set_kind(kind);
    e.set_agent_id(agent);
    e.set_site("fra1");
    *e.mutable_at() = ToProtoTime(At(at));
    e.set_detail(detail);
    return e;
  }

  void Append(const std::string& agent, absl::Time at) {
    v1::Appraisal a;
    a.set_id(absl::StrCat("appr-", tree_.size()));
    a.set_agent_id(agent);
    a.set_site(agent == kAgentD ? "ams1" : "fra1");
    *a.mutable_appraised_at() = ToProtoTime(at);
    a.set_log_index(tree_.size());
    if (auto it = last_.find(agent); it != last_.end()) a.set_previous_log_index(it->second);
    last_[agent] = tree_.size();
    a.add_checks()->CopyFrom(Check("quote.signature", v1::CHECK_PASS));
    v1::InventorySummary* inv = a.mutable_inventory();
    inv->set_reported(true);
    a.set_verdict(v1::VERDICT_ACCEPT);
    a.set_policy_version("spine-1+veu-2025@1");
    if (agent == kAgentA) {
      a.add_checks()->CopyFrom(Check("VEU-14.ssh", v1::CHECK_PASS));
      inv->set_count(2);
      inv->set_tpp(2 * 15832);
      const bool swapped = at >= At("2026-10-01T12:30:00Z");
      inv->add_identities("serial:A1");
      inv->add_identities(swapped ? "serial:A3" : "serial:A2");
      (*inv->mutable_models())["H100"] = 2;
      if (swapped) a.set_policy_version("spine-1+veu-2025@2");
    } else if (agent == kAgentB) {
      const bool failing = at >= At("2026-10-01T13:30:00Z");
      a.add_checks()->CopyFrom(Check("VEU-14.ssh", failing ? v1::CHECK_FAIL : v1::CHECK_PASS));
      a.add_checks()->CopyFrom(Check("VEU-14.firewall", v1::CHECK_NEEDS_EVIDENCE));
      a.set_verdict(failing ? v1::VERDICT_REJECT : v1::VERDICT_WARN);
      inv->set_count(8);
      inv->set_tpp(8 * 15832);
      inv->set_unidentified_count(8);
      (*inv->mutable_models())["H100"] = 8;
      a.set_policy_version("spine-1+veu-2025@2");
    } else if (agent == kAgentC) {
      a.add_checks()->CopyFrom(Check("VEU-14.ssh", v1::CHECK_PASS));
      inv->set_count(1);
      inv->set_tpp(15832);
      inv->add_identities("serial:C1");
    } else {
      inv->set_count(4);
      inv->set_tpp(4 * 15832);
    }
    const std::string leaf = DeterministicBytes(a);
    log_.push_back({tree_.size(), leaf});
    (void)tree_.Append(merkle::LeafHash(leaf));
  }

  std::optional<ReportSigner> signer_;
  std::optional<translog::NoteSigner> note_signer_;
  std::string public_pem_;
  std::string earlier_note_;
  merkle::MemoryNodeStore tree_;
  std::vector<LogEntry> log_;
  std::map<std::string, uint64_t> last_;
};

// ---- Inventory reports ------------------------------------------------------------------

inline constexpr uint64_t kH100 = 15832;

inline v1::InventorySummary Inv(uint32_t count, std::vector<std::string> ids, bool reported = true) {
  v1::InventorySummary inv;
  inv.set_reported(reported);
  inv.set_count(count);
  inv.set_tpp(count * kH100);
  for (auto& id : ids) inv.add_identities(id);
  inv.set_unidentified_count(count - static_cast<uint32_t>(ids.size()));
  (*inv.mutable_models())["H100"] = count;
  return inv;
}

inline v1::Site Site(const std::string& name, const std::string& country) {
  v1::Site s;
  s.set_name(name);
  s.set_organisation("Acme AI");
  s.set_country(country);
  s.set_authorised_accelerators(32);
  return s;
}

// An organisation's half-year: fra1 (DE) swapped a board and grew, iad1 (US) is new, dxb1 (AE)
// holds 4 boards plus an inventory that was never verified (left out by the report).
inline InventoryReportInput InventoryInput() {
  InventoryReportInput in;
  in.report_id = "inv-2026-H2";
  in.generated_at = At("2027-01-02T00:00:00Z");
  in.verifier = kOrigin;
  in.organisation = "Acme AI";
  in.half_year = "2026-H2";
  in.policy_version = "spine-1+veu-2025@2";
  for (auto [iso, tier] : {std::pair{"US", v1::TIER_1}, std::pair{"DE", v1::TIER_1}}) {
    auto* c = in.tiers.add_countries();
    c->set_iso_code(iso);
    c->set_tier(tier);
  }
  in.tiers.set_complete(true);  // a default tier needs complete lists (issue 16)
  in.tiers.set_default_tier(v1::TIER_2);
  in.caps.set_uveu_min_tier1_share(0.75);
  in.caps.set_uveu_max_single_non_tier1_share(0.07);
  in.caps.set_us_hq_min_us_share(0.5);
  in.us_headquartered = true;
  in.sites = {
      {Site("fra1", "DE"),
       {Inv(2, {"serial:A1", "serial:A3"}), Inv(8, {})},
       {Inv(2, {"serial:A1", "serial:A2"})}},
      {Site("iad1", "US"), {Inv(16, {})}, {}},
      {Site("dxb1", "AE"), {Inv(4, {}), Inv(99, {}, /*reported=*/false)}, {}},
  };
  return in;
}

}  // namespace veu::verifier::testing

#endif  // VEU_TESTS_VERIFIER_REPORTS_REPORT_HISTORY_H_
