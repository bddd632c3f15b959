#include "verifier/reports/ear.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <string_view>

namespace veu::verifier {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

Value Str(const std::string& s) {
  Value v;
  v.set_string_value(s);
  return v;
}
Value Num(double d) {
  Value v;
  v.set_number_value(d);
  return v;
}

bool StartsWith(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// AR4SI claim value of a group of checks: 2 all passed, 32 some not evaluated/needs evidence,
// 96 some failed (99 for a failed cryptographic validation), 0 no claim.
int ClaimOf(const veu::v1::Appraisal& a, bool (*selects)(const std::string&)) {
  int value = 0;
  for (const auto& c : a.checks()) {
    if (!selects(c.check())) continue;
    int v = 2;
    if (c.status() == veu::v1::CHECK_FAIL) v = 96;
    else if (c.status() != veu::v1::CHECK_PASS) v = 32;
    value = std::max(value, v);
  }
  return value;
}

bool IsQuoteCheck(const std::string& id) {
  return StartsWith(id, "attest.") || StartsWith(id, "signature.") || StartsWith(id, "quote.") ||
         StartsWith(id, "nonce.");
}
bool IsBootCheck(const std::string& id) {
  return StartsWith(id, "eventlog.") || StartsWith(id, "refvalue") ||
         id == "VEU-14.measured-boot" || id == "VEU-14.secure-boot";
}
bool IsConfigurationControl(const std::string& id) {
  return id == "VEU-14.privileged-access" || id == "VEU-14.remote-access" ||
         id == "VEU-14.audit-logging" || id == "VEU-14.firewall" ||
         id == "VEU-14.kernel-hardening";
}
bool IsStorageControl(const std::string& id) { return id == "VEU-08.weight-storage"; }
bool IsHardwareCheck(const std::string& id) {
  return IsQuoteCheck(id) || id == "VEU-10.inventory";
}

Value Bool(bool b) {
  Value v;
  v.set_bool_value(b);
  return v;
}

std::string SourceName(veu::v1::TextSource s) {
  return s == veu::v1::TEXT_SOURCE_UNSPECIFIED ? "UNSPECIFIED" : veu::v1::TextSource_Name(s);
}

const veu::v1::ControlBasis* BasisOf(const veu::v1::RegulationStatement* regulation,
                                     const std::string& control) {
  if (regulation == nullptr) return nullptr;
  for (const auto& b : regulation->controls()) {
    if (b.control() == control) return &b;
  }
  return nullptr;
}

Struct NodeSubmod(const veu::v1::AgentStatusSummary& node, const veu::v1::SiteStatus& site,
                  const veu::v1::RegulationStatement* regulation) {
  Struct submod;
  auto& f = *submod.mutable_fields();
  const veu::v1::Appraisal& a = node.latest();
  veu::v1::Verdict verdict = node.has_latest() ? a.verdict() : veu::v1::VERDICT_NONE;
  if (node.stale() && verdict != veu::v1::VERDICT_REJECT) verdict = veu::v1::VERDICT_STALE;
  f["ear_status"] = Str(EarStatusName(verdict));

  Struct vector;
  auto& tv = *vector.mutable_fields();
  if (node.has_latest()) {
    // A quote that failed cryptographically is 99 for identity and hardware.
    bool crypto_failed = false;
    for (const auto& c : a.checks()) {
      if (IsQuoteCheck(c.check()) && c.status() == veu::v1::CHECK_FAIL &&
          (c.reason() == veu::v1::QUOTE_SIGNATURE_INVALID || c.reason() == veu::v1::QUOTE_MALFORMED)) {
        crypto_failed = true;
      }
    }
    const int quote = crypto_failed ? 99 : ClaimOf(a, IsQuoteCheck);
    tv["instance-identity"] = Num(quote);
    tv["hardware"] = Num(crypto_failed ? 99 : ClaimOf(a, IsHardwareCheck));
    if (int v = ClaimOf(a, IsBootCheck)) tv["executables"] = Num(v);
    if (int v = ClaimOf(a, IsConfigurationControl)) tv["configuration"] = Num(v);
    if (int v = ClaimOf(a, IsStorageControl)) tv["storage-opaque"] = Num(v);
  }
  f["ear_trustworthiness_vector"].mutable_struct_value()->Swap(&vector);
  if (!a.policy_version().empty()) {
    f["ear_appraisal_policy_ids"].mutable_list_value()->add_values()->set_string_value(
        a.policy_version());
  }

  Struct claims;
  auto& vc = *claims.mutable_fields();
  vc["site"] = Str(site.site().name());
  vc["country"] = Str(site.site().country());
  vc["organisation"] = Str(site.site().organisation());
  vc["hostname"] = Str(node.agent().hostname());
  vc["appraisal_id"] = Str(a.id());
  vc["verdict"] = Str(veu::v1::Verdict_Name(verdict));
  auto* controls = vc["controls"].mutable_list_value();
  for (const auto& c : a.checks()) {
    Struct entry;
    (*entry.mutable_fields())["id"] = Str(c.check());
    (*entry.mutable_fields())["status"] = Str(veu::v1::CheckStatus_Name(c.status()));
    if (c.status() != veu::v1::CHECK_PASS) {
      (*entry.mutable_fields())["reason"] = Str(veu::v1::ReasonCode_Name(c.reason()));
    }
    if (const veu::v1::ControlBasis* b = BasisOf(regulation, c.check())) {
      (*entry.mutable_fields())["text_source"] = Str(SourceName(b->text_source()));
      if (b->proxy()) (*entry.mutable_fields())["proxy"] = Bool(true);
    }
    controls->add_values()->mutable_struct_value()->Swap(&entry);
  }
  f["ear_verifier_claims"].mutable_struct_value()->Swap(&claims);
  return submod;
}

}  // namespace

int EarStatusValue(veu::v1::Verdict verdict) {
  switch (verdict) {
    case veu::v1::VERDICT_ACCEPT: return 2;
    case veu::v1::VERDICT_WARN: return 32;
    case veu::v1::VERDICT_STALE: return 32;
    case veu::v1::VERDICT_REJECT: return 96;
    default: return 0;
  }
}

std::string EarStatusName(veu::v1::Verdict verdict) {
  switch (EarStatusValue(verdict)) {
    case 2: return "affirming";
    case 32: return "warning";
    case 96: return "contraindicated";
    default: return "none";
  }
}

Struct RegulationClaim(const veu::v1::RegulationStatement& regulation) {
  Struct claim;
  auto& f = *claim.mutable_fields();
  const veu::v1::Regulation& rule = regulation.regulation();
  f["policy_pack"] = Str(regulation.policy_pack());
  f["rule"] = Str(rule.citation());
  f["status"] = Str(rule.status());
  f["status_source"] = Str(rule.status_source());
  auto* sources = f["sources"].mutable_list_value();
  for (const auto& s : rule.sources()) {
    Struct e;
    (*e.mutable_fields())["citation"] = Str(s.citation());
    (*e.mutable_fields())["kind"] = Str(SourceName(s.kind()));
    sources->add_values()->mutable_struct_value()->Swap(&e);
  }
  auto* paragraphs = f["paragraphs"].mutable_list_value();
  for (const auto& p : rule.paragraphs()) {
    Struct e;
    (*e.mutable_fields())["paragraph"] = Str(p.paragraph());
    (*e.mutable_fields())["text_source"] = Str(SourceName(p.text_source()));
    if (!p.note().empty()) (*e.mutable_fields())["note"] = Str(p.note());
    if (p.unconfirmed()) (*e.mutable_fields())["unconfirmed"] = Bool(true);
    paragraphs->add_values()->mutable_struct_value()->Swap(&e);
  }
  auto* controls = f["controls"].mutable_list_value();
  for (const auto& b : regulation.controls()) {
    Struct e;
    (*e.mutable_fields())["id"] = Str(b.control());
    (*e.mutable_fields())["clause"] = Str(b.clause());
    (*e.mutable_fields())["text_source"] = Str(SourceName(b.text_source()));
    (*e.mutable_fields())["text_citation"] = Str(b.text_citation());
    (*e.mutable_fields())["proxy"] = Bool(b.proxy());
    controls->add_values()->mutable_struct_value()->Swap(&e);
  }
  return claim;
}

Struct SiteStatusToEar(const veu::v1::SiteStatus& status, absl::Time iat,
                       const std::string& build,
                       const veu::v1::RegulationStatement* regulation) {
  Struct ear;
  auto& f = *ear.mutable_fields();
  f["eat_profile"] = Str(kEarProfile);
  f["iat"] = Num(static_cast<double>(absl::ToUnixSeconds(iat)));
  Struct verifier_id;
  (*verifier_id.mutable_fields())["developer"] = Str("VEU Attest");
  (*verifier_id.mutable_fields())["build"] = Str(build);
  f["ear_verifier_id"].mutable_struct_value()->Swap(&verifier_id);
  Struct submods;
  for (const auto& node : status.agents()) {
    Struct submod = NodeSubmod(node, status, regulation);
    (*submods.mutable_fields())[node.agent().agent_id()].mutable_struct_value()->Swap(&submod);
  }
  f["submods"].mutable_struct_value()->Swap(&submods);
  if (regulation != nullptr) {
    Struct claim = RegulationClaim(*regulation);
    f["veu_regulation"].mutable_struct_value()->Swap(&claim);
  }
  return ear;
}

std::string SiteStatusToEarJson(const veu::v1::SiteStatus& status, absl::Time iat,
                                const std::string& build,
                                const veu::v1::RegulationStatement* regulation) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(SiteStatusToEar(status, iat, build, regulation), &out,
                                                    options);
  return out;
}

}  // namespace veu::verifier
