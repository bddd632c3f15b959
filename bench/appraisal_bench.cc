// veu_bench: the verifier's per-report cost, end to end through veu::verifier::Appraise():
// NonceBook issue + consume, AK signature verification, TPMS_ATTEST checks, pcrDigest,
// clock checks, facts parsing, and serialising the Appraisal (as the store would). No disk.
//
// Reports are signed ahead of time in batches (outside the timed region): each carries a
// fresh nonce and a later TPM clock, as a real agent's successive reports do.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto/digest.h"
#include "common/crypto/random.h"
#include "common/tpm/quote.h"
#include "tests/common/tpm/quote_builder.h"
#include "verifier/appraisal/appraiser.h"

namespace veu::verifier {
namespace {

using tpm::testing::BuildQuote;
using tpm::testing::BuiltQuote;
using tpm::testing::QuoteSpec;
using tpm::testing::Sel;
using tpm::testing::TestAk;

constexpr int kBatch = 1024;

// Facts of an 8-GPU node, deterministic. No event log is bound (measured boot is benchmarked
// by veu_eventlog_bench), so the verdict is WARN (eventlog.replay not evaluated).
std::string RealisticFacts() {
  veu::v1::Facts facts;
  facts.set_agent_version("0.1.0");
  veu::v1::HostIdentity* host = facts.mutable_host();
  host->set_hostname("gpu-node-0042.dc1.example.net");
  host->set_machine_id("5c0ffee5c0ffee5c0ffee5c0ffee5c0f");
  host->set_boot_id("2f6b2b1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b");
  host->set_os_release("Debian GNU/Linux 12 (bookworm)");
  host->set_kernel_release("6.1.0-26-amd64");
  for (int i = 0; i < 8; ++i) {
    veu::v1::AcceleratorDevice* d = facts.mutable_inventory()->add_accelerators();
    d->set_pci_address(absl::StrCat("0000:", 0x17 + i * 0x10, ":00.0"));
    d->set_vendor_id(0x10de);
    d->set_device_id(0x2330);
    d->set_subsystem_vendor_id(0x10de);
    d->set_subsystem_device_id(0x16c1);
    d->set_class_code(0x030200);
    d->set_numa_node(i / 4);
    d->set_model("H100-SXM5-80GB");
    d->set_tpp(63'328);
    d->set_eccn("3A090.a");
    d->mutable_gpu()->set_pci_bus_id(d->pci_address());
    d->mutable_gpu()->set_serial(absl::StrCat("165232004", 1000 + i));
    d->mutable_gpu()->set_uuid(absl::StrCat("GPU-2f6b2b1e-3c4d-4e5f-8a9b-0c1d2e3f4a", 10 + i));
    d->mutable_gpu()->set_board_part_number("692-2G520-0200-000");
    d->mutable_gpu()->set_vbios_version("96.00.99.00.01");
    d->mutable_gpu()->set_name("NVIDIA H100 80GB HBM3");
    d->set_source_path(absl::StrCat("/sys/bus/pci/devices/", d->pci_address()));
  }
  facts.mutable_inventory()->set_catalogue_version("2025.1");
  std::string out;
  facts.SerializeToString(&out);
  return out;
}

struct Report {
  veu::v1::Challenge challenge;
  veu::v1::Evidence evidence;
};

class Fixture {
 public:
  explicit Fixture(TestAk::Kind kind) : ak_(TestAk::Make(kind)), facts_(RealisticFacts()) {
    agent_.set_agent_id("bench-agent");
    agent_.set_site("bench-site");
    agent_.set_status(veu::v1::AGENT_STATUS_ENROLLED);
    agent_.set_ak_public(ak_.Tpm2bPublic());
    agent_.set_ak_name(ak_.Name());
    agent_.set_last_verdict(veu::v1::VERDICT_WARN);
    selection_ = {Sel(crypto::kAlgSha256, {0, 1, 2, 3, 4, 5, 6, 7, 10})};
  }

  // Signs the next kBatch reports (not timed).
  void Refill() {
    nonces_.Expire(now_);  // the book keeps ~10 minutes of used nonces, as in service
    reports_.clear();
    next_ = 0;
    for (int i = 0; i < kBatch; ++i) {
      Report r;
      absl::StatusOr<std::string> nonce = crypto::RandomBytes(32);
      if (!nonce.ok()) std::abort();
      r.challenge.set_nonce(*nonce);
      r.challenge.mutable_pcr_selection()->Assign(selection_.begin(), selection_.end());
      r.challenge.set_sequence(++sequence_);
      QuoteSpec spec;
      spec.extra_data = tpm::QualifyingData(*nonce, facts_);
      spec.selection = selection_;
      spec.clock = 1'000'000 + sequence_ * 10'000;
      BuiltQuote q = BuildQuote(ak_, spec);
      r.evidence.set_nonce(*nonce);
      r.evidence.mutable_quote()->set_attest(q.evidence.attest);
      r.evidence.mutable_quote()->set_signature(q.evidence.signature);
      r.evidence.mutable_quote()->mutable_pcr_values()->Assign(q.evidence.pcr_values.begin(),
                                                               q.evidence.pcr_values.end());
      r.evidence.set_facts(facts_);
      reports_.push_back(std::move(r));
    }
  }

  size_t facts_size() const { return facts_.size(); }
  bool Exhausted() const { return next_ >= reports_.size(); }

  // One appraisal as the attestation service does it: issue, appraise, serialise.
  bool AppraiseNext(std::string* serialised) {
    const Report& r = reports_[next_++];
    now_ += absl::Seconds(1);
    if (!nonces_.Issue(r.challenge.nonce(), agent_.agent_id(), now_ + absl::Seconds(30))) {
      return false;
    }
    AppraisalInput input;
    input.agent = &agent_;
    input.challenge = &r.challenge;
    input.evidence = &r.evidence;
    input.appraisal_id = absl::StrCat("a-", r.challenge.sequence());
    input.now = now_;
    absl::StatusOr<AppraisalOutcome> out = Appraise(input, policy_, nonces_);
    if (!out.ok() || out->appraisal.verdict() == veu::v1::VERDICT_REJECT) {
      if (out.ok()) std::fprintf(stderr, "%s\n", out->appraisal.DebugString().c_str());
      return false;
    }
    agent_ = std::move(out->agent);
    out->appraisal.SerializeToString(serialised);
    return true;
  }

 private:
  TestAk ak_;
  std::string facts_;
  veu::v1::AgentRecord agent_;
  std::vector<veu::v1::PcrSelection> selection_;
  std::vector<Report> reports_;
  size_t next_ = 0;
  uint64_t sequence_ = 0;
  NonceBook nonces_;
  AppraisalPolicy policy_;
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

void RunAppraisals(benchmark::State& state, TestAk::Kind kind) {
  Fixture fixture(kind);
  fixture.Refill();
  std::string serialised;
  for (auto _ : state) {
    if (fixture.Exhausted()) {
      state.PauseTiming();
      fixture.Refill();
      state.ResumeTiming();
    }
    if (!fixture.AppraiseNext(&serialised)) {
      state.SkipWithError("a report was not appraised as WARN/ACCEPT");
      break;
    }
    benchmark::DoNotOptimize(serialised);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["appraisal_bytes"] = static_cast<double>(serialised.size());
  state.counters["facts_bytes"] = static_cast<double>(fixture.facts_size());
}

void BM_AppraiseQuote(benchmark::State& state) { RunAppraisals(state, TestAk::kEccP256); }
void BM_AppraiseQuoteRsa2048(benchmark::State& state) { RunAppraisals(state, TestAk::kRsa2048); }

BENCHMARK(BM_AppraiseQuote)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AppraiseQuoteRsa2048)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace veu::verifier

BENCHMARK_MAIN();
