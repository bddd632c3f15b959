#include "common/facts/policy_pack.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <optional>
#include <vector>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/facts/catalogue.h"
#include "common/facts/control_params.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace veu::facts {
namespace {

class CollectFirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (first_.empty()) first_ = absl::StrFormat("%d:%d: %s", line + 1, column + 1, message);
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

bool IsCountryCode(const std::string& s) {
  return s.size() == 2 && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool IsDate(const std::string& s) {  // YYYY-MM-DD
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int month = (s[5] - '0') * 10 + (s[6] - '0');
  const int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// Line (1-based) of parameter `key` of control `index` in the text, or 0 when unknown.
using ParameterLine = std::function<int(int index, const std::string& key)>;

absl::Status ValidateTiers(const v1::CountryTiers& tiers) {
  absl::flat_hash_set<std::string> countries;
  bool tier1 = false, tier3 = false;
  for (const v1::Country& c : tiers.countries()) {
    if (!IsCountryCode(c.iso_code()) || c.tier() == v1::COUNTRY_TIER_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "country \"%s\" (%s) needs an ISO 3166-1 alpha-2 iso_code (two upper-case letters) "
          "and a tier",
          c.name(), c.iso_code()));
    }
    if (!countries.insert(c.iso_code()).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("country %s is listed twice in tiers", c.iso_code()));
    }
    tier1 |= c.tier() == v1::TIER_1;
    tier3 |= c.tier() == v1::TIER_3;
  }
  if (tier1 && tiers.tier1_source().empty()) {
    return absl::InvalidArgumentError("tiers list Tier 1 countries but give no tier1_source");
  }
  if (tier3 && tiers.tier3_source().empty()) {
    return absl::InvalidArgumentError("tiers list Tier 3 countries but give no tier3_source");
  }
  if (tiers.default_tier() != v1::COUNTRY_TIER_UNSPECIFIED && !tiers.complete()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "tiers set default_tier %s but are not `complete: true`: while the Tier 1 or Tier 3 "
        "list is a selection, an unlisted country cannot be given a tier",
        v1::CountryTier_Name(tiers.default_tier())));
  }
  if (tiers.complete() && tiers.default_tier() == v1::COUNTRY_TIER_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "tiers are `complete: true` but set no default_tier for the countries not listed");
  }
  return absl::OkStatus();
}

absl::Status ValidateCaps(const v1::PolicyPack& pack) {
  for (const v1::InstalledBaseCap& c : pack.caps().nveu_caps()) {
    if (!IsDate(c.applies_from()) || c.h100_equivalents() == 0 || c.source().empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "caps.nveu_caps entry \"%s\" needs applies_from (YYYY-MM-DD), h100_equivalents > 0 "
          "and a source",
          c.applies_from()));
    }
  }
  for (int i = 1; i < pack.caps().nveu_caps_size(); ++i) {
    const v1::InstalledBaseCap& before = pack.caps().nveu_caps(i - 1);
    const v1::InstalledBaseCap& c = pack.caps().nveu_caps(i);
    if (c.applies_from() <= before.applies_from() || c.h100_equivalents() < before.h100_equivalents()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "caps.nveu_caps must be in date order and phased upwards; %s (%d) follows %s (%d)",
          c.applies_from(), c.h100_equivalents(), before.applies_from(),
          before.h100_equivalents()));
    }
  }
  // One figure per rule: the VEU-06 control's shares and pack.caps must agree where both are set.
  for (const v1::Control& c : pack.controls()) {
    if (c.check() != v1::COMPUTE_DISTRIBUTION) continue;
    ParamReader r(c);
    const DistributionParams p = ReadDistributionParams(r);
    if (!r.error().ok()) return r.error();
    const struct {
      const char* name;
      double control, caps;
    } pairs[] = {{"min_tier1_share", p.min_tier1_share, pack.caps().uveu_min_tier1_share()},
                 {"max_single_non_tier1_share", p.max_single_non_tier1_share,
                  pack.caps().uveu_max_single_non_tier1_share()},
                 {"us_hq_min_us_share", p.us_hq_min_us_share, pack.caps().us_hq_min_us_share()}};
    for (const auto& pair : pairs) {
      if (pair.caps != 0 && pair.caps != pair.control) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "control %s: parameter `%s` is %g but caps give %g; one rule needs one figure",
            c.id(), pair.name, pair.control, pair.caps));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRule(const v1::Regulation& rule) {
  if (rule.citation().empty() || rule.status().empty() || rule.status_source().empty()) {
    return absl::InvalidArgumentError(
        "policy pack needs a `rule` block with citation, status and status_source (the rule "
        "it encodes and where it stands, e.g. \"rescinded 2025-05, replacement pending\")");
  }
  if (rule.sources().empty() || rule.paragraphs().empty()) {
    return absl::InvalidArgumentError(
        "the pack's `rule` block needs its sources and paragraphs (which rest on primary text)");
  }
  for (const v1::RegulationSource& s : rule.sources()) {
    if (s.citation().empty() || s.kind() == v1::TEXT_SOURCE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "rule source \"%s\" needs a citation and a kind (PRIMARY or SECONDARY)", s.citation()));
    }
  }
  for (const v1::RegulationParagraph& p : rule.paragraphs()) {
    if (p.paragraph().empty() || p.text_source() == v1::TEXT_SOURCE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "rule paragraph \"%s\" needs a name and a text_source (PRIMARY or SECONDARY)",
          p.paragraph()));
    }
  }
  return absl::OkStatus();
}

absl::Status Validate(const v1::PolicyPack& pack, const ParameterLine& line_of,
                      const std::function<int(int row)>& row_line_of,
                      const std::function<int(int index)>& control_line_of) {
  if (pack.id().empty() || pack.version().empty()) {
    return absl::InvalidArgumentError("policy pack needs `id` and `version`");
  }
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < pack.controls_size(); ++i) {
    const v1::Control& c = pack.controls(i);
    const std::string who = c.id().empty() ? absl::StrFormat("control #%d", i + 1)
                                           : absl::StrFormat("control %s", c.id());
    if (c.id().empty() || c.title().empty() || c.clause().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, " needs id, title and clause (the regulation paragraph it serves)"));
    }
    if (c.check() == v1::CHECK_KIND_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, " has no check kind; use NEEDS_EVIDENCE for document-only controls"));
    }
    if (!ids.insert(c.id()).second) {
      return absl::InvalidArgumentError(absl::StrCat(who, " is defined twice"));
    }
    if (c.text_source() == v1::TEXT_SOURCE_UNSPECIFIED || c.text_citation().empty()) {
      const int line = control_line_of ? control_line_of(i) : 0;
      return absl::InvalidArgumentError(absl::StrCat(
          line > 0 ? absl::StrFormat("line %d: ", line) : "", who,
          " needs text_source (PRIMARY or SECONDARY) and text_citation: whether its wording is "
          "the rule's own text or a secondary source's, and which"));
    }
    if (std::optional<ParameterProblem> p = FindParameterProblem(c)) {
      const int line = line_of && !p->key.empty() ? line_of(i, p->key) : 0;
      return absl::InvalidArgumentError(
          line > 0 ? absl::StrFormat("line %d: %s", line, p->message) : p->message);
    }
  }
  if (absl::Status s = ValidateRule(pack.rule()); !s.ok()) return s;
  if (absl::Status s = ValidateTiers(pack.tiers()); !s.ok()) return s;
  if (absl::Status s = ValidateCaps(pack); !s.ok()) return s;
  auto catalogue = Catalogue::Create(pack.catalogue());
  if (!catalogue.ok()) {
    // Name the line of the row that fails on its own (a PCI ID two rows share has none).
    for (int i = 0; row_line_of && i < pack.catalogue().models_size(); ++i) {
      v1::AcceleratorCatalogue one;
      *one.mutable_thresholds() = pack.catalogue().thresholds();
      *one.add_models() = pack.catalogue().models(i);
      if (!Catalogue::Create(one).ok()) {
        if (const int line = row_line_of(i); line > 0) {
          return absl::InvalidArgumentError(
              absl::StrFormat("line %d: %s", line, catalogue.status().message()));
        }
        break;
      }
    }
    return catalogue.status();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::PolicyPack> ParsePolicyPack(std::string_view text,
                                               std::string_view source_name) {
  if (text.size() > kMaxPolicyPackBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: policy pack is %d bytes, more than the %d allowed", source_name,
                        text.size(), kMaxPolicyPackBytes));
  }
  google::protobuf::TextFormat::Parser parser;
  CollectFirstError errors;
  parser.RecordErrorsTo(&errors);
  google::protobuf::TextFormat::ParseInfoTree locations;
  parser.WriteLocationsTo(&locations);
  v1::PolicyPack pack;
  const std::string copy(text);
  if (!parser.ParseFromString(copy, &pack)) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(source_name), ":", errors.first().empty() ? "0:0: parse error" : errors.first(),
        " (policy packs are veu.v1.PolicyPack in protobuf text format)"));
  }
  const std::vector<absl::string_view> lines =
      absl::StrSplit(absl::string_view(text.data(), text.size()), '\n');
  const auto* controls_field = v1::PolicyPack::descriptor()->FindFieldByName("controls");
  const auto* parameters_field = v1::Control::descriptor()->FindFieldByName("parameters");
  const ParameterLine line_of = [&](int index, const std::string& key) -> int {
    const auto* control = locations.GetTreeForNested(controls_field, index);
    if (control == nullptr) return 0;
    const std::string quoted = absl::StrCat("\"", key, "\"");
    for (int j = 0;; ++j) {
      const auto at = control->GetLocation(parameters_field, j);
      if (at.line < 0) return 0;
      // The entry's key is on its first line in the usual `parameters { key: "k" ... }` form.
      for (int l = at.line; l < at.line + 3 && l < static_cast<int>(lines.size()); ++l) {
        if (absl::StrContains(lines[l], quoted)) return l + 1;
      }
    }
  };
  const auto* catalogue_field = v1::PolicyPack::descriptor()->FindFieldByName("catalogue");
  const auto* models_field = v1::AcceleratorCatalogue::descriptor()->FindFieldByName("models");
  const auto row_line_of = [&](int row) -> int {
    const auto* catalogue = locations.GetTreeForNested(catalogue_field, -1);
    if (catalogue == nullptr) return 0;
    const auto at = catalogue->GetLocation(models_field, row);
    return at.line < 0 ? 0 : at.line + 1;
  };
  const auto control_line_of = [&](int index) -> int {
    const auto at = locations.GetLocation(controls_field, index);
    return at.line < 0 ? 0 : at.line + 1;
  };
  if (absl::Status s = Validate(pack, line_of, row_line_of, control_line_of); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(source_name), ": ", s.message()));
  }
  return pack;
}

absl::Status ValidatePolicyPack(const v1::PolicyPack& pack) {
  return Validate(pack, nullptr, nullptr, nullptr);
}

v1::RegulationStatement RegulationStatementOf(const v1::PolicyPack& pack) {
  v1::RegulationStatement out;
  out.set_policy_pack(absl::StrCat(pack.id(), "@", pack.version()));
  *out.mutable_regulation() = pack.rule();
  for (const v1::Control& c : pack.controls()) {
    v1::ControlBasis* b = out.add_controls();
    b->set_control(c.id());
    b->set_clause(c.clause());
    b->set_text_source(c.text_source());
    b->set_text_citation(c.text_citation());
    b->set_proxy(c.proxy());
  }
  return out;
}

absl::StatusOr<v1::PolicyPack> LoadPolicyPackFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrFormat("cannot open policy pack %s; check the path (--policy-pack)", path));
  }
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxPolicyPackBytes) {
      return absl::ResourceExhaustedError(
          absl::StrFormat("policy pack %s is larger than %d bytes", path, kMaxPolicyPackBytes));
    }
  }
  return ParsePolicyPack(text, path);
}

}  // namespace veu::facts
