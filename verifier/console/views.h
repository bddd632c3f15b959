// What the console's pages read: the regulator API's answers turned into small JSON documents
// (the pages only lay them out), with every time in UTC and the zone written out, verdicts by
// name and counts precomputed. Nothing here is trusted input to a decision: it is display.
// Pure (the caller passes `now`); thread-safe.
#ifndef VEU_VERIFIER_CONSOLE_VIEWS_H_
#define VEU_VERIFIER_CONSOLE_VIEWS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "verifier/reports/report_verifier.h"
#include "veu/v1/policy.pb.h"
#include "veu/v1/query.pb.h"
#include "veu/v1/regulator.pb.h"

namespace veu::console {

// "2026-07-01 12:00:00 UTC"; "never" for the epoch / an unset timestamp.
std::string UtcTime(absl::Time t);

// "ACCEPT", "REJECT", ... ("UNSPECIFIED" for 0).
std::string VerdictLabel(veu::v1::Verdict verdict);

// A site the console could not read, and why (its status call failed).
struct UnreadableSite {
  std::string site;
  absl::Status status;
};

// The fleet page: counts by site verdict, the sites grouped by country (sorted by country, then
// name), how many sites are stale and how many of their nodes are.
std::string FleetJson(const std::vector<veu::v1::SiteStatus>& sites,
                      const std::vector<UnreadableSite>& unreadable, absl::Time now);

// The site page: the site's record and authorisation, its nodes with their latest verdicts,
// every check of each node's latest appraisal that did not pass (with its reason and detail
// line), the inventory per node and summed, against the site's authorised count and TPP.
std::string SiteJson(const veu::v1::SiteStatus& status, absl::Time now);

// The organisation page: attested TPP by country across the organisation's sites (from each
// node's last verified inventory), each country's share and tier, judged against the policy
// pack's UVEU shares when `pack` is given (else shown unjudged, saying so).
std::string OrganisationJson(const std::string& organisation,
                             const std::vector<veu::v1::SiteStatus>& sites,
                             const veu::v1::PolicyPack* pack, absl::Time now);

// One verdict change as the live page shows it; `received` is when the console got it.
std::string VerdictChangeJson(const veu::v1::VerdictChange& change, absl::Time received);

// A report checked with the verifier's public key: holds or every finding; `download` is the
// console's URL of the signed file as fetched ("" when the file came from the user).
std::string ReportCheckJson(const verifier::ReportVerification& v, const std::string& download);

// The watch stream's state for the live page: {"connected": bool, "reason": text}.
std::string FeedStatusJson(bool connected, const std::string& reason);

// {"error": message, "code": "PERMISSION_DENIED"}.
std::string ErrorJson(const absl::Status& status);

}  // namespace veu::console

#endif  // VEU_VERIFIER_CONSOLE_VIEWS_H_
