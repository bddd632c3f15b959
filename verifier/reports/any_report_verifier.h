// One entry point for a signed report file of either kind, told apart by its contents: a
// report member with "half_year" or "organisation" is an inventory report, one with "site" or
// "appraisals" a compliance report. For `veuctl report verify` and the regulator's tools.
#ifndef VEU_VERIFIER_REPORTS_ANY_REPORT_VERIFIER_H_
#define VEU_VERIFIER_REPORTS_ANY_REPORT_VERIFIER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "verifier/reports/report_verifier.h"

namespace veu::verifier {

// As VerifyComplianceReport / VerifyInventoryReport. InvalidArgument if the file is neither
// (or an earlier checkpoint is given for an inventory report, which has no log checkpoint).
absl::StatusOr<ReportVerification> VerifyAnyReport(std::string_view file_text,
                                                   std::string_view verifier_key_pem,
                                                   const ReportVerifyOptions& options = {});

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_REPORTS_ANY_REPORT_VERIFIER_H_
