// veuctl ima: parses an IMA measurement log offline with the parser the verifier will use
// (common/ima/), checks every template hash, and prints each entry and the PCR values it
// replays to per bank; with --boot-log, replays the firmware event log (common/eventlog/) and
// checks the log's boot_aggregate against its PCRs.
//
//   veuctl ima FILE [--json] [--key PEM]... [--boot-log FIRMWARE_LOG] [--policy POLICY]
//
// FILE is binary_runtime_measurements (or a per-bank binary_runtime_measurements_<alg>, whose
// name gives the template-hash bank) or ascii_runtime_measurements; the form is detected.
// PCR values: every bank by the per-bank rule (Linux >= 5.8) under "pcrs"; non-SHA-1 banks also
// by the older zero-padded SHA-1 rule under "pcrs_padded_sha1" (no quote is given here, so which
// rule the node used is not decided: the verifier compares both with the quote, MatchingRule).
// Violations are counted, not findings. --key PEM (repeatable; public keys or certificates)
// checks every entry's v2 "sig" field (ima-sig, ima-modsig, custom) against the key with its
// key id (RSA or EC); an invalid, malformed, unverifiable or unknown-key signature is a
// finding, an entry without one is not (a runtime policy decides that). modsig (appended
// PKCS#7) and version 3 signatures (ima-sigv2) are not verified: the latter are findings.
// --policy POLICY (a veu.v1.RuntimePolicy textproto or binary, or Keylime runtime-policy JSON)
// appraises every entry against it as the verifier does (common/ima/runtime_appraisal.h): its
// findings carry IMA_* reason codes; boot_aggregate counts as checked when --boot-log is given.
// A warning (an unknown file under unknown_files: UNKNOWN_FILE_WARN) is printed, not a failure.
// Exit 0 when every check holds, 1 with findings, 2 for usage errors or unreadable input (a
// file that cannot be read or parsed as an IMA log or firmware event log; the error names the
// record or line and byte offset).
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"
#include "common/eventlog/json.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"
#include "common/hex.h"
#include "common/ima/ima_log.h"
#include "common/ima/ima_signature.h"
#include "common/ima/keylime_policy.h"
#include "common/ima/runtime_appraisal.h"
#include "common/ima/runtime_policy.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/flags.h"
#include "verifier/veuctl/ima_log_file.h"
#include "verifier/veuctl/input_file.h"

namespace veu::veuctl {
namespace {

struct Finding {
  size_t record = 0;
  std::string kind;
  std::string detail;
  bool warning = false;
};

std::string DigestText(const ima::Entry& e) {
  if (e.digest_alg.empty()) return ToHex(e.file_digest);
  std::string out = e.digest_type.empty() ? "" : e.digest_type + ":";
  return out + e.digest_alg + ":" + ToHex(e.digest);
}

std::string PcrsJson(const std::map<uint16_t, std::map<uint32_t, std::string>>& banks) {
  std::string out = "{";
  bool first_bank = true;
  for (const auto& [alg, pcrs] : banks) {
    out += absl::StrFormat("%s%s: {", first_bank ? "" : ", ",
                           eventlog::JsonString(crypto::HashAlgName(alg)));
    first_bank = false;
    bool first = true;
    for (const auto& [pcr, value] : pcrs) {
      out += absl::StrFormat("%s\"%d\": \"%s\"", first ? "" : ", ", pcr, ToHex(value));
      first = false;
    }
    out += "}";
  }
  return out + "}";
}

std::string EntryJson(const ima::Entry& e, const ima::SignatureCheck* sig) {
  std::string out = absl::StrFormat(
      "{\"record\": %d, \"offset\": %d, \"pcr\": %d, \"template\": %s, \"template_hash\": \"%s\", "
      "\"template_hash_ok\": %s, \"violation\": %s, \"file_digest\": %s, \"path\": %s",
      e.record, e.offset, e.pcr, eventlog::JsonString(e.template_name), ToHex(e.template_hash),
      e.template_hash_ok ? "true" : "false", e.violation ? "true" : "false",
      eventlog::JsonString(DigestText(e)), eventlog::JsonString(e.path));
  if (!e.signature.empty()) out += absl::StrFormat(", \"signature\": \"%s\"", ToHex(e.signature));
  if (!e.buf.empty()) out += absl::StrFormat(", \"buf\": \"%s\"", ToHex(e.buf));
  if (!e.modsig.empty()) out += absl::StrFormat(", \"modsig\": \"%s\"", ToHex(e.modsig));
  if (sig != nullptr) {
    out += absl::StrFormat(", \"signature_result\": \"%s\"", ima::SignatureResultName(sig->result));
  }
  return out + "}";
}

int RunIma(const std::vector<std::string>& all_args) {
  // --key may be given more than once: taken out here, the rest goes to the flag parser.
  std::vector<std::string> args, key_paths;
  for (size_t i = 0; i < all_args.size(); ++i) {
    if (all_args[i] == "--key" && i + 1 < all_args.size()) {
      key_paths.push_back(all_args[++i]);
    } else if (all_args[i].rfind("--key=", 0) == 0) {
      key_paths.push_back(all_args[i].substr(6));
    } else {
      args.push_back(all_args[i]);
    }
  }
  auto flags = ParseFlags(args, {"boot-log", "policy"}, {"json"});
  if (!flags.ok() || flags->positional.size() != 1) {
    std::cerr << "usage: veuctl ima FILE [--json] [--key PEM]... [--boot-log FIRMWARE_LOG] [--policy POLICY]\n";
    if (!flags.ok()) std::cerr << flags.status().message() << "\n";
    return kExitUsage;
  }
  std::vector<ima::VerificationKey> keys;
  for (const std::string& key_path : key_paths) {
    std::string pem;
    if (!ReadBounded(key_path, 1u << 20, &pem)) {
      std::cerr << "cannot read key " << key_path << "\n";
      return kExitUsage;
    }
    auto loaded = ima::LoadVerificationKeys(pem);
    if (!loaded.ok()) {
      std::cerr << "key " << key_path << ": " << loaded.status().message() << "\n";
      return kExitUsage;
    }
    keys.insert(keys.end(), loaded->begin(), loaded->end());
  }
  std::shared_ptr<const ima::RuntimePolicyIndex> policy;
  if (auto policy_path = flags->Get("policy")) {
    std::string policy_bytes;
    if (!ReadBounded(*policy_path, 256u << 20, &policy_bytes)) {
      std::cerr << "cannot read runtime policy " << *policy_path << "\n";
      return kExitUsage;
    }
    auto converted = ima::ParseRuntimePolicyFile(policy_bytes, *policy_path);
    auto index = converted.ok() ? ima::RuntimePolicyIndex::Build(converted->policy)
                                : absl::StatusOr<std::shared_ptr<const ima::RuntimePolicyIndex>>(converted.status());
    if (!index.ok()) {
      std::cerr << "runtime policy " << *policy_path << ": " << index.status().message() << "\n";
      return kExitUsage;
    }
    policy = *std::move(index);
  }
  const std::string& path = flags->positional[0];
  std::string bytes;
  std::optional<ima::ParsedLog> log = ReadImaLogFile(path, &bytes);
  if (!log) return kExitUsage;
  const bool ascii = ima::LooksAscii(bytes);  // for the output

  std::vector<Finding> findings;
  for (size_t record : log->bad_template_hashes) {
    const ima::Entry& e = log->entries[record];
    findings.push_back({record, "TEMPLATE_HASH_MISMATCH",
                        absl::StrFormat("record %d (%s, byte offset %d): template hash %s does "
                                        "not recompute from the template data",
                                        record, e.path, e.offset, ToHex(e.template_hash))});
  }
  for (const ima::Entry& e : log->entries) {
    if (!e.template_known) {
      findings.push_back({e.record, "UNKNOWN_TEMPLATE",
                          absl::StrFormat("record %d: template '%s' is neither built in nor a "
                                          "format string; its fields are not named",
                                          e.record, e.template_name)});
    }
  }

  std::vector<ima::SignatureCheck> sigs;
  if (!keys.empty()) {
    for (const ima::Entry& e : log->entries) {
      sigs.push_back(ima::CheckSignature(e, keys));
      const ima::SignatureCheck& c = sigs.back();
      if (c.result == ima::SignatureResult::kNone || c.result == ima::SignatureResult::kValid) continue;
      const char* kind = c.result == ima::SignatureResult::kInvalid      ? "SIGNATURE_INVALID"
                         : c.result == ima::SignatureResult::kUnknownKey ? "SIGNATURE_UNKNOWN_KEY"
                         : c.result == ima::SignatureResult::kMalformed  ? "SIGNATURE_MALFORMED"
                                                                         : "SIGNATURE_UNSUPPORTED";
      findings.push_back({e.record, kind, absl::StrFormat("record %d (%s): %s", e.record, e.path, c.detail)});
    }
  }

  std::vector<uint16_t> banks = {crypto::kAlgSha1, crypto::kAlgSha256};
  if (log->template_hash_alg != crypto::kAlgSha1 && log->template_hash_alg != crypto::kAlgSha256) {
    banks.push_back(log->template_hash_alg);
  }
  std::map<uint16_t, std::map<uint32_t, std::string>> per_bank, padded;
  for (uint16_t alg : banks) {
    per_bank[alg] = ima::Replay(*log, alg, ima::ExtendRule::kPerBank);
    if (alg != crypto::kAlgSha1 && log->template_hash_alg == crypto::kAlgSha1) {
      padded[alg] = ima::Replay(*log, alg, ima::ExtendRule::kPaddedSha1);
    }
  }

  std::string boot_json = "null";
  std::string boot_text;
  ima::RuntimeAppraisalOptions appraisal_options;
  if (auto boot_log_path = flags->Get("boot-log")) {
    std::string fw_bytes;
    if (!ReadBounded(*boot_log_path, eventlog::kMaxLogBytes, &fw_bytes)) {
      std::cerr << "cannot read firmware event log " << *boot_log_path << "\n";
      return kExitUsage;
    }
    auto fw = eventlog::ParseEventLog(fw_bytes);
    if (!fw.ok()) {
      std::cerr << "EVENTLOG_MALFORMED: " << *boot_log_path << ": " << fw.status().message() << "\n";
      return kExitUsage;
    }
    std::map<uint16_t, std::map<uint32_t, std::string>> fw_pcrs;
    for (const auto& [alg, bank] : eventlog::Replay(*fw)) {
      for (const auto& [pcr, value] : bank) fw_pcrs[alg][pcr] = value;
    }
    const ima::BootAggregateCheck c = ima::CheckBootAggregate(*log, fw_pcrs);
    if (c.present && !c.zero && c.bank_known) {
      appraisal_options.boot_aggregate =
          c.matches ? ima::BootAggregateState::kMatches : ima::BootAggregateState::kMismatch;
    }
    const std::string alg_name = c.alg != 0 ? crypto::HashAlgName(c.alg) : std::string("unknown");
    if (!c.present) {
      findings.push_back({0, "BOOT_AGGREGATE_MISSING", "the first entry is not boot_aggregate"});
    } else if (c.zero) {
      findings.push_back({0, "BOOT_AGGREGATE_ZERO",
                          "boot_aggregate is all zero: IMA found no TPM when it started"});
    } else if (!c.bank_known) {
      findings.push_back({0, "BOOT_AGGREGATE_BANK_MISSING",
                          absl::StrFormat("boot_aggregate is %s; the firmware log replays no "
                                          "such bank", log->entries[0].digest_alg)});
    } else if (!c.matches) {
      findings.push_back({0, "BOOT_AGGREGATE_MISMATCH",
                          absl::StrFormat("boot_aggregate %s:%s, the firmware log's PCRs 0-%d "
                                          "give %s", alg_name, ToHex(c.logged),
                                          c.alg == crypto::kAlgSha1 ? 7 : 9, ToHex(c.computed))});
    }
    boot_json = absl::StrFormat(
        "{\"alg\": %s, \"logged\": \"%s\", \"computed\": \"%s\", \"matches\": %s}",
        eventlog::JsonString(alg_name), ToHex(c.logged), ToHex(c.computed),
        c.matches ? "true" : "false");
    boot_text = c.matches ? absl::StrFormat("boot_aggregate %s:%s matches the firmware log\n",
                                            alg_name, ToHex(c.logged))
                          : std::string("boot_aggregate does not match the firmware log\n");
  }

  std::string policy_json = "null";
  std::string policy_text;
  if (policy) {
    ima::RuntimeAppraiser appraiser(policy);
    const ima::RuntimeAppraisal a = appraiser.Appraise(*log, 0, appraisal_options);
    for (const ima::RuntimeFinding& f : a.findings) {
      // Reported above by the log's own checks.
      if (f.reason == v1::IMA_TEMPLATE_HASH_MISMATCH || f.reason == v1::IMA_TEMPLATE_UNKNOWN ||
          f.reason == v1::IMA_BOOT_AGGREGATE_MISMATCH) {
        continue;
      }
      findings.push_back({f.record, v1::ReasonCode_Name(f.reason), f.detail, f.warning});
    }
    policy_json = absl::StrFormat(
        "{\"verdict\": \"%s\", \"appraised\": %d, \"by_digest\": %d, \"by_signature\": %d, "
        "\"by_keyring\": %d, \"excluded\": %d, \"findings_total\": %d}",
        ima::RuntimeVerdictName(a.verdict), a.appraised, a.by_digest, a.by_signature, a.by_keyring,
        a.excluded, a.findings_total);
    policy_text = absl::StrFormat(
        "runtime policy: %s (%d entries: %d by digest, %d by signature, %d keyring/buffer, %d "
        "excluded; %d findings%s)\n",
        ima::RuntimeVerdictName(a.verdict), a.appraised, a.by_digest, a.by_signature, a.by_keyring,
        a.excluded, a.findings_total,
        a.findings_total > a.findings.size()
            ? absl::StrFormat(", the first %d listed", a.findings.size())
            : std::string());
  }

  if (flags->Has("json")) {
    std::string out = "{\"form\": ";
    out += ascii ? "\"ascii\"" : "\"binary\"";
    out += absl::StrFormat(
        ", \"byte_order\": \"%s\", \"template_hash_alg\": %s, \"entries\": [",
        log->byte_order == ima::ByteOrder::kBigEndian ? "big-endian" : "little-endian",
        eventlog::JsonString(crypto::HashAlgName(log->template_hash_alg)));
    for (size_t i = 0; i < log->entries.size(); ++i) {
      out += (i ? ", " : "") + EntryJson(log->entries[i], sigs.empty() ? nullptr : &sigs[i]);
    }
    out += "], \"pcrs\": " + PcrsJson(per_bank);
    out += ", \"pcrs_padded_sha1\": " + PcrsJson(padded);
    out += absl::StrFormat(", \"violations\": %d, \"boot_aggregate\": %s, \"runtime_policy\": %s, "
                           "\"findings\": [",
                           log->violations, boot_json, policy_json);
    for (size_t i = 0; i < findings.size(); ++i) {
      out += absl::StrFormat("%s{\"record\": %d, \"kind\": %s, \"detail\": %s%s}", i ? ", " : "",
                             findings[i].record, eventlog::JsonString(findings[i].kind),
                             eventlog::JsonString(findings[i].detail),
                             findings[i].warning ? ", \"warning\": true" : "");
    }
    out += "]}\n";
    std::cout << out;
  } else {
    std::cout << absl::StrFormat("%s IMA log%s, %d entries, %s template hashes, %d violations\n",
                                 ascii ? "ASCII" : "binary",
                                 ascii ? "" : (log->byte_order == ima::ByteOrder::kBigEndian
                                                   ? " (big-endian)" : " (little-endian)"),
                                 log->entries.size(), crypto::HashAlgName(log->template_hash_alg),
                                 log->violations);
    for (const ima::Entry& e : log->entries) {
      std::string sig;
      if (!sigs.empty() && sigs[e.record].result != ima::SignatureResult::kNone) {
        sig = absl::StrFormat("  [signature %s]", ima::SignatureResultName(sigs[e.record].result));
      }
      std::cout << absl::StrFormat("  #%-5d PCR %-2d %-10s %s %s%s%s\n", e.record, e.pcr,
                                   e.template_name, e.violation ? "violation" : DigestText(e),
                                   e.path, e.template_hash_ok || e.violation ? "" : "  [template hash mismatch]",
                                   sig);
    }
    for (const auto& [alg, pcrs] : per_bank) {
      for (const auto& [pcr, value] : pcrs) {
        std::cout << absl::StrFormat("%-7s PCR %d %s%s\n", crypto::HashAlgName(alg), pcr,
                                     ToHex(value), alg == crypto::kAlgSha1 ? "" : "  (per-bank, Linux >= 5.8)");
      }
    }
    for (const auto& [alg, pcrs] : padded) {
      for (const auto& [pcr, value] : pcrs) {
        std::cout << absl::StrFormat("%-7s PCR %d %s  (padded SHA-1, before Linux 5.8)\n",
                                     crypto::HashAlgName(alg), pcr, ToHex(value));
      }
    }
    std::cout << boot_text << policy_text;
    for (const Finding& f : findings) {
      std::cout << (f.warning ? "warning " : "finding ") << f.kind << ": " << f.detail << "\n";
    }
  }
  for (const Finding& f : findings) {
    if (!f.warning) return kExitRejected;
  }
  return kExitAccepted;
}

}  // namespace

VEUCTL_COMMAND(kIma, "ima",
               "ima FILE [--json] [--key PEM]... [--boot-log FIRMWARE_LOG] [--policy POLICY]   parse "
               "an IMA log, check its template hashes, replay PCR 10 per bank, check "
               "boot_aggregate, appraise against a runtime policy",
               RunIma);

}  // namespace veu::veuctl
