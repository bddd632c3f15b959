#include "common/eventlog/reference_values.h"

#include <algorithm>
#include <map>
#include <optional>
#include <regex>

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

}  // namespace

absl::StatusOr<std::vector<CheckResult>> AppraiseAgainstReferenceValues(
    const VerifiedEventLog& log, const veu::v1::ReferenceValues& refs) {
  std::vector<CheckResult> out;
  const veu::v1::MeasuredBootFacts facts = ExtractFacts(log);

  if (facts.findings().empty()) {
    out.push_back(Result("eventlog.structure", veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
                         "no structural findings"));
  }
  for (const auto& f : facts.findings()) {
    out.push_back(
        Result("eventlog.structure",
               refs.allow_findings() ? veu::v1::CHECK_NEEDS_EVIDENCE : veu::v1::CHECK_FAIL,
               f.reason(), f.detail()));
  }

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
  return refs;
}

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
    return refs;
  }
  if (!google::protobuf::TextFormat::ParseFromString(std::string(text), &refs)) {
    return absl::InvalidArgumentError(
        "reference values are neither JSON nor text-format veu.v1.ReferenceValues");
  }
  return refs;
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
