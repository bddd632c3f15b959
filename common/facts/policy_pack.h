// Policy pack loading: protobuf text format (deploy/policies/*.textproto) -> veu.v1.PolicyPack,
// checked so that a pack with a broken catalogue row or an anonymous control never loads.
#ifndef VEU_COMMON_FACTS_POLICY_PACK_H_
#define VEU_COMMON_FACTS_POLICY_PACK_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "veu/v1/policy.pb.h"

namespace veu::facts {

inline constexpr size_t kMaxPolicyPackBytes = 4 << 20;

// Parses `text` (protobuf text format) and validates it. Pure. `source_name` (a file name)
// prefixes errors, which name the line and column for syntax errors:
// InvalidArgument "veu-2025.textproto:12:7: ...". Unknown fields are errors.
absl::StatusOr<v1::PolicyPack> ParsePolicyPack(std::string_view text, std::string_view source_name);

// Checks a pack: id and version set; every control has id, title, clause and a check kind,
// ids are unique, and its parameters pass its kind's reader (control_params.h: no parameter
// the code never reads, none missing or outside its vocabulary); tiers name each country once by
// an ISO 3166-1 alpha-2 code, cite their Tier 1 / Tier 3 sources, and give unlisted countries a
// tier only when `complete`; the VEU-06 shares agree with caps; the catalogue passes
// Catalogue::Create (which needs thresholds). InvalidArgument naming the offending control
// (and parameter), country or catalogue row; through ParsePolicyPack, "line N:" too.
absl::Status ValidatePolicyPack(const v1::PolicyPack& pack);
// (Also checked: a `rule` block with citation, status, status_source, sources and paragraphs,
// each with its PRIMARY/SECONDARY kind; every control's text_source and text_citation, the
// control's line named through ParsePolicyPack.)

// What results carry of `pack` (reports, EAR results, `veuctl status --verbose`): "id@version",
// its `rule` block, and each control's clause, text source, citation and proxy mark. Pure.
v1::RegulationStatement RegulationStatementOf(const v1::PolicyPack& pack);

// Reads and parses the file at `path` (the only I/O in veu_facts; for mains and tests).
// NotFound / PermissionDenied from the file system, ResourceExhausted above
// kMaxPolicyPackBytes, otherwise as ParsePolicyPack.
absl::StatusOr<v1::PolicyPack> LoadPolicyPackFile(const std::string& path);

}  // namespace veu::facts

#endif  // VEU_COMMON_FACTS_POLICY_PACK_H_
