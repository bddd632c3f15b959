#include "verifier/reports/any_report_verifier.h"

#include "common/status_macros.h"
#include "verifier/reports/inventory_report.h"
#include "verifier/reports/signed_report_file.h"

namespace veu::verifier {

absl::StatusOr<ReportVerification> VerifyAnyReport(std::string_view file_text,
                                                   std::string_view verifier_key_pem,
                                                   const ReportVerifyOptions& options) {
  ASSIGN_OR_RETURN(OpenedReportFile file, OpenReportFile(file_text));
  const JsonValue& r = file.report;
  if (r.Find("half_year") != nullptr || r.Find("organisation") != nullptr) {
    if (options.earlier_checkpoint.has_value()) {
      return absl::InvalidArgumentError(
          "an inventory report has no log checkpoint; --earlier-checkpoint does not apply");
    }
    return VerifyInventoryReport(file_text, verifier_key_pem);
  }
  if (r.Find("site") != nullptr || r.Find("appraisals") != nullptr) {
    return VerifyComplianceReport(file_text, verifier_key_pem, options);
  }
  return absl::InvalidArgumentError(
      "the report is neither a compliance report (no \"site\") nor an inventory report (no "
      "\"half_year\")");
}

}  // namespace veu::verifier
