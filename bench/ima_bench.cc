// IMA log throughput on one core: a 100,000-entry log made by cycling the fixtures' real
// entries (rust-keylime's 826 ima-ng entries, keylime's ima-sig with RSA and EC signatures,
// ima-buf keyring and device-mapper entries, legacy ima), in binary and ASCII form; parsed
// (every template hash recomputed) and replayed into PCR 10. Figures: bench/README.md, "IMA log".
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/ima/ima_log.h"

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

BENCHMARK(BM_ParseBinary)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseBinaryReplaySha1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseBinaryReplaySha1Sha256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseAsciiReplaySha1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
