// veu_report_bench: the cost of a site's signed compliance report (verifier/reports) as a
// function of how many appraisals it covers, on both sides:
//
//   BM_BuildComplianceReport/N  — the verifier: BuildComplianceReport (decoding every leaf, one
//       RFC 9162 inclusion proof per appraisal from an in-memory tree, the derivations of
//       report_derivation.h) and SignComplianceReport (JCS + ECDSA P-256), i.e. everything after
//       the store reads, which are not included;
//   BM_VerifyComplianceReport/N — the regulator: VerifyComplianceReport on the file text with
//       the verifier's public key (signature, signed note, every inclusion proof, every chain,
//       every derivation re-done).
//
// The history is built like tests/verifier/reports/report_history.h, scaled: a site of
// kAgents nodes with 8 identified H100s each, N appraisals spread evenly over one day
// (round-robin over the agents), each agent with an anchor before the day, a neighbour site's
// appraisal interleaved after every one of them (so the log holds twice the report's leaves,
// as a shared verifier's log would), one reboot event per agent, and a checkpoint signed with
// the report key. Each leaf looks like a real appraisal: 14 checks with details, quote facts,
// facts_sha256, inventory summary. Set-up is outside the timed region; a report that does not
// verify clean stops the benchmark with an error, so the figures are for reports that hold.
#include <benchmark/benchmark.h>


#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/deterministic_bytes.h"
#include "common/crypto/digest.h"
#include "common/hex.h"
#include "common/merkle/hasher.h"
#include "common/merkle/memory_node_store.h"
#include "common/merkle/node_reader.h"
#include "common/proto_time.h"
#include "verifier/reports/compliance_report.h"
#include "verifier/reports/report_signer.h"
#include "verifier/reports/report_verifier.h"
#include "verifier/translog/checkpoint.h"
#include "verifier/translog/signed_note.h"

namespace veu::verifier {
namespace {

constexpr char kOrigin[] = "veu.example/attest-log";
constexpr int kAgents = 8;
constexpr uint64_t kH100Tpp = 63'328;
const absl::Time kPeriodFrom = absl::FromUnixSeconds(1'790'812'800);  // 2026-10-01T00:00Z
const absl::Time kPeriodTo = kPeriodFrom + absl::Hours(24);

std::string AgentId(const std::string& site, int i) {
  return ToHex(crypto::Sha256(absl::StrCat(site, "/node-", i)));
}

// The checks an appraisal of a node with measured boot and the VEU-14 pack carries.
void AddChecks(v1::Appraisal& a) {
  static const char* const kChecks[][2] = {
      {"agent.enrolled", "agent enrolled at this site"},
      {"agent.ak", "AK matches the enrolled AK name"},
      {"nonce.fresh", "nonce issued 1.2 s ago, used once"},
      {"quote.signature", "ECDSA P-256 signature by the AK verifies"},
      {"quote.clock", "clock advanced 30012 ms, resetCount unchanged"},
      {"facts.bound", "qualifyingData binds the nonce and facts"},
      {"facts.parse", "facts parse"},
      {"eventlog.replay", "sha256 bank replays to PCR 0-7"},
      {"boot.secure_boot", "Secure Boot enabled, dbx current"},
      {"kernel.cmdline", "no forbidden parameters"},
      {"firmware.version", "firmware 7.85 as enrolled"},
      {"VEU-10.inventory", "8 accelerators, 506624 TPP within authorisation"},
      {"VEU-14.ssh", "password login disabled, 3 authorised keys"},
      {"VEU-14.firewall", "default deny inbound"},
  };
  for (const auto& [id, detail] : kChecks) {
    v1::CheckResult* c = a.add_checks();
    c->set_check(id);
    c->set_status(v1::CHECK_PASS);
    c->set_detail(detail);
  }
}

class History {
 public:
  explicit History(int appraisals) {
    signer_.emplace(*ReportSigner::GenerateEcdsaP256());
    const std::string pem = *signer_->PrivateKeyPem();
    note_signer_.emplace(*translog::NoteSigner::FromPrivateKeyPem(kOrigin, pem));
    public_pem_ = *signer_->PublicKeyPem();

    // Anchors: every agent's last appraisal of the day before.
    for (int i = 0; i < kAgents; ++i) {
      anchors_.push_back(Append("fra1", i, kPeriodFrom - absl::Minutes(10 + i)));
    }
    const absl::Duration step = (kPeriodTo - kPeriodFrom) / appraisals;
    for (int n = 0; n < appraisals; ++n) {
      const absl::Time at = kPeriodFrom + step * n;
      entries_.push_back(Append("fra1", n % kAgents, at));
      Append("ams1", n % kAgents, at);  // the neighbour, same log
    }
    checkpoint_.set_origin(kOrigin);
    checkpoint_.set_tree_size(tree_.size());
    checkpoint_.set_root_hash(tree_.Root());
    checkpoint_.set_timestamp_unix_seconds(absl::ToUnixSeconds(kPeriodTo) + 600);
    translog::Checkpoint c{kOrigin, tree_.size(), tree_.Root(),
                           static_cast<uint64_t>(checkpoint_.timestamp_unix_seconds())};
    checkpoint_.set_signed_note(*note_signer_->Sign(*translog::FormatCheckpoint(c)));
  }

  const ReportSigner& signer() const { return *signer_; }
  const std::string& public_pem() const { return public_pem_; }

  ComplianceReportInput Input() const {
    ComplianceReportInput in;
    in.report_id = "rep-2026-10-01-fra1";
    in.generated_at = kPeriodTo + absl::Minutes(15);
    in.verifier = kOrigin;
    in.site.set_name("fra1");
    in.site.set_organisation("Acme AI");
    in.site.set_country("DE");
    in.site.set_authorised_accelerators(kAgents * 8);
    in.period_from = kPeriodFrom;
    in.period_to = kPeriodTo;
    for (int i = 0; i < kAgents; ++i) {
      v1::AgentRecord a;
      a.set_agent_id(AgentId("fra1", i));
      a.set_site("fra1");
      a.set_hostname(absl::StrCat("gpu-", i, ".fra1.example.net"));
      *a.mutable_enrolled_at() = ToProtoTime(kPeriodFrom - absl::Hours(24 * 30));
      a.set_platform_class("dgx-h100");
      in.agents.push_back(std::move(a));
      v1::Event e;
      e.set_id(i + 1);
      e.set_kind(v1::EVENT_REBOOTED);
      e.set_agent_id(AgentId("fra1", i));
      e.set_site("fra1");
      *e.mutable_at() = ToProtoTime(kPeriodFrom + absl::Hours(3) + absl::Minutes(i));
      e.set_detail("resetCount 4 -> 5");
      in.events.push_back(std::move(e));
    }
    in.entries = entries_;
    in.anchors = anchors_;
    in.checkpoint = checkpoint_;
    const merkle::MemoryNodeStore* tree = &tree_;
    in.inclusion_proof = [tree](uint64_t index, uint64_t size) {
      return merkle::InclusionProof(*tree, index, size);
    };
    in.stale_after = absl::Hours(2);
    return in;
  }

  uint64_t tree_size() const { return tree_.size(); }
  double mean_leaf_bytes() const {
    size_t total = 0;
    for (const LogEntry& e : entries_) total += e.appraisal.size();
    return entries_.empty() ? 0 : static_cast<double>(total) / static_cast<double>(entries_.size());
  }

 private:
  LogEntry Append(const std::string& site, int agent, absl::Time at) {
    const std::string agent_id = AgentId(site, agent);
    v1::Appraisal a;
    a.set_id(absl::StrCat("appr-", tree_.size()));
    a.set_agent_id(agent_id);
    a.set_site(site);
    *a.mutable_appraised_at() = ToProtoTime(at);
    a.set_verdict(v1::VERDICT_ACCEPT);
    AddChecks(a);
    a.mutable_quote()->set_clock(1'000'000 + tree_.size() * 30'000);
    a.mutable_quote()->set_reset_count(5);
    a.mutable_quote()->set_safe(true);
    a.mutable_quote()->set_firmware_version(0x0007005500000000);
    a.mutable_quote()->set_qualified_signer(crypto::Sha256(agent_id + "/ak"));
    a.mutable_quote()->set_signature_alg(0x0018);
    a.set_facts_sha256(crypto::Sha256(absl::StrCat("facts of ", agent_id)));
    a.set_challenge_sequence(tree_.size() + 1);
    a.set_policy_version("spine-1+veu-2025@2");
    a.set_log_index(tree_.size());
    if (auto it = last_.find(agent_id); it != last_.end()) a.set_previous_log_index(it->second);
    last_[agent_id] = tree_.size();
    v1::InventorySummary* inv = a.mutable_inventory();
    inv->set_reported(true);
    inv->set_count(8);
    inv->set_tpp(8 * kH100Tpp);
    for (int g = 0; g < 8; ++g) inv->add_identities(absl::StrCat("serial:", site, agent, "0", 1000 + g));
    (*inv->mutable_models())["H100-SXM5-80GB"] = 8;
    LogEntry entry{tree_.size(), DeterministicBytes(a)};
    if (!tree_.Append(merkle::LeafHash(entry.appraisal)).ok()) std::abort();
    return entry;
  }

  std::optional<ReportSigner> signer_;
  std::optional<translog::NoteSigner> note_signer_;
  std::string public_pem_;
  merkle::MemoryNodeStore tree_;
  std::map<std::string, uint64_t> last_;
  std::vector<LogEntry> anchors_;
  std::vector<LogEntry> entries_;
  v1::LogCheckpoint checkpoint_;
};

void BM_BuildComplianceReport(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const History history(n);
  const ComplianceReportInput input = history.Input();
  std::string file;
  for (auto _ : state) {
    absl::StatusOr<v1::ComplianceReport> report = BuildComplianceReport(input);
    if (!report.ok()) {
      state.SkipWithError(report.status().ToString().c_str());
      break;
    }
    absl::StatusOr<std::string> signed_file = SignComplianceReport(*report, history.signer());
    if (!signed_file.ok()) {
      state.SkipWithError(signed_file.status().ToString().c_str());
      break;
    }
    file = *std::move(signed_file);
    benchmark::DoNotOptimize(file);
  }
  state.SetItemsProcessed(state.iterations() * n);  // items/s = appraisals/s
  state.counters["report_bytes"] = static_cast<double>(file.size());
  state.counters["tree_size"] = static_cast<double>(history.tree_size());
  state.counters["leaf_bytes"] = history.mean_leaf_bytes();
}

void BM_VerifyComplianceReport(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const History history(n);
  absl::StatusOr<v1::ComplianceReport> report = BuildComplianceReport(history.Input());
  absl::StatusOr<std::string> file =
      report.ok() ? SignComplianceReport(*report, history.signer()) : report.status();
  if (!file.ok()) {
    state.SkipWithError(file.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<ReportVerification> verified =
        VerifyComplianceReport(*file, history.public_pem());
    // Every appraisal of the period and every agent's anchor.
    if (!verified.ok() || !verified->holds() || verified->items != static_cast<size_t>(n + kAgents)) {
      std::string why = verified.ok() ? absl::StrCat(verified->items, " items; ",
                                                     verified->findings.empty()
                                                         ? std::string("no findings")
                                                         : verified->findings.front())
                                      : verified.status().ToString();
      state.SkipWithError(absl::StrCat("the report does not verify clean: ", why).c_str());
      break;
    }
    benchmark::DoNotOptimize(verified);
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["report_bytes"] = static_cast<double>(file->size());
}

BENCHMARK(BM_BuildComplianceReport)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VerifyComplianceReport)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace veu::verifier

BENCHMARK_MAIN();
