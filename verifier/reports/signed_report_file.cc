#include "verifier/reports/signed_report_file.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "verifier/reports/jcs.h"

namespace veu::verifier {
namespace {

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = pretty;
  std::string out;
  const auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("printing the report as JSON failed: ", std::string(status.message())));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> WriteSignedReport(const google::protobuf::Message& report,
                                              const ReportSigner& signer) {
  ASSIGN_OR_RETURN(std::string report_json, ToJson(report, /*pretty=*/true));
  ASSIGN_OR_RETURN(std::string canonical, CanonicalizeJson(report_json));
  ASSIGN_OR_RETURN(v1::ReportSignature signature, signer.Sign(canonical));
  ASSIGN_OR_RETURN(std::string signature_json, ToJson(signature, /*pretty=*/false));
  while (!report_json.empty() && report_json.back() == '\n') report_json.pop_back();
  return absl::StrCat("{\"report\": ", report_json, ",\n\"signature\": ", signature_json,
                      "}\n");
}

absl::StatusOr<OpenedReportFile> OpenReportFile(std::string_view file_text) {
  absl::StatusOr<JsonValue> file = ParseJson(file_text);
  if (!file.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the report file is not valid JSON: ", std::string(file.status().message())));
  }
  if (file->kind != JsonValue::Kind::kObject) {
    return absl::InvalidArgumentError("the report file is not a JSON object");
  }
  OpenedReportFile out;
  const JsonValue* signature = nullptr;
  bool have_report = false;
  for (auto& [key, value] : file->object) {
    if (key == "report") {
      out.report = std::move(value);
      have_report = true;
    } else if (key == "signature") {
      signature = &value;
    } else {
      return absl::InvalidArgumentError(absl::StrFormat(
          "the report file has a member \"%s\"; only \"report\" and \"signature\" belong there",
          key));
    }
  }
  if (!have_report || out.report.kind != JsonValue::Kind::kObject) {
    return absl::InvalidArgumentError("the report file has no \"report\" object");
  }
  if (signature == nullptr || signature->kind != JsonValue::Kind::kObject) {
    return absl::InvalidArgumentError("the report file has no \"signature\" object");
  }
  out.canonical_report = CanonicalJson(out.report);
  absl::Status decoded = DecodeProtoJson(CanonicalJson(*signature), &out.signature);
  if (!decoded.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the report's signature member does not decode: ", decoded.message()));
  }
  return out;
}

absl::Status DecodeProtoJson(std::string_view json, google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message, options);
  if (!status.ok()) return absl::InvalidArgumentError(std::string(status.message()));
  return absl::OkStatus();
}

}  // namespace veu::verifier
