#include "verifier/reports/ear_jwt.h"

#include <cmath>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "verifier/reports/ear.h"
#include "verifier/reports/jcs.h"
#include "verifier/reports/json_value.h"

namespace veu::verifier {
namespace {

constexpr char kHeader[] = R"({"alg":"ES256","typ":"JWT"})";

absl::StatusOr<JsonValue> ToJson(const google::protobuf::Value& v);

absl::StatusOr<JsonValue> ToJson(const google::protobuf::Struct& s) {
  JsonValue out;
  out.kind = JsonValue::Kind::kObject;
  for (const auto& [key, value] : s.fields()) {
    ASSIGN_OR_RETURN(JsonValue member, ToJson(value));
    out.object.emplace_back(key, std::move(member));
  }
  return out;
}

absl::StatusOr<JsonValue> ToJson(const google::protobuf::Value& v) {
  JsonValue out;
  switch (v.kind_case()) {
    case google::protobuf::Value::kBoolValue:
      out.kind = JsonValue::Kind::kBool;
      out.boolean = v.bool_value();
      return out;
    case google::protobuf::Value::kStringValue:
      out.kind = JsonValue::Kind::kString;
      out.string = v.string_value();
      return out;
    case google::protobuf::Value::kNumberValue: {
      const double d = v.number_value();
      if (!(std::fabs(d) <= static_cast<double>(kMaxJsonInteger)) || d != std::trunc(d)) {
        return absl::InvalidArgumentError(
            absl::StrCat("EAR claim number ", d, " is not an integer within 2^53"));
      }
      out.kind = JsonValue::Kind::kNumber;
      out.number = static_cast<int64_t>(d);
      return out;
    }
    case google::protobuf::Value::kStructValue:
      return ToJson(v.struct_value());
    case google::protobuf::Value::kListValue:
      out.kind = JsonValue::Kind::kArray;
      for (const auto& e : v.list_value().values()) {
        ASSIGN_OR_RETURN(JsonValue element, ToJson(e));
        out.array.push_back(std::move(element));
      }
      return out;
    default:
      return out;  // null
  }
}

// Strict base64url: no padding, and the text must be the canonical encoding of what it
// decodes to (no stray bits), so one token has one spelling.
absl::StatusOr<std::string> DecodePart(std::string_view part, const char* what) {
  std::string out;
  const absl::string_view text(part.data(), part.size());
  if (!absl::WebSafeBase64Unescape(text, &out) || absl::WebSafeBase64Escape(out) != text) {
    return absl::InvalidArgumentError(
        absl::StrCat("the JWT ", what, " is not canonical unpadded base64url"));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> EarJwt(const v1::SiteStatus& status, absl::Time iat,
                                   const std::string& build, const ReportSigner& signer,
                                   const v1::RegulationStatement* regulation) {
  ASSIGN_OR_RETURN(JsonValue claims, ToJson(SiteStatusToEar(status, iat, build, regulation)));
  const std::string signing_input = absl::StrCat(absl::WebSafeBase64Escape(kHeader), ".",
                                                 absl::WebSafeBase64Escape(CanonicalJson(claims)));
  ASSIGN_OR_RETURN(std::string signature, signer.SignEs256(signing_input));
  return absl::StrCat(signing_input, ".", absl::WebSafeBase64Escape(signature));
}

absl::StatusOr<std::string> VerifyEarJwt(std::string_view jwt, const ReportSignatureVerifier& key) {
  const std::vector<std::string> parts =
      absl::StrSplit(absl::string_view(jwt.data(), jwt.size()), '.');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError("a compact JWT has exactly three dot-separated parts");
  }
  ASSIGN_OR_RETURN(std::string header, DecodePart(parts[0], "header"));
  ASSIGN_OR_RETURN(std::string payload, DecodePart(parts[1], "payload"));
  ASSIGN_OR_RETURN(std::string signature, DecodePart(parts[2], "signature"));
  absl::StatusOr<std::string> canonical_header = CanonicalizeJson(header);
  if (!canonical_header.ok() || *canonical_header != kHeader) {
    // Anything else (another alg, "none", extra parameters such as jku) is refused.
    return absl::InvalidArgumentError(
        absl::StrCat("the JWT header must be ", kHeader, ", got ", header));
  }
  absl::StatusOr<JsonValue> claims = ParseJson(payload);
  if (!claims.ok() || claims->kind != JsonValue::Kind::kObject) {
    return absl::InvalidArgumentError("the JWT payload is not a JSON object");
  }
  const std::string signing_input = absl::StrCat(parts[0], ".", parts[1]);
  RETURN_IF_ERROR(key.VerifyEs256(signing_input, signature));
  return payload;
}

}  // namespace veu::verifier
