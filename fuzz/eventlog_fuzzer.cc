// libFuzzer target for the event-log parser and everything that reads a parsed log:
// replay, digest binding, findings, facts, reference-value learning and appraisal, JSON.
// Build and run with fuzz/run.sh (clang-14, -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/eventlog/binding.h"
#include "common/eventlog/device_path.h"
#include "common/eventlog/efi_variable.h"
#include "common/eventlog/facts.h"
#include "common/eventlog/findings.h"
#include "common/eventlog/json.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/reference_values.h"
#include "common/eventlog/replay.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);

  // The sub-decoders also see raw input, so they are fuzzed beyond what real logs reach.
  (void)veu::eventlog::ParseEfiVariableData(bytes);
  (void)veu::eventlog::ParseSignatureDatabase(bytes);
  (void)veu::eventlog::DevicePathToText(bytes);
  (void)veu::eventlog::ParseImageLoadEvent(bytes);

  auto log = veu::eventlog::ParseEventLog(bytes);
  if (!log.ok()) return 0;
  const veu::eventlog::PcrValues pcrs = veu::eventlog::Replay(*log);
  (void)veu::eventlog::ExtendOperations(*log);
  const auto findings = veu::eventlog::FindStructuralProblems(*log);
  (void)veu::eventlog::EventLogToJson(*log, pcrs, findings);

  // Bind against the log's own replay with one PCR flipped, then against the real replay.
  veu::eventlog::PcrValues tampered = pcrs;
  if (!tampered.empty() && !tampered.begin()->second.empty()) {
    tampered.begin()->second.begin()->second[0] ^= 1;
  }
  (void)veu::eventlog::BindToQuote(*log, tampered);
  auto outcome = veu::eventlog::BindToQuote(*log, pcrs);
  if (!outcome.verified) return 0;
  (void)veu::eventlog::ExtractFacts(*outcome.verified);
  const veu::v1::ReferenceValues refs =
      veu::eventlog::LearnReferenceValues(*outcome.verified, "fuzz");
  (void)veu::eventlog::AppraiseAgainstReferenceValues(*outcome.verified, refs);
  return 0;
}
