// IMA log throughput on one core: a 100,000-entry log made by cycling the fixtures' real
// entries (rust-keylime's 826 ima-ng entries, keylime's ima-sig with RSA and EC signatures,
// ima-buf keyring and device-mapper entries, legacy ima), in binary and ASCII form; parsed
// (every template hash recomputed) and replayed into PCR 10; with the runtime policy learned from
// it applied (first report), and as an incremental report (1,000 new entries parsed, replayed
// from the stored PCR 10 and appraised); and the memory of a 50,000-path policy index.
// Figures: bench/README.md, "IMA log".
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <malloc.h>

#include "common/ima/incremental.h"
#include "common/ima/ima_log.h"
#include "common/ima/keylime_policy.h"
#include "common/ima/runtime_appraisal.h"
#include "common/ima/runtime_policy.h"

namespace {

constexpr size_t kEntries = 100000;
constexpr uint16_t kSha1 = 0x0004, kSha256 = 0x000B;

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string U32(uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

struct Logs {
  std::string binary, ascii;
};

const Logs& MadeLogs() {
  static const Logs logs = [] {
    const std::filesystem::path dir = std::filesystem::path(VEU_FIXTURES_DIR) / "ima";
    std::vector<std::string> lines;
    for (const char* f : {"rust-keylime/ascii_runtime_measurements", "keylime-test_ima_ast/valid_entries.txt",
                          "keylime-test_ima_dm/dm_entries.txt", "keylime-test_ima_verification/KEYRINGS.txt"}) {
      std::stringstream ss(Read(dir / f));
      for (std::string line; std::getline(ss, line);) {
        if (!line.empty()) lines.push_back(line + "\n");
      }
    }
    Logs out;
    for (size_t i = 0; i < kEntries; ++i) out.ascii += lines[i % lines.size()];
    auto parsed = veu::ima::ParseAscii(out.ascii);
    if (!parsed.ok() || parsed->entries.size() != kEntries) std::abort();
    for (const auto& e : parsed->entries) {
      out.binary += U32(e.pcr) + e.template_hash + U32(e.template_name.size()) + e.template_name;
      if (e.template_name == "ima") out.binary += e.fields[0] + U32(e.fields[1].size()) + e.fields[1];
      else out.binary += U32(e.template_data.size()) + e.template_data;
    }
    return out;
  }();
  return logs;
}

void Run(benchmark::State& state, bool ascii, bool sha1, bool sha256) {
  const Logs& logs = MadeLogs();
  for (auto _ : state) {
    auto log = ascii ? veu::ima::ParseAscii(logs.ascii) : veu::ima::ParseBinary(logs.binary);
    if (!log.ok() || log->entries.size() != kEntries) state.SkipWithError("parse failed");
    if (sha1) benchmark::DoNotOptimize(veu::ima::Replay(*log, kSha1, veu::ima::ExtendRule::kPerBank));
    if (sha256) benchmark::DoNotOptimize(veu::ima::Replay(*log, kSha256, veu::ima::ExtendRule::kPerBank));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEntries));
}

void BM_ParseBinary(benchmark::State& s) { Run(s, false, false, false); }
void BM_ParseBinaryReplaySha1(benchmark::State& s) { Run(s, false, true, false); }
void BM_ParseBinaryReplaySha1Sha256(benchmark::State& s) { Run(s, false, true, true); }
void BM_ParseAsciiReplaySha1(benchmark::State& s) { Run(s, true, true, false); }

// The policy learned from the made log (every path it measures), indexed once.
std::shared_ptr<const veu::ima::RuntimePolicyIndex> LearnedIndex() {
  static const auto index = [] {
    auto log = veu::ima::ParseBinary(MadeLogs().binary);
    auto learned = veu::ima::LearnRuntimePolicy(*log, "bench");
    if (!learned.ok()) std::abort();
    // The fixtures' .ima certificate did not sign the fixtures' ima-sig entries: ignore the
    // keyring so its key is not learned, and every entry passes by digest.
    learned->policy.add_ignored_keyrings(".ima");
    auto built = veu::ima::RuntimePolicyIndex::Build(learned->policy);
    if (!built.ok()) std::abort();
    return *built;
  }();
  return index;
}

// First report: parse + SHA-1 replay + policy over all 100,000 entries.
void BM_FirstReportParseReplaySha1Policy(benchmark::State& state) {
  const Logs& logs = MadeLogs();
  const auto index = LearnedIndex();
  for (auto _ : state) {
    auto log = veu::ima::ParseBinary(logs.binary);
    if (!log.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(veu::ima::Replay(*log, kSha1, veu::ima::ExtendRule::kPerBank));
    veu::ima::RuntimeAppraiser appraiser(index);
    const auto a = appraiser.Appraise(*log);
    if (a.verdict != veu::ima::RuntimeVerdict::kPass) state.SkipWithError("policy did not pass");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEntries));
}

// Policy alone over the parsed 100,000 entries.
void BM_PolicyOnly(benchmark::State& state) {
  auto log = veu::ima::ParseBinary(MadeLogs().binary);
  const auto index = LearnedIndex();
  for (auto _ : state) {
    veu::ima::RuntimeAppraiser appraiser(index);
    benchmark::DoNotOptimize(appraiser.Appraise(*log).by_digest);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEntries));
}

// Incremental report after 99,000 accepted entries: the 1,000 new ones parsed (with their
// record numbers), replayed from the stored SHA-1 and SHA-256 PCR 10 against the quote, and
// appraised. Items: new entries.
void BM_IncrementalReport1000New(benchmark::State& state) {
  constexpr size_t kOld = kEntries - 1000;
  auto whole = veu::ima::ParseBinary(MadeLogs().binary);
  // Byte offset of record kOld, and the quote over all entries.
  const std::string tail_bytes = MadeLogs().binary.substr(whole->entries[kOld].offset);
  std::map<uint16_t, std::string> quote;
  for (uint16_t alg : {kSha1, kSha256}) {
    quote[alg] = veu::ima::Replay(*whole, alg, veu::ima::ExtendRule::kPerBank).at(10);
  }
  // The stored state after the first kOld entries.
  veu::ima::ParsedLog head = *whole;
  head.entries.resize(kOld);
  std::map<uint16_t, std::string> head_quote;
  for (uint16_t alg : {kSha1, kSha256}) {
    head_quote[alg] = veu::ima::Replay(head, alg, veu::ima::ExtendRule::kPerBank).at(10);
  }
  const veu::ima::ImaIncrement stored = veu::ima::VerifyIncrement({}, head, head_quote);
  if (!stored.matched) std::abort();
  const auto index = LearnedIndex();
  veu::ima::RuntimeAppraiser appraiser(index);
  veu::ima::ParseOptions options;
  options.first_record = kOld;
  for (auto _ : state) {
    auto tail = veu::ima::ParseBinary(tail_bytes, options);
    if (!tail.ok()) state.SkipWithError("parse failed");
    const veu::ima::ImaIncrement inc = veu::ima::VerifyIncrement(stored.next, *tail, quote);
    if (!inc.matched) state.SkipWithError("increment did not match");
    veu::ima::RuntimeAppraisalOptions o;
    o.end = inc.matched_entries - kOld;
    benchmark::DoNotOptimize(appraiser.Appraise(*tail, 0, o).by_digest);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 1000));
}

// A 50,000-path policy (SHA-256 digests, paths like a distribution's) indexed: the index's own
// count and the heap it took (mallinfo2), as counters.
void BM_Policy50000PathsIndexMemory(benchmark::State& state) {
  veu::v1::RuntimePolicy p;
  for (int i = 0; i < 50000; ++i) {
    auto* f = p.add_files();
    f->set_path("/usr/lib/x86_64-linux-gnu/package-" + std::to_string(i / 40) + "/lib" +
                std::to_string(i) + ".so.1");
    std::string hex;
    for (int j = 0; j < 8; ++j) hex += std::to_string(10000000 + (i * 7919 + j * 104729) % 89999999);
    f->add_digests(hex.substr(0, 64));
  }
  size_t bytes = 0, heap = 0;
  for (auto _ : state) {
    const size_t before = mallinfo2().uordblks;
    auto index = veu::ima::RuntimePolicyIndex::Build(p);
    if (!index.ok()) state.SkipWithError(std::string(index.status().message()).c_str());
    heap = mallinfo2().uordblks - before;
    bytes = (*index)->MemoryBytes();
  }
  state.counters["index_bytes"] = static_cast<double>(bytes);
  state.counters["heap_bytes"] = static_cast<double>(heap);
  state.counters["proto_bytes"] = static_cast<double>(p.SpaceUsedLong());
}

BENCHMARK(BM_ParseBinary)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FirstReportParseReplaySha1Policy)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PolicyOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_IncrementalReport1000New)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Policy50000PathsIndexMemory)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_ParseBinaryReplaySha1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseBinaryReplaySha1Sha256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseAsciiReplaySha1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
