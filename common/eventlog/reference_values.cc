#include "common/eventlog/reference_values.h"

#include <algorithm>
#include <map>
#include <optional>
#include <regex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"
#include "common/check_result.h"
#include "common/eventlog/efi_variable.h"
#include "common/eventlog/facts.h"
#include "common/hex.h"
#include "common/status_macros.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"

namespace veu::eventlog {
namespace {

using veu::v1::CheckResult;
using veu::v1::CheckStatus;
using veu::v1::ReasonCode;

CheckResult Result(std::string check, CheckStatus status, ReasonCode reason, std::string detail) {
  return MakeCheckResult(std::move(check), status, reason, std::move(detail));
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::string RegexEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

const veu::v1::SecureBootVariable* Variable(const veu::v1::SecureBootFacts& sb,
                                            std::string_view component) {
  if (component == "pk") return &sb.pk();
  if (component == "kek") return &sb.kek();
  if (component == "db") return &sb.db();
  if (component == "dbx") return &sb.dbx();
  return nullptr;
}

std::optional<std::string> DigestOf(
    const google::protobuf::RepeatedPtrField<veu::v1::DigestValue>& ds, uint32_t alg) {
  for (const auto& d : ds) {
    if (d.hash_alg() == alg) return d.digest();
  }
  return std::nullopt;
}

// One "refvalue.<component>" check.
absl::StatusOr<CheckResult> CheckAllowed(const VerifiedEventLog& log,
                                         const veu::v1::MeasuredBootFacts& facts,
                                         const veu::v1::AllowedDigests& allowed) {
  const std::string id = "refvalue." + allowed.component();
  const std::string alg = crypto::HashAlgName(static_cast<uint16_t>(allowed.hash_alg()));
  auto not_evaluated = [&](std::string why) {
    return Result(id, veu::v1::CHECK_NOT_EVALUATED, veu::v1::EVENTLOG_BANK_MISSING, why);
  };
  auto judge = [&](std::string_view what, std::string_view value) {
    if (Contains(allowed.digests(), value)) {
      return Result(id, veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
                    absl::StrFormat("%s %s is allowed", what, ToHex(value)));
    }
    return Result(
        id, veu::v1::CHECK_FAIL, veu::v1::REFERENCE_VALUE_MISMATCH,
        absl::StrFormat("%s is %s, which the reference values do not allow", what, ToHex(value)));
  };
  const std::string& c = allowed.component();
  if (c == "pcr") {
    auto bank = log.replayed().find(static_cast<uint16_t>(allowed.hash_alg()));
    if (!log.IsBound(allowed.pcr()) || bank == log.replayed().end() ||
        !bank->second.count(allowed.pcr())) {
      return not_evaluated(
          absl::StrFormat("PCR %d (%s) is not bound to the quote", allowed.pcr(), alg));
    }
    return judge(absl::StrFormat("PCR %d (%s)", allowed.pcr(), alg),
                 bank->second.at(allowed.pcr()));
  }
  if (c == "boot_application") {
    if (!log.IsBound(4) || facts.boot_applications().empty()) {
      return not_evaluated("no boot application in a bound PCR 4");
    }
    for (const auto& app : facts.boot_applications()) {
      auto d = DigestOf(app.digests(), allowed.hash_alg());
      if (!d) return not_evaluated(absl::StrFormat("boot application has no %s digest", alg));
      CheckResult r = judge(
          absl::StrFormat("boot application %s (record %d)", app.device_path(), app.record()), *d);
      if (r.status() != veu::v1::CHECK_PASS) return r;
    }
    return Result(
        id, veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
        absl::StrFormat("all %d boot applications are allowed", facts.boot_applications_size()));
  }
  if (c == "kernel" || c == "initrd") {
    const veu::v1::MeasuredFile& f = c == "kernel" ? facts.kernel() : facts.initrd();
    auto d = DigestOf(f.digests(), allowed.hash_alg());
    if (f.path().empty() || !d)
      return not_evaluated(absl::StrFormat("no %s measured in %s", c, alg));
    return judge(absl::StrFormat("%s %s", c, f.path()), *d);
  }
  if (const veu::v1::SecureBootVariable* v = Variable(facts.secure_boot(), c)) {
    if (!v->present()) return not_evaluated(absl::StrFormat("%s was not measured in PCR 7", c));
    return judge(absl::StrFormat("%s (sha256 of its value)", c), v->sha256());
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "reference values name unknown component '%s'; use pcr, boot_application, kernel, "
      "initrd, pk, kek, db or dbx",
      c));
}

bool Matches(const veu::v1::EventLogFinding& f, const veu::v1::ExpectedFinding& want) {
  if (f.pcr() != want.pcr() || f.event_type() != want.event_type() ||
      f.reason() != want.reason()) {
    return false;
  }
  return std::any_of(f.digests().begin(), f.digests().end(), [&](const veu::v1::DigestValue& d) {
    return d.hash_alg() == want.hash_alg() && d.digest() == want.digest();
  });
}

bool OfKind(const veu::v1::EventLogFinding& f, const veu::v1::FindingKind& kind) {
  return f.reason() == kind.reason() &&
         (kind.pcrs().empty() ||
          std::find(kind.pcrs().begin(), kind.pcrs().end(), f.pcr()) != kind.pcrs().end());
}

// One "eventlog.structure" result for one finding of the appraised log.
CheckResult JudgeFinding(const veu::v1::EventLogFinding& f, const veu::v1::ReferenceValues& refs) {
  for (const auto& want : refs.expected_findings()) {
    if (Matches(f, want)) {
      return Result("eventlog.structure", veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
                    absl::StrCat("expected (the known-good log has it): ", f.detail()));
    }
  }
  for (const auto& kind : refs.allowed_finding_kinds()) {
    if (OfKind(f, kind)) {
      return Result("eventlog.structure", veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
                    absl::StrFormat("allowed kind %s: %s", veu::v1::ReasonCode_Name(f.reason()),
                                    f.detail()));
    }
  }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const bool legacy_allow_all = refs.allow_findings();
#pragma GCC diagnostic pop
  if (legacy_allow_all) {
    return Result("eventlog.structure", veu::v1::CHECK_NEEDS_EVIDENCE, f.reason(),
                  absl::StrCat(f.detail(),
                               " (let through by the withdrawn allow_findings; relearn this "
                               "class's reference values to baseline its findings)"));
  }
  return Result(
      "eventlog.structure", veu::v1::CHECK_FAIL, f.reason(),
      absl::StrFormat("%s; not among the %d findings the reference values expect", f.detail(),
                      refs.expected_findings_size()));
}

}  // namespace

absl::StatusOr<std::vector<CheckResult>> AppraiseAgainstReferenceValues(
    const VerifiedEventLog& log, const veu::v1::ReferenceValues& refs) {
  std::vector<CheckResult> out;
  const veu::v1::MeasuredBootFacts facts = ExtractFacts(log);

  if (facts.findings().empty()) {
    out.push_back(Result("eventlog.structure", veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
                         "no structural findings"));
  }
  for (const auto& f : facts.findings()) out.push_back(JudgeFinding(f, refs));

  const veu::v1::SecureBootFacts& sb = facts.secure_boot();
  if (refs.secure_boot_required()) {
    if (!log.IsBound(7)) {
      out.push_back(Result("secureboot.enabled", veu::v1::CHECK_NOT_EVALUATED,
                           veu::v1::EVENTLOG_BANK_MISSING, "PCR 7 is not bound to the quote"));
    } else if (!sb.evaluated()) {
      out.push_back(Result("secureboot.enabled", veu::v1::CHECK_NOT_EVALUATED,
                           veu::v1::SECURE_BOOT_DISABLED,
                           "the log does not measure the SecureBoot variable"));
    } else if (!sb.secure_boot() || sb.setup_mode()) {
      out.push_back(Result("secureboot.enabled", veu::v1::CHECK_FAIL, veu::v1::SECURE_BOOT_DISABLED,
                           sb.setup_mode() ? "the platform is in Setup Mode"
                                           : "SecureBoot is 0: enable Secure Boot in firmware"));
    } else {
      out.push_back(Result("secureboot.enabled", veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
                           "SecureBoot is 1 and the platform is in User Mode"));
    }
  }

  if (!refs.required_dbx_sha256().empty()) {
    if (!sb.dbx().present()) {
      out.push_back(Result("secureboot.dbx", veu::v1::CHECK_NOT_EVALUATED,
                           veu::v1::DBX_ENTRY_MISSING, "dbx was not measured in a bound PCR 7"));
    } else {
      std::vector<std::string> missing;
      for (const std::string& want : refs.required_dbx_sha256()) {
        bool found = std::any_of(sb.dbx().entries().begin(), sb.dbx().entries().end(),
                                 [&](const auto& e) { return e.data() == want; });
        if (!found) missing.push_back(ToHex(want));
      }
      if (missing.empty()) {
        out.push_back(Result(
            "secureboot.dbx", veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
            absl::StrFormat("dbx holds all %d required entries", refs.required_dbx_sha256_size())));
      } else {
        out.push_back(Result(
            "secureboot.dbx", veu::v1::CHECK_FAIL, veu::v1::DBX_ENTRY_MISSING,
            absl::StrFormat("dbx lacks %d of the %d required revocations (first: "
                            "%s); apply the current dbx update",
                            missing.size(), refs.required_dbx_sha256_size(), missing.front())));
      }
    }
  }

  if (!refs.kernel_cmdline_patterns().empty()) {
    std::vector<std::regex> patterns;
    for (const std::string& p : refs.kernel_cmdline_patterns()) {
      try {
        patterns.emplace_back(p, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "kernel_cmdline_patterns entry '%s' is not a valid regex: %s", p, e.what()));
      }
    }
    if (facts.kernel_cmdlines().empty()) {
      out.push_back(Result("kernel.cmdline", veu::v1::CHECK_NOT_EVALUATED,
                           veu::v1::KERNEL_CMDLINE_REFUSED,
                           "no kernel command line measured in a bound PCR 8 or 12"));
    } else {
      const std::string* refused = nullptr;
      for (const std::string& cmdline : facts.kernel_cmdlines()) {
        bool ok = std::any_of(patterns.begin(), patterns.end(),
                              [&](const std::regex& re) { return std::regex_match(cmdline, re); });
        if (!ok && refused == nullptr) refused = &cmdline;
      }
      out.push_back(
          refused ? Result("kernel.cmdline", veu::v1::CHECK_FAIL, veu::v1::KERNEL_CMDLINE_REFUSED,
                           absl::StrFormat("kernel command line '%s' matches no "
                                           "allowed pattern",
                                           *refused))
                  : Result("kernel.cmdline", veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
                           "every kernel command line matches an allowed pattern"));
    }
  }

  if (!refs.firmware_versions().empty()) {
    if (facts.firmware_versions().empty()) {
      out.push_back(Result("firmware.version", veu::v1::CHECK_NOT_EVALUATED,
                           veu::v1::FIRMWARE_VERSION_REFUSED,
                           "no EV_S_CRTM_VERSION in a bound PCR 0"));
    } else {
      const std::string* refused = nullptr;
      for (const std::string& v : facts.firmware_versions()) {
        if (!Contains(refs.firmware_versions(), v) && refused == nullptr) refused = &v;
      }
      out.push_back(refused
                        ? Result("firmware.version", veu::v1::CHECK_FAIL,
                                 veu::v1::FIRMWARE_VERSION_REFUSED,
                                 absl::StrFormat("firmware version '%s' is not allowed", *refused))
                        : Result("firmware.version", veu::v1::CHECK_PASS,
                                 veu::v1::REASON_UNSPECIFIED, "firmware version is allowed"));
    }
  }

  for (const veu::v1::AllowedDigests& allowed : refs.allowed()) {
    ASSIGN_OR_RETURN(CheckResult r, CheckAllowed(log, facts, allowed));
    out.push_back(std::move(r));
  }
  return out;
}

veu::v1::ReferenceValues LearnReferenceValues(const VerifiedEventLog& log, std::string_view name) {
  veu::v1::ReferenceValues refs;
  refs.set_name(std::string(name));
  const veu::v1::MeasuredBootFacts facts = ExtractFacts(log);
  for (const auto& [alg, bank] : log.replayed()) {
    for (const auto& [pcr, value] : bank) {
      if (pcr > 7 || !log.IsBound(pcr)) continue;
      veu::v1::AllowedDigests* a = refs.add_allowed();
      a->set_component("pcr");
      a->set_pcr(pcr);
      a->set_hash_alg(alg);
      a->add_digests(value);
    }
  }
  std::map<uint32_t, veu::v1::AllowedDigests> apps;
  for (const auto& app : facts.boot_applications()) {
    for (const auto& d : app.digests()) {
      veu::v1::AllowedDigests& a = apps[d.hash_alg()];
      a.set_component("boot_application");
      a.set_pcr(4);
      a.set_hash_alg(d.hash_alg());
      if (!Contains(a.digests(), d.digest())) a.add_digests(d.digest());
    }
  }
  for (auto& [alg, a] : apps) *refs.add_allowed() = a;
  for (const auto* f : {&facts.kernel(), &facts.initrd()}) {
    if (f->path().empty()) continue;
    for (const auto& d : f->digests()) {
      veu::v1::AllowedDigests* a = refs.add_allowed();
      a->set_component(f == &facts.kernel() ? "kernel" : "initrd");
      a->set_pcr(9);
      a->set_hash_alg(d.hash_alg());
      a->add_digests(d.digest());
    }
  }
  const veu::v1::SecureBootFacts& sb = facts.secure_boot();
  for (std::string_view c : {"pk", "kek", "db", "dbx"}) {
    const veu::v1::SecureBootVariable* v = Variable(sb, c);
    if (!v->present()) continue;
    veu::v1::AllowedDigests* a = refs.add_allowed();
    a->set_component(std::string(c));
    a->set_pcr(7);
    a->set_hash_alg(crypto::kAlgSha256);
    a->add_digests(v->sha256());
  }
  refs.set_secure_boot_required(sb.evaluated() && sb.secure_boot());
  for (const auto& e : sb.dbx().entries()) {
    if (e.signature_type() == CertSha256Guid().ToString()) refs.add_required_dbx_sha256(e.data());
  }
  for (const std::string& c : facts.kernel_cmdlines()) {
    if (!Contains(refs.kernel_cmdline_patterns(), RegexEscape(c))) {
      refs.add_kernel_cmdline_patterns(RegexEscape(c));
    }
  }
  for (const std::string& v : facts.firmware_versions()) {
    if (!Contains(refs.firmware_versions(), v)) refs.add_firmware_versions(v);
  }
  for (const auto& f : facts.findings()) {
    if (f.digests().empty()) continue;  // no known bank: nothing to recognise it by
    // SHA-256 where the event has it, else its first known bank.
    const veu::v1::DigestValue* pick = &f.digests(0);
    for (const auto& d : f.digests()) {
      if (d.hash_alg() == crypto::kAlgSha256) pick = &d;
    }
    veu::v1::ExpectedFinding* e = refs.add_expected_findings();
    e->set_pcr(f.pcr());
    e->set_event_type(f.event_type());
    e->set_reason(f.reason());
    e->set_hash_alg(pick->hash_alg());
    e->set_digest(pick->digest());
    e->set_detail(f.detail());
  }
  return refs;
}

namespace {

absl::StatusOr<veu::v1::ReferenceValues> CheckUsable(veu::v1::ReferenceValues refs) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const bool allow_all = refs.allow_findings();
#pragma GCC diagnostic pop
  if (allow_all) {
    return absl::InvalidArgumentError(
        "reference values set allow_findings, which is withdrawn (it accepted every finding of "
        "every kind): remove it and relearn the set from a known-good log (`veuctl refvalues "
        "learn` records that log's findings as expected_findings), or list the kinds to accept "
        "as allowed_finding_kinds, e.g. {reason: EVENTLOG_EVENT_AFTER_SEPARATOR, pcrs: [2]}");
  }
  for (const auto& kind : refs.allowed_finding_kinds()) {
    if (kind.reason() == veu::v1::REASON_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          "an allowed_finding_kinds entry names no reason; give the finding's EVENTLOG_* reason");
    }
  }
  return refs;
}

}  // namespace

absl::StatusOr<veu::v1::ReferenceValues> ParseReferenceValues(std::string_view text) {
  veu::v1::ReferenceValues refs;
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != text.npos && text[first] == '{') {
    auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(text.data(), text.size()), &refs);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("reference values are not valid veu.v1.ReferenceValues JSON: %s",
                          std::string(status.message())));
    }
    return CheckUsable(std::move(refs));
  }
  if (!google::protobuf::TextFormat::ParseFromString(std::string(text), &refs)) {
    return absl::InvalidArgumentError(
        "reference values are neither JSON nor text-format veu.v1.ReferenceValues");
  }
  return CheckUsable(std::move(refs));
}

std::string ReferenceValuesToJson(const veu::v1::ReferenceValues& refs) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(refs, &out, options);
  return out;
}

}  // namespace veu::eventlog
