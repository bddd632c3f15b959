// The file format of signed reports (compliance and inventory), one JSON object:
//
//   {"report": <the report in proto3 JSON, original field names>,
//    "signature": {"algorithm": "...", "key_id": "<hex>", "value": "<base64>"}}
//
// The signature (report_signer.h) covers the RFC 8785 canonical form (jcs.h) of the "report"
// member as it appears in the file: a reader canonicalises what it read and never
// re-serialises from a decoded message, so whitespace and member order in the file do not
// matter, and no protobuf is needed to check a report:
//   jq -cjS .report report.json | openssl dgst -sha256 -verify pub.pem -signature sig.der
// (jq's -S order equals JCS order for the ASCII keys our reports have). Reports carry no
// floating-point numbers (uint64 values are JSON strings, uint32 values integers), so the
// canonical form needs no ES6 number formatting. Pure; thread-safe.
#ifndef VEU_VERIFIER_REPORTS_SIGNED_REPORT_FILE_H_
#define VEU_VERIFIER_REPORTS_SIGNED_REPORT_FILE_H_

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "verifier/reports/json_value.h"
#include "verifier/reports/report_signer.h"
#include "veu/v1/report.pb.h"

namespace veu::verifier {

// The report file for `report`, signed by `signer`. The report member is written
// pretty-printed; the signature is over its canonical form. Internal if printing fails.
absl::StatusOr<std::string> WriteSignedReport(const google::protobuf::Message& report,
                                              const ReportSigner& signer);

struct OpenedReportFile {
  JsonValue report;              // the "report" member as read
  std::string canonical_report;  // JCS(report): the bytes the signature covers
  v1::ReportSignature signature;
};

// Reads a report file: a JSON object with exactly the members "report" (an object) and
// "signature" (a ReportSignature). InvalidArgument saying what is wrong otherwise. Does not
// check the signature.
absl::StatusOr<OpenedReportFile> OpenReportFile(std::string_view file_text);

// Decodes proto3 JSON into `message`; an unknown field or a value of the wrong type is an
// InvalidArgument naming it.
absl::Status DecodeProtoJson(std::string_view json, google::protobuf::Message* message);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_REPORTS_SIGNED_REPORT_FILE_H_
