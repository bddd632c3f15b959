// veuctl report verify: checks a signed report offline with the verifier's public key alone,
// the same code the verifier's own tests use (verifier/reports/). It tells a compliance report
// from an inventory report by its contents.
//
//   veuctl report verify FILE --verifier-key PEM [--earlier-checkpoint NOTE_FILE] [--json]
//
// FILE may also be an EAR attestation result as an ES256 JWT (`veuctl report ear`): its
// signature is checked with the same key and its claims printed.
// --verifier-key: the verifier's public key (a PEM private key is accepted, its public half
// used). --earlier-checkpoint: a signed checkpoint note of the same log you already hold; the
// report must carry a consistency proof from it. Exit 0 if the report holds ("OK: ..."), 1 if
// it does not (every finding printed, one per line), 2 for unusable input (unreadable files,
// a key that does not parse, a file that is not a signed report; the problem on stderr).
#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "common/rpc/tls.h"
#include "verifier/reports/any_report_verifier.h"
#include "verifier/reports/ear_jwt.h"
#include "verifier/reports/report_signer.h"
#include "verifier/reports/jcs.h"
#include "verifier/reports/json_value.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/flags.h"

namespace veu::veuctl {
namespace {

constexpr size_t kMaxReportBytes = 256u << 20;  // a busy site's month is tens of MiB
constexpr size_t kMaxKeyBytes = 64u << 10;

int Usage(const std::string& message) {
  std::cerr << "veuctl report verify: " << message << "\n";
  return kExitUsage;
}

verifier::JsonValue String(const std::string& s) {
  verifier::JsonValue v;
  v.kind = verifier::JsonValue::Kind::kString;
  v.string = s;
  return v;
}

verifier::JsonValue Number(uint64_t n) {
  verifier::JsonValue v;
  v.kind = verifier::JsonValue::Kind::kNumber;
  v.number = static_cast<int64_t>(std::min<uint64_t>(n, verifier::kMaxJsonInteger));
  return v;
}

verifier::JsonValue Bool(bool b) {
  verifier::JsonValue v;
  v.kind = verifier::JsonValue::Kind::kBool;
  v.boolean = b;
  return v;
}

std::string AsJson(const verifier::ReportVerification& v) {
  verifier::JsonValue out;
  out.kind = verifier::JsonValue::Kind::kObject;
  out.object.emplace_back("holds", Bool(v.holds()));
  out.object.emplace_back("kind", String(v.kind));
  out.object.emplace_back("report_id", String(v.report_id));
  out.object.emplace_back("verifier", String(v.verifier));
  out.object.emplace_back("subject", String(v.subject));
  out.object.emplace_back("period", String(v.period));
  out.object.emplace_back("verdict", String(v.verdict));
  out.object.emplace_back("items", Number(v.items));
  out.object.emplace_back("regulation", String(v.regulation));
  if (v.kind == "compliance") {
    out.object.emplace_back("tree_size", Number(v.tree_size));
    out.object.emplace_back("consistency_checked", Bool(v.consistency_checked));
  }
  if (v.kind == "compliance") {
    verifier::JsonValue gaps;
    gaps.kind = verifier::JsonValue::Kind::kArray;
    for (const std::string& g : v.offline_gaps) gaps.array.push_back(String(g));
    out.object.emplace_back("offline_gaps", std::move(gaps));
  }
  verifier::JsonValue findings;
  findings.kind = verifier::JsonValue::Kind::kArray;
  for (const std::string& f : v.findings) findings.array.push_back(String(f));
  out.object.emplace_back("findings", std::move(findings));
  return verifier::CanonicalJson(out);
}

std::string Summary(const verifier::ReportVerification& v) {
  if (v.kind == "inventory") {
    return absl::StrCat("inventory report ", v.report_id, " of ", v.subject, ", ", v.period, ", ",
                        v.items, " sites, ", v.verdict);
  }
  return absl::StrCat("compliance report ", v.report_id, " of site ", v.subject, ", ", v.period,
                      ", ", v.items, " appraisals against the checkpoint of tree size ",
                      v.tree_size, ", verdict at end ", v.verdict,
                      v.consistency_checked ? ", extends the earlier checkpoint" : "");
}

int RunReportVerify(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"verifier-key", "earlier-checkpoint"}, {"json"});
  if (!flags.ok()) return Usage(std::string(flags.status().message()));
  if (flags->positional.size() != 1) return Usage("exactly one report FILE is required");
  const std::optional<std::string> key_path = flags->Get("verifier-key");
  if (!key_path) return Usage("--verifier-key PEM is required");

  absl::StatusOr<std::string> report = ReadFileToString(flags->positional[0], kMaxReportBytes);
  if (!report.ok()) return Usage(std::string(report.status().message()));
  absl::StatusOr<std::string> key = ReadFileToString(*key_path, kMaxKeyBytes);
  if (!key.ok()) return Usage(std::string(key.status().message()));
  verifier::ReportVerifyOptions options;
  if (std::optional<std::string> note = flags->Get("earlier-checkpoint")) {
    absl::StatusOr<std::string> text = ReadFileToString(*note, kMaxKeyBytes);
    if (!text.ok()) return Usage(std::string(text.status().message()));
    options.earlier_checkpoint = *text;
  }

  // An EAR attestation result comes as a compact JWS (three base64url parts), not JSON.
  const std::string trimmed(absl::StripAsciiWhitespace(*report));
  if (!trimmed.empty() && trimmed.front() != '{' &&
      std::count(trimmed.begin(), trimmed.end(), '.') == 2) {
    absl::StatusOr<verifier::ReportSignatureVerifier> verifier =
        verifier::ReportSignatureVerifier::FromPem(*key);
    if (!verifier.ok()) return Usage(std::string(verifier.status().message()));
    absl::StatusOr<std::string> claims = verifier::VerifyEarJwt(trimmed, *verifier);
    if (!claims.ok()) {
      std::cout << "REJECTED: EAR JWT: " << claims.status().message() << "\n";
      return kExitRejected;
    }
    if (flags->Has("json")) {
      std::cout << *claims << "\n";
    } else {
      std::cout << "OK: EAR attestation result signed (ES256) by the verifier's key; claims:\n"
                << *claims << "\n";
    }
    return kExitAccepted;
  }
  absl::StatusOr<verifier::ReportVerification> v =
      verifier::VerifyAnyReport(*report, *key, options);
  if (!v.ok()) return Usage(std::string(v.status().message()));
  if (flags->Has("json")) {
    std::cout << AsJson(*v) << "\n";
  } else if (v->holds()) {
    std::cout << "OK: " << Summary(*v) << "\n";
    std::cout << "  rule: "
              << (v->regulation.empty() ? "none stated (the verifier ran without a policy pack)"
                                        : v->regulation)
              << "\n";
    if (!v->offline_gaps.empty()) {
      // What the agents' offline quotes showed (continuity, never freshness), as signed.
      std::cout << "  offline gaps: " << v->offline_gaps.size() << "\n";
      for (const std::string& g : v->offline_gaps) std::cout << "    " << LogField(g, 1200) << "\n";
    }
  } else {
    std::cout << "REJECTED: " << Summary(*v) << ": " << v->findings.size()
              << (v->findings.size() == 1 ? " finding" : " findings") << "\n";
    for (const std::string& f : v->findings) std::cout << "  - " << f << "\n";
  }
  return v->holds() ? kExitAccepted : kExitRejected;
}

}  // namespace

VEUCTL_COMMAND(kReportVerify, "report verify",
               "report verify FILE --verifier-key PEM [--earlier-checkpoint NOTE_FILE] [--json]",
               RunReportVerify);

}  // namespace veu::veuctl
