// The half-yearly accelerator inventory of an organisation (report.proto InventoryReport):
// per site the accelerators its agents' verified reports showed at the half-year end, what
// changed since the previous half-year end, per country TPP and its share of the
// organisation's total, and the UVEU distribution findings of common/facts/distribution.h
// with the policy pack's tiers and caps. Signed like a compliance report
// (signed_report_file.h). Pure; thread-safe.
//
// Arithmetic, so a reader can redo it: a site's accelerators/tpp/models are the sums over its
// agents' inventories (those with reported = true); added/removed are the identities present
// at the end and not at the previous end, and the reverse; a country's tpp/accelerators are
// the sums of its sites; share_ppm = floor(country tpp * 10^6 / total_tpp) (0 when the total
// is 0); tier1_share_ppm likewise over the TIER_1 countries. Countries are listed largest TPP
// first, then by code; sites by name.
#ifndef VEU_VERIFIER_REPORTS_INVENTORY_REPORT_H_
#define VEU_VERIFIER_REPORTS_INVENTORY_REPORT_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "verifier/reports/report_signer.h"
#include "verifier/reports/report_verifier.h"
#include "veu/v1/policy.pb.h"
#include "veu/v1/records.pb.h"
#include "veu/v1/report.pb.h"

namespace veu::verifier {

inline constexpr uint32_t kInventoryReportFormat = 1;

// "2026-H2" -> [2026-07-01, 2027-01-01) UTC; "2026-H1" -> [2026-01-01, 2026-07-01).
// InvalidArgument for anything else (the year has four digits).
absl::StatusOr<std::pair<absl::Time, absl::Time>> HalfYearPeriod(std::string_view half_year);

struct SiteInventoryInput {
  v1::Site site;
  // Each agent's latest verified inventory at the half-year end, and at the previous
  // half-year end (agents without one are left out).
  std::vector<v1::InventorySummary> at_end;
  std::vector<v1::InventorySummary> at_previous_end;
};

struct InventoryReportInput {
  std::string report_id;
  absl::Time generated_at;
  std::string verifier;
  std::string organisation;
  std::string half_year;       // "2026-H2"
  std::string policy_version;  // of the pack whose tiers and caps apply
  v1::CountryTiers tiers;
  v1::ComputeCaps caps;
  bool us_headquartered = false;
  std::vector<SiteInventoryInput> sites;
  std::optional<v1::RegulationStatement> regulation;  // as ComplianceReportInput's
};

// InvalidArgument for a bad half-year, a site of another organisation or listed twice, a
// country that is not ISO 3166-1 alpha-2, or sums that overflow.
absl::StatusOr<v1::InventoryReport> BuildInventoryReport(const InventoryReportInput& input);

absl::StatusOr<std::string> SignInventoryReport(const v1::InventoryReport& report,
                                                const ReportSigner& signer);

// Checks the signature, that the report decodes, that the period is the half-year's, and all
// the arithmetic above; every failure is a finding. The findings sentences cannot be redone
// without the policy pack and are not judged. Errors as VerifyComplianceReport.
absl::StatusOr<ReportVerification> VerifyInventoryReport(std::string_view file_text,
                                                         std::string_view verifier_key_pem);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_REPORTS_INVENTORY_REPORT_H_
