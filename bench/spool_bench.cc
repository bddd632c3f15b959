// The offline spool's cost on the agent (issue 10): bytes per spooled quote and the time of one
// durable append (write + fdatasync) per quote, on the disk under DIR.
//
//   veu_spool_bench [DIR] [N] [FACTS_BYTES]
//
// Each quote is a SoftwareTpm quote (ECC P-256 AK, sha256 PCRs 0-7,10: the TPMS_ATTEST and
// signature sizes of a real one) over facts of FACTS_BYTES bytes (default 1500, about the
// demo node's canonical facts). Prints the frame size and the append+fdatasync times.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "agent/agent.h"
#include "agent/offline_spool.h"
#include "agent/spool_file.h"
#include "agent/spool_format.h"
#include "agent/tpm/software_tpm.h"
#include "common/crypto/digest.h"

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : std::filesystem::temp_directory_path().string();
  const int n = argc > 2 ? std::atoi(argv[2]) : 200;
  const size_t facts_bytes = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 1500;
  const std::string path = dir + "/veu-spool-bench.spool";
  std::filesystem::remove(path);
  auto ca = veu::agent::SoftwareEkCa::Create("bench");
  auto tpm = ca.ok() ? veu::agent::SoftwareTpm::Create(*ca, 1) : absl::InternalError("no CA");
  if (!tpm.ok()) {
    std::fprintf(stderr, "software TPM: %s\n", std::string(tpm.status().message()).c_str());
    return 1;
  }
  veu::agent::PosixSpoolFile file(path);
  const veu::v1::PcrSelection sel = veu::agent::DefaultOfflineSelection();
  std::string previous = veu::crypto::Sha256("anchor");
  std::vector<double> micros;
  size_t frame_bytes = 0;
  for (int i = 0; i < n; ++i) {
    veu::v1::OfflineQuote q;
    q.set_facts(std::string(facts_bytes, 'f'));
    q.set_previous(previous);
    auto quote = (*tpm)->Quote(veu::crypto::Sha256(previous + veu::crypto::Sha256(q.facts())), sel);
    if (!quote.ok()) return 1;
    *q.mutable_quote() = *quote;
    const std::string frame = veu::agent::EncodeQuoteFrame(q);
    frame_bytes = frame.size();
    const absl::Time start = absl::Now();
    if (!file.Append(frame).ok()) return 1;
    micros.push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
    previous = veu::crypto::Sha256(quote->attest());
  }
  std::sort(micros.begin(), micros.end());
  double sum = 0;
  for (double m : micros) sum += m;
  std::printf("quotes %d, facts %zu B, frame %zu B/quote (quote %zu B of it), file %ju B\n", n,
              facts_bytes, frame_bytes, frame_bytes - facts_bytes,
              static_cast<uintmax_t>(std::filesystem::file_size(path)));
  std::printf("append+fdatasync per quote: mean %.0f us, p50 %.0f us, p99 %.0f us, max %.0f us\n",
              sum / micros.size(), micros[micros.size() / 2],
              micros[std::min(micros.size() - 1, micros.size() * 99 / 100)], micros.back());
  std::filesystem::remove(path);
  return 0;
}
