// veu_store_bench: what the attestation stream costs in the store around each appraisal, on
// a real SqliteStore (WAL, one file in a fresh temp dir, removed afterwards):
//
//   BM_ReadOrganisationContext/S — verifier/service/organisation_view.h, which the stream calls
//       before appraising every report: the sightings of the report's 8 GPUs, the site's open
//       diversion cases, ListSites, and ListAgents of every site of the organisation. S sites of
//       one organisation, 4 agents each, every agent with last_inventory set (8 identified
//       H100s), and at least kMinSightings accelerator sightings (the fleet's GPUs plus retired
//       ones seen in the past), so the sightings index is not trivially small.
//   BM_CommitAppraisalWithSightings/D — Store::CommitAppraisal as the stream commits a verified
//       report: the appraisal row with 32 KiB of evidence, the agent record, the log leaf and
//       the tree nodes it completes, and 8 sightings upserted (the node's GPUs, already known:
//       the steady state). 10 sites x 4 agents, round-robin. D = 0: synchronous=NORMAL (the
//       default, survives a process crash); D = 1: synchronous=FULL (an fsync per commit).
//
// Set-up is outside the timed region. A context that does not hold what was stored stops the
// benchmark with an error, so the figures are for reads that returned the right answer.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto/digest.h"
#include "common/hex.h"
#include "verifier/appraisal/inventory_summary.h"
#include "verifier/service/organisation_view.h"
#include "verifier/store/sqlite_store.h"
#include "veu/v1/facts.pb.h"

namespace veu::verifier {
namespace {

constexpr int kAgentsPerSite = 4;
constexpr int kGpusPerNode = 8;
constexpr int kMinSightings = 3000;
constexpr uint64_t kH100Tpp = 63'328;
constexpr int64_t kStart = 1'790'812'800;  // 2026-10-01T00:00Z
constexpr char kCountries[][3] = {"DE", "NL", "FR", "SE", "FI", "IE", "PL", "ES"};

google::protobuf::Timestamp Ts(int64_t seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  return t;
}

std::string SiteName(int s) { return absl::StrCat("site-", s); }
std::string AgentName(int s, int a) { return absl::StrCat("s", s, "-node-", a); }

// The facts' inventory of an 8-GPU node whose serials are unique to (site, agent); the rest of
// the facts does not matter to the organisation view, which only looks up the identities.
veu::v1::Facts NodeFacts(int s, int a) {
  veu::v1::Facts facts;
  facts.set_agent_version("0.1.0");
  facts.mutable_host()->set_hostname(absl::StrCat(AgentName(s, a), ".example.net"));
  veu::v1::Inventory* inv = facts.mutable_inventory();
  for (int g = 0; g < kGpusPerNode; ++g) {
    veu::v1::AcceleratorDevice* d = inv->add_accelerators();
    d->set_pci_address(absl::StrCat("0000:", 0x17 + g * 0x10, ":00.0"));
    d->set_vendor_id(0x10de);
    d->set_device_id(0x2330);
    d->set_class_code(0x030200);
    d->set_role(veu::v1::ACCELERATOR_KNOWN);
    d->set_model("H100-SXM5-80GB");
    d->set_tpp(kH100Tpp);
    d->set_eccn("3A090.a");
    d->set_identity_source(veu::v1::NVML);
    d->mutable_gpu()->set_serial(absl::StrCat("1652", s * 100 + a, "0", 1000 + g));
    d->mutable_gpu()->set_uuid(absl::StrCat("GPU-", s, "-", a, "-", g));
    d->mutable_gpu()->set_name("NVIDIA H100 80GB HBM3");
  }
  inv->mutable_totals()->set_count(kGpusPerNode);
  inv->mutable_totals()->set_tpp(kGpusPerNode * kH100Tpp);
  return facts;
}

// An appraisal commit of `agent` at `at`, with its GPUs as sightings.
AppraisalCommit Commit(const std::string& id, const veu::v1::AgentRecord& agent, int64_t at,
                       const std::string& evidence) {
  AppraisalCommit commit;
  veu::v1::Appraisal& a = commit.appraisal;
  a.set_id(id);
  a.set_agent_id(agent.agent_id());
  a.set_site(agent.site());
  *a.mutable_appraised_at() = Ts(at);
  a.set_verdict(veu::v1::VERDICT_ACCEPT);
  a.set_policy_version("spine-1+veu-2025@2");
  for (const char* check : {"agent.enrolled", "agent.ak", "nonce.fresh", "quote.signature",
                            "quote.clock", "facts.bound", "facts.parse", "eventlog.replay",
                            "VEU-10.inventory", "VEU-14.ssh", "VEU-14.firewall"}) {
    veu::v1::CheckResult* c = a.add_checks();
    c->set_check(check);
    c->set_status(veu::v1::CHECK_PASS);
  }
  a.set_facts_sha256(crypto::Sha256(agent.agent_id()));
  *a.mutable_inventory() = agent.last_inventory();
  commit.evidence = evidence;
  commit.challenge = std::string(120, 'c');
  commit.agent = agent;
  *commit.agent.mutable_last_seen() = Ts(at);
  commit.agent.set_last_verdict(veu::v1::VERDICT_ACCEPT);
  commit.agent.set_last_clock(static_cast<uint64_t>(at) * 1000);
  commit.sightings.assign(agent.last_inventory().identities().begin(),
                          agent.last_inventory().identities().end());
  return commit;
}

// One organisation of `sites` sites in a SqliteStore in a temp dir.
class Organisation {
 public:
  Organisation(int sites, SqliteStore::Options::Durability durability) : sites_(sites) {
    char dir[] = "/tmp/veu-store-bench-XXXXXX";
    if (mkdtemp(dir) == nullptr) std::abort();
    dir_ = dir;
    SqliteStore::Options options;
    options.durability = durability;
    absl::StatusOr<std::unique_ptr<SqliteStore>> opened =
        SqliteStore::Open(dir_ + "/verifier.db", options);
    if (!opened.ok()) Fail(opened.status());
    store_ = *std::move(opened);

    for (int s = 0; s < sites; ++s) {
      veu::v1::Site site;
      site.set_name(SiteName(s));
      site.set_organisation("Acme AI");
      site.set_country(kCountries[s % 8]);
      site.set_authorised_accelerators(kAgentsPerSite * kGpusPerNode);
      *site.mutable_created_at() = Ts(kStart - 86400 * 90);
      Check(store_->AddSite(site));
      for (int a = 0; a < kAgentsPerSite; ++a) {
        veu::v1::AgentRecord agent;
        agent.set_agent_id(ToHex(crypto::Sha256(AgentName(s, a))));  // as enrolment names agents
        agent.set_site(SiteName(s));
        agent.set_status(veu::v1::AGENT_STATUS_ENROLLED);
        agent.set_hostname(absl::StrCat(AgentName(s, a), ".example.net"));
        agent.set_ak_name(crypto::Sha256(AgentName(s, a) + "/ak"));
        agent.set_platform_class("dgx-h100");
        *agent.mutable_enrolled_at() = Ts(kStart - 86400 * 60);
        *agent.mutable_last_inventory() = SummariseInventory(NodeFacts(s, a).inventory());
        Check(store_->PutAgent(agent, {}));
        agents_.push_back(agent);
      }
    }
    // The fleet's GPUs, each seen by its node's first appraisal...
    for (const veu::v1::AgentRecord& agent : agents_) {
      Check(store_->CommitAppraisal(Commit(NextId(), agent, kStart + commits_, Evidence())));
    }
    sightings_ = static_cast<int>(agents_.size()) * kGpusPerNode;
    // ...and GPUs retired before that, seen in the nodes' earlier appraisals.
    for (int retired = 0; sightings_ < kMinSightings; ++retired) {
      veu::v1::AgentRecord agent = agents_[retired % agents_.size()];
      AppraisalCommit old = Commit(NextId(), agent, kStart - 86400 * 30 + retired, Evidence());
      for (int g = 0; g < kGpusPerNode; ++g) {
        old.sightings[g] = absl::StrCat("serial:retired-", retired, "-", g);
      }
      Check(store_->CommitAppraisal(old));
      sightings_ += kGpusPerNode;
    }
  }

  ~Organisation() {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  SqliteStore& store() { return *store_; }
  const std::vector<veu::v1::AgentRecord>& agents() const { return agents_; }
  int sightings() const { return sightings_; }
  int sites() const { return sites_; }

  absl::StatusOr<veu::v1::Site> Site(int s) { return store_->GetSite(SiteName(s)); }

  std::string NextId() { return absl::StrCat("appr-", commits_++); }
  int64_t commits() const { return commits_; }

  // Stands in for a serialised Evidence of ~32 KiB (quote, 2 KB facts, an event log): the store
  // keeps the bytes as they are, so only their size matters.
  static const std::string& Evidence() {
    static const std::string evidence(32 * 1024, 'e');
    return evidence;
  }

 private:
  static void Fail(const absl::Status& status) {
    std::fprintf(stderr, "set-up failed: %s\n", status.ToString().c_str());
    std::abort();
  }
  static void Check(const absl::Status& status) {
    if (!status.ok()) Fail(status);
  }

  int sites_;
  std::string dir_;
  std::unique_ptr<SqliteStore> store_;
  std::vector<veu::v1::AgentRecord> agents_;
  int sightings_ = 0;
  int64_t commits_ = 0;
};

void BM_ReadOrganisationContext(benchmark::State& state) {
  const int sites = static_cast<int>(state.range(0));
  Organisation org(sites, SqliteStore::Options::Durability::kProcessCrash);
  // The report of site-0's first node, as the stream receives it.
  const veu::v1::AgentRecord& agent = org.agents().front();
  absl::StatusOr<veu::v1::Site> site = org.Site(0);
  std::string facts;
  NodeFacts(0, 0).SerializeToString(&facts);
  if (!site.ok()) {
    state.SkipWithError(site.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<OrganisationContext> context =
        ReadOrganisationContext(org.store(), agent, *site, facts);
    // What was stored: the node's 8 GPUs seen once each, 3 other nodes at its site, and one
    // distribution line per site of the organisation.
    if (!context.ok() || context->sightings.size() != kGpusPerNode ||
        context->site_other_nodes != kAgentsPerSite - 1 ||
        context->organisation_sites.size() != static_cast<size_t>(sites)) {
      state.SkipWithError(context.ok() ? "the context does not hold what was stored"
                                       : context.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(context);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["agents"] = static_cast<double>(org.agents().size());
  state.counters["sightings"] = static_cast<double>(org.sightings());
}

void BM_CommitAppraisalWithSightings(benchmark::State& state) {
  const auto durability = state.range(0) == 0 ? SqliteStore::Options::Durability::kProcessCrash
                                              : SqliteStore::Options::Durability::kPowerLoss;
  Organisation org(10, durability);
  const std::vector<veu::v1::AgentRecord>& agents = org.agents();
  size_t next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const veu::v1::AgentRecord& agent = agents[next++ % agents.size()];
    AppraisalCommit commit =
        Commit(org.NextId(), agent, kStart + 30 * org.commits(), Organisation::Evidence());
    state.ResumeTiming();
    absl::Status committed = org.store().CommitAppraisal(commit);
    if (!committed.ok()) {
      state.SkipWithError(committed.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  absl::StatusOr<uint64_t> leaves = org.store().TreeSize();
  state.counters["leaves_at_end"] = leaves.ok() ? static_cast<double>(*leaves) : -1;
}

BENCHMARK(BM_ReadOrganisationContext)->Arg(1)->Arg(10)->Arg(100)->Unit(benchmark::kMicrosecond);
// Wall time: an fsync is waiting, not CPU.
BENCHMARK(BM_CommitAppraisalWithSightings)->Arg(0)->Arg(1)->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace veu::verifier

BENCHMARK_MAIN();
