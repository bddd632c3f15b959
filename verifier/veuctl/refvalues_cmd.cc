// veuctl refvalues: reference values for measured boot, offline.
//
//   veuctl refvalues learn --eventlog FILE [--name NAME]
//       prints (JSON) a veu.v1.ReferenceValues that FILE satisfies, for an operator to review
//       and load; like Keylime's create_mb_refstate it trusts the log it is given.
//   veuctl refvalues check --eventlog FILE --refvalues FILE
//       appraises the log (bound to its own replay) against reference values and prints one
//       line per check.
//
// Exit 0 on success / all checks passed, 1 for a malformed log or a failed check, 2 for usage
// errors or unreadable files.
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/eventlog/binding.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/reference_values.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/flags.h"

namespace veu::veuctl {
namespace {

bool ReadFile(const std::string& path, size_t limit, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->resize(limit + 1);
  in.read(out->data(), static_cast<std::streamsize>(out->size()));
  out->resize(static_cast<size_t>(in.gcount()));
  return !in.bad();
}

// Parses FILE into a log trusted for offline review; prints the problem and sets *exit_code
// on failure.
std::optional<eventlog::VerifiedEventLog> LoadLog(const std::string& path, int* exit_code) {
  std::string bytes;
  if (!ReadFile(path, eventlog::kMaxLogBytes, &bytes)) {
    std::cerr << "cannot read event log " << path << "\n";
    *exit_code = kExitUsage;
    return std::nullopt;
  }
  auto log = eventlog::ParseEventLog(bytes);
  if (!log.ok()) {
    std::cerr << "EVENTLOG_MALFORMED: " << path << ": " << log.status().message() << "\n";
    *exit_code = kExitRejected;
    return std::nullopt;
  }
  return eventlog::TrustForOfflineReview(*log);
}

int RunLearn(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"eventlog", "name"}, {});
  if (!flags.ok() || !flags->Get("eventlog") || !flags->positional.empty()) {
    std::cerr << "usage: veuctl refvalues learn --eventlog FILE [--name NAME]\n";
    return kExitUsage;
  }
  int code = kExitAccepted;
  auto log = LoadLog(*flags->Get("eventlog"), &code);
  if (!log) return code;
  veu::v1::ReferenceValues refs =
      eventlog::LearnReferenceValues(*log, flags->Get("name").value_or("unnamed"));
  refs.set_source("learned by veuctl refvalues learn from " + *flags->Get("eventlog"));
  std::cout << eventlog::ReferenceValuesToJson(refs) << "\n";
  return kExitAccepted;
}

int RunCheck(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"eventlog", "refvalues"}, {});
  if (!flags.ok() || !flags->Get("eventlog") || !flags->Get("refvalues")) {
    std::cerr << "usage: veuctl refvalues check --eventlog FILE --refvalues FILE\n";
    return kExitUsage;
  }
  std::string text;
  if (!ReadFile(*flags->Get("refvalues"), 16u << 20, &text)) {
    std::cerr << "cannot read reference values " << *flags->Get("refvalues") << "\n";
    return kExitUsage;
  }
  auto refs = eventlog::ParseReferenceValues(text);
  if (!refs.ok()) {
    std::cerr << *flags->Get("refvalues") << ": " << refs.status().message() << "\n";
    return kExitUsage;
  }
  int code = kExitAccepted;
  auto log = LoadLog(*flags->Get("eventlog"), &code);
  if (!log) return code;
  auto checks = eventlog::AppraiseAgainstReferenceValues(*log, *refs);
  if (!checks.ok()) {
    std::cerr << checks.status().message() << "\n";
    return kExitUsage;
  }
  for (const veu::v1::CheckResult& c : *checks) {
    std::cout << absl::StrFormat(
        "%-22s %-20s %-28s %s\n", c.check(), veu::v1::CheckStatus_Name(c.status()),
        c.status() == veu::v1::CHECK_PASS ? "" : veu::v1::ReasonCode_Name(c.reason()), c.detail());
    if (c.status() == veu::v1::CHECK_FAIL) code = kExitRejected;
  }
  return code;
}

}  // namespace

VEUCTL_COMMAND(kRefvaluesLearn, "refvalues learn",
               "refvalues learn --eventlog FILE [--name NAME]   reference values from a good log",
               RunLearn);
VEUCTL_COMMAND(kRefvaluesCheck, "refvalues check",
               "refvalues check --eventlog FILE --refvalues FILE   appraise a log offline",
               RunCheck);

}  // namespace veu::veuctl
