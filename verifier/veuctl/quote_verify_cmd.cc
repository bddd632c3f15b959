// veuctl quote verify: checks what `tpm2_quote -m MSG -s SIG -o PCRS` wrote, with exactly the
// quote checks the verifier runs (common/tpm/quote.h).
//
//   veuctl quote verify --ak AK --message MSG --signature SIG --pcrs PCRS --nonce HEX [--json]
//
// AK is PEM/DER SubjectPublicKeyInfo or a TPM2B_PUBLIC (tpm2_createak -u). --nonce is compared
// directly with the quote's extraData (what tpm2_quote -q put there); --nonce '' skips that
// comparison with a NONCE_MISSING warning (freshness unproven). The quote must select exactly
// the PCRs in the PCR file. SHA-1 signatures are verified here with a warning (the verifier
// refuses them). Exit 0 accepted, 1 rejected (reason printed), 2 usage or unreadable input.
#include <fstream>
#include <google/protobuf/util/json_util.h>

#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"
#include "common/eventlog/json.h"
#include "common/hex.h"
#include "common/tpm/public_key.h"
#include "common/tpm/quote.h"
#include "common/tpm/tpm2_tools_files.h"
#include "verifier/appraisal/measured_boot.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/flags.h"

namespace veu::veuctl {
namespace {

constexpr size_t kMaxInputBytes = 1 << 20;  // every input is a few KiB at most

absl::StatusOr<std::string> ReadInput(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("--", flag, ": cannot open ", path));
  std::string data(kMaxInputBytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > kMaxInputBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": ", path, " is larger than 1 MiB; not a TPM output file"));
  }
  return data;
}

// JSON string literal of `s` (the same escaping `veuctl eventlog --json` uses).
std::string JsonString(std::string_view s) { return eventlog::JsonString(s); }

void PrintJson(const tpm::QuoteReport& report, const std::string& extra) {
  std::ostream& o = std::cout;
  const tpm::CheckResult* failure = tpm::FirstFailure(report.checks);
  o << "{\n  \"accepted\": " << (report.accepted() ? "true" : "false") << ",\n";
  o << "  \"reason\": " << JsonString(failure ? veu::v1::ReasonCode_Name(failure->reason) : "")
    << ",\n";
  o << "  \"checks\": [";
  for (size_t i = 0; i < report.checks.size(); ++i) {
    const auto& c = report.checks[i];
    o << (i ? "," : "") << "\n    {\"id\": " << JsonString(c.id)
      << ", \"status\": " << JsonString(tpm::CheckStatusName(c.status))
      << ", \"reason\": " << JsonString(veu::v1::ReasonCode_Name(c.reason))
      << ", \"detail\": " << JsonString(c.detail) << "}";
  }
  o << "\n  ]";
  if (report.verified) {
    const tpm::VerifiedQuote& v = *report.verified;
    o << ",\n  \"clock_info\": {\"clock\": " << v.clock_info().clock
      << ", \"reset_count\": " << v.clock_info().reset_count
      << ", \"restart_count\": " << v.clock_info().restart_count
      << ", \"safe\": " << (v.clock_info().safe ? "true" : "false") << "},\n";
    o << "  \"firmware_version\": " << JsonString(absl::StrFormat("0x%016x", v.firmware_version()))
      << ",\n";
    o << "  \"qualified_signer\": " << JsonString(ToHex(v.qualified_signer())) << ",\n";
    o << "  \"extra_data\": " << JsonString(ToHex(v.extra_data())) << ",\n";
    o << "  \"pcrs\": {";
    std::map<std::string, std::vector<const veu::v1::PcrValue*>> banks;
    std::vector<std::string> order;
    for (const auto& p : v.pcr_values()) {
      const std::string bank = crypto::HashAlgName(static_cast<uint16_t>(p.hash_alg()));
      if (!banks.count(bank)) order.push_back(bank);
      banks[bank].push_back(&p);
    }
    for (size_t b = 0; b < order.size(); ++b) {
      o << (b ? "," : "") << "\n    " << JsonString(order[b]) << ": {";
      const auto& values = banks[order[b]];
      for (size_t i = 0; i < values.size(); ++i) {
        o << (i ? ", " : "") << JsonString(std::to_string(values[i]->index())) << ": "
          << JsonString(ToHex(values[i]->digest()));
      }
      o << "}";
    }
    o << "\n  }";
  }
  o << extra << "\n}\n";
}

void PrintText(const tpm::QuoteReport& report) {
  for (const auto& c : report.checks) {
    std::cout << absl::StrFormat("%-8s %-22s %s\n", tpm::CheckStatusName(c.status), c.id, c.detail);
  }
  if (const tpm::CheckResult* f = tpm::FirstFailure(report.checks)) {
    std::cout << "REJECTED: " << veu::v1::ReasonCode_Name(f->reason) << " (" << f->id
              << "): " << f->detail << "\n";
    return;
  }
  const tpm::VerifiedQuote& v = *report.verified;
  std::cout << absl::StrFormat(
      "clock %d ms, resetCount %d, restartCount %d, safe %s, firmware 0x%016x\n",
      v.clock_info().clock, v.clock_info().reset_count, v.clock_info().restart_count,
      v.clock_info().safe ? "yes" : "no", v.firmware_version());
  for (const auto& p : v.pcr_values()) {
    std::cout << absl::StrFormat("  %s:%-2d %s\n",
                                 crypto::HashAlgName(static_cast<uint16_t>(p.hash_alg())),
                                 p.index(), ToHex(p.digest()));
  }
  std::cout << "ACCEPTED\n";
}

int RunQuoteVerify(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"ak", "message", "signature", "pcrs", "nonce", "eventlog"}, {"json"});
  if (!flags.ok()) {
    std::cerr << "veuctl quote verify: " << flags.status().message() << "\n";
    return kExitUsage;
  }
  std::map<std::string, std::string> in;
  for (const char* name : {"ak", "message", "signature", "pcrs", "nonce"}) {
    std::optional<std::string> v = flags->Get(name);
    if (!v) {
      std::cerr << "veuctl quote verify: --" << name
                << " is required (use --nonce '' to verify a quote without freshness)\n";
      return kExitUsage;
    }
    in[name] = *v;
  }
  if (!flags->positional.empty()) {
    std::cerr << "veuctl quote verify: unexpected argument '" << flags->positional[0] << "'\n";
    return kExitUsage;
  }
  std::map<std::string, std::string> files;
  for (const char* name : {"ak", "message", "signature", "pcrs"}) {
    absl::StatusOr<std::string> data = ReadInput(name, in[name]);
    if (!data.ok()) {
      std::cerr << "veuctl quote verify: " << data.status().message() << "\n";
      return kExitUsage;
    }
    files[name] = *std::move(data);
  }
  absl::StatusOr<tpm::AkPublicKey> ak = tpm::LoadAkPublic(files["ak"]);
  if (!ak.ok()) {
    std::cerr << "veuctl quote verify: --ak " << in["ak"] << ": " << ak.status().message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<tpm::Tpm2ToolsPcrs> pcrs = tpm::ParseTpm2ToolsPcrs(files["pcrs"]);
  if (!pcrs.ok()) {
    std::cerr << "veuctl quote verify: --pcrs " << in["pcrs"] << ": " << pcrs.status().message()
              << "\n";
    return kExitUsage;
  }
  tpm::QuoteExpectations expect;
  if (!in["nonce"].empty()) {
    absl::StatusOr<std::string> nonce = FromHex(in["nonce"]);
    if (!nonce.ok()) {
      std::cerr << "veuctl quote verify: --nonce: " << nonce.status().message() << "\n";
      return kExitUsage;
    }
    expect.qualifying_data = *nonce;
  }
  expect.pcr_selection = pcrs->selection;
  expect.allow_sha1 = true;  // offline: verify, but warn

  tpm::QuoteEvidence evidence{files["message"], files["signature"], pcrs->values};
  tpm::QuoteReport report = tpm::VerifyQuote(*ak, evidence, expect);
  for (const auto& c : report.checks) {
    if (c.status == tpm::CheckStatus::kWarn) {
      std::cerr << "warning: " << veu::v1::ReasonCode_Name(c.reason) << ": " << c.detail << "\n";
    }
  }
  // With --eventlog, the log is appraised exactly as the verifier does: only against the PCR
  // values of a quote that verified, and only then are its contents reported.
  std::string eventlog_json;
  std::ostringstream eventlog_text;
  bool eventlog_ok = true;
  if (auto path = flags->Get("eventlog")) {
    absl::StatusOr<std::string> log = ReadInput("eventlog", *path);
    if (!log.ok()) {
      std::cerr << "veuctl quote verify: " << log.status().message() << "\n";
      return kExitUsage;
    }
    if (report.verified) {
      verifier::MeasuredBootResult mb =
          verifier::AppraiseMeasuredBoot(*log, report.verified->pcr_values(), {});
      for (const auto& c : mb.checks) {
        eventlog_ok = eventlog_ok && c.status() != veu::v1::CHECK_FAIL;
        if (c.status() == veu::v1::CHECK_NOT_EVALUATED) eventlog_ok = false;
      }
      if (flags->Has("json")) {
        veu::v1::Appraisal holder;  // reuse the stored schema's JSON mapping
        holder.mutable_checks()->Assign(mb.checks.begin(), mb.checks.end());
        *holder.mutable_measured_boot() = mb.facts;
        std::string json;
        google::protobuf::util::JsonPrintOptions options;
        options.preserve_proto_field_names = true;
        (void)google::protobuf::util::MessageToJsonString(holder, &json, options);
        eventlog_json = ",\n  \"eventlog\": " + json;
      } else {
        eventlog_text << "event log " << *path << ":\n";
        for (const auto& c : mb.checks) {
          eventlog_text << absl::StrFormat("  %-14s %-22s %s%s\n",
                                       veu::v1::CheckStatus_Name(c.status()), c.check(),
                                       c.status() == veu::v1::CHECK_PASS
                                           ? ""
                                           : veu::v1::ReasonCode_Name(c.reason()) + ": ",
                                       c.detail());
        }
        if (mb.replayed) {
          const auto& sb = mb.facts.secure_boot();
          eventlog_text << "  secure boot: "
                    << (sb.evaluated() ? (sb.secure_boot() ? "on" : "off") : "not evaluated")
                    << "; boot applications: " << mb.facts.boot_applications_size()
                    << "; firmware: "
                    << (mb.facts.firmware_versions().empty() ? "-"
                                                             : mb.facts.firmware_versions(0))
                    << "\n";
          for (const auto& cmdline : mb.facts.kernel_cmdlines()) {
            eventlog_text << "  kernel command line: " << cmdline << "\n";
          }
        }
      }
    } else {
      eventlog_ok = false;
      std::cerr << "veuctl quote verify: the event log is not appraised: the quote did not verify\n";
    }
  }
  if (flags->Has("json")) {
    PrintJson(report, eventlog_json);
  } else {
    PrintText(report);
    std::cout << eventlog_text.str();
    if (report.accepted() && !eventlog_ok) {
      std::cout << "REJECTED: the event log does not appraise against this quote\n";
    }
  }
  return report.accepted() && eventlog_ok ? kExitAccepted : kExitRejected;
}

}  // namespace

VEUCTL_COMMAND(kQuoteVerify, "quote verify",
               "quote verify --ak AK --message MSG --signature SIG --pcrs PCRS --nonce HEX "
               "[--eventlog FILE] [--json]   check tpm2_quote output (AK as PEM or TPM2B_PUBLIC)",
               RunQuoteVerify);

}  // namespace veu::veuctl
