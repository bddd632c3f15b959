// Event-log throughput on one core over the real fixture logs: events parsed (with the
// digest-to-data checks), bound to quoted PCRs (which replays every bank) and, separately,
// facts extracted. Figures and the command that made them: bench/README.md, "Event log".
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/eventlog/binding.h"
#include "common/eventlog/facts.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"

namespace {

struct Fixture {
  std::string bytes;
  veu::eventlog::PcrValues quoted;  // the log's own replay, standing in for a quote
  size_t events = 0;
};

const std::vector<Fixture>& Fixtures() {
  static const std::vector<Fixture> fixtures = [] {
    std::vector<Fixture> out;
    const std::filesystem::path dir = std::filesystem::path(VEU_FIXTURES_DIR) / "eventlogs";
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".json") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      auto log = veu::eventlog::ParseEventLog(ss.str());
      if (!log.ok()) continue;
      out.push_back({ss.str(), veu::eventlog::Replay(*log), log->events().size()});
    }
    return out;
  }();
  return fixtures;
}

// Parse only: framing, bounds checks and the digest-to-data checks.
void BM_Parse(benchmark::State& state) {
  int64_t events = 0;
  for (auto _ : state) {
    for (const Fixture& f : Fixtures()) {
      auto log = veu::eventlog::ParseEventLog(f.bytes);
      benchmark::DoNotOptimize(log);
      events += static_cast<int64_t>(f.events);
    }
  }
  state.SetItemsProcessed(events);
}
BENCHMARK(BM_Parse)->Unit(benchmark::kMillisecond);

// What the verifier does per report: parse, replay every bank, compare with the quote.
void BM_ParseReplayBind(benchmark::State& state) {
  int64_t events = 0;
  for (auto _ : state) {
    for (const Fixture& f : Fixtures()) {
      auto log = veu::eventlog::ParseEventLog(f.bytes);
      auto outcome = veu::eventlog::BindToQuote(*std::move(log), f.quoted);
      benchmark::DoNotOptimize(outcome);
      events += static_cast<int64_t>(f.events);
    }
  }
  state.SetItemsProcessed(events);
}
BENCHMARK(BM_ParseReplayBind)->Unit(benchmark::kMillisecond);

// The above plus measured-boot facts and findings.
void BM_ParseBindExtractFacts(benchmark::State& state) {
  int64_t events = 0;
  for (auto _ : state) {
    for (const Fixture& f : Fixtures()) {
      auto log = veu::eventlog::ParseEventLog(f.bytes);
      auto outcome = veu::eventlog::BindToQuote(*std::move(log), f.quoted);
      if (outcome.verified)
        benchmark::DoNotOptimize(veu::eventlog::ExtractFacts(*outcome.verified));
      events += static_cast<int64_t>(f.events);
    }
  }
  state.SetItemsProcessed(events);
}
BENCHMARK(BM_ParseBindExtractFacts)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
