// veuctl eventlog: parses and replays a firmware event log offline with the code the verifier
// uses (common/eventlog/), and lists the structural findings appraisal would report.
//
//   veuctl eventlog FILE [--json]
//
// FILE is a binary_bios_measurements copy. Exit 0 for a well-formed log without findings,
// 1 for a malformed log (EVENTLOG_MALFORMED, with byte offset and record) or one with
// findings (each printed with its record and reason), 2 for usage errors or an unreadable FILE.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"
#include "common/eventlog/event_types.h"
#include "common/eventlog/findings.h"
#include "common/eventlog/json.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"
#include "common/hex.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/flags.h"

namespace veu::veuctl {
namespace {

// Reads at most one byte more than the parser accepts, so an oversized file is reported by
// the parser rather than loaded whole.
bool ReadBounded(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->resize(eventlog::kMaxLogBytes + 1);
  in.read(out->data(), static_cast<std::streamsize>(out->size()));
  out->resize(static_cast<size_t>(in.gcount()));
  return !in.bad();
}

void PrintText(const eventlog::UnverifiedEventLog& log, const eventlog::PcrValues& pcrs,
               const std::vector<veu::v1::EventLogFinding>& findings) {
  std::cout << absl::StrFormat(
      "%s log, %d records\n",
      log.format() == eventlog::LogFormat::kCryptoAgile ? "crypto-agile" : "SHA-1 legacy",
      log.events().size());
  if (eventlog::StartsWithHcrtm(log)) {
    std::cout << "PCR 0 starts at locality 4: H-CRTM (TPM2_HashStart before TPM2_Startup)\n";
  } else if (const uint8_t locality = eventlog::Pcr0InitialLocality(log); locality != 0) {
    std::cout << absl::StrFormat("PCR 0 starts at locality %d (StartupLocality)\n", locality);
  }
  for (const eventlog::Event& e : log.events()) {
    std::cout << absl::StrFormat("  #%-4d PCR %-2d %-34s %d bytes\n", e.record, e.pcr,
                                 eventlog::EventTypeName(e.type), e.data.size());
  }
  for (const auto& [alg, bank] : pcrs) {
    for (const auto& [pcr, value] : bank) {
      std::cout << absl::StrFormat("%s PCR %-2d %s\n", crypto::HashAlgName(alg), pcr, ToHex(value));
    }
  }
  for (const auto& f : findings) {
    std::cout << absl::StrFormat("finding %s: %s\n", veu::v1::ReasonCode_Name(f.reason()),
                                 f.detail());
  }
}

int RunEventLog(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {}, {"json"});
  if (!flags.ok() || flags->positional.size() != 1) {
    std::cerr << "usage: veuctl eventlog FILE [--json]\n";
    if (!flags.ok()) std::cerr << flags.status().message() << "\n";
    return kExitUsage;
  }
  const std::string& path = flags->positional[0];
  std::string bytes;
  if (!ReadBounded(path, &bytes)) {
    std::cerr << "cannot read event log " << path << "\n";
    return kExitUsage;
  }
  auto log = eventlog::ParseEventLog(bytes);
  if (!log.ok()) {
    std::cerr << "EVENTLOG_MALFORMED: " << path << ": " << log.status().message() << "\n";
    return kExitRejected;
  }
  const eventlog::PcrValues pcrs = eventlog::Replay(*log);
  const auto findings = eventlog::FindStructuralProblems(*log);
  if (flags->Has("json")) {
    std::cout << eventlog::EventLogToJson(*log, pcrs, findings);
  } else {
    PrintText(*log, pcrs, findings);
  }
  return findings.empty() ? kExitAccepted : kExitRejected;
}

}  // namespace

VEUCTL_COMMAND(kEventLog, "eventlog",
               "eventlog FILE [--json]   parse, replay and check a firmware event log",
               RunEventLog);

}  // namespace veu::veuctl
