#include "common/facts/policy_pack.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/facts/catalogue.h"
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
  v1::PolicyPack pack;
  const std::string copy(text);
  if (!parser.ParseFromString(copy, &pack)) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(source_name), ":", errors.first().empty() ? "0:0: parse error" : errors.first(),
        " (policy packs are veu.v1.PolicyPack in protobuf text format)"));
  }
  if (absl::Status s = ValidatePolicyPack(pack); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(source_name), ": ", s.message()));
  }
  return pack;
}

absl::Status ValidatePolicyPack(const v1::PolicyPack& pack) {
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
  }
  absl::flat_hash_set<std::string> countries;
  for (const v1::Country& c : pack.tiers().countries()) {
    if (c.iso_code().size() != 2 || c.tier() == v1::COUNTRY_TIER_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "country \"%s\" (%s) needs a two-letter iso_code and a tier", c.name(), c.iso_code()));
    }
    if (!countries.insert(c.iso_code()).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("country %s is listed twice in tiers", c.iso_code()));
    }
  }
  auto catalogue = Catalogue::Create(pack.catalogue());
  if (!catalogue.ok()) return catalogue.status();
  return absl::OkStatus();
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
