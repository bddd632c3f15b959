// A site's signed compliance report for a period, read from the store: its agents, the
// period's logged appraisals and each agent's last one before it (the chain anchors), events,
// diversion cases, and a checkpoint published for the occasion so every leaf read is in it;
// then built and signed by verifier/reports/. The regulator API serves it; tests build it from
// a real store.
#ifndef VEU_VERIFIER_REGULATOR_SITE_REPORT_H_
#define VEU_VERIFIER_REGULATOR_SITE_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "verifier/reports/report_signer.h"
#include "verifier/store/appraisal_log.h"
#include "verifier/store/store.h"
#include "verifier/translog/log_storage.h"
#include "verifier/translog/signed_note.h"
#include "veu/v1/records.pb.h"

namespace veu::regulator {

// Signs and stores a checkpoint at `now` if the log grew since the latest, and returns the
// latest. Storage and signing errors pass through.
absl::StatusOr<translog::StoredCheckpoint> FreshCheckpointOf(verifier::AppraisalLog& log,
                                                             const translog::NoteSigner& signer,
                                                             const std::string& origin,
                                                             absl::Time now);

struct SiteReportSources {
  verifier::Store* store;
  verifier::AppraisalLog* log;
  const translog::NoteSigner* checkpoint_signer;
  std::string origin;                          // the log origin, checkpoint key name
  const verifier::ReportSigner* report_signer;
  absl::Duration stale_after;
  // A report holds every appraisal's leaf and proof (about 2.6 KB each); beyond this many the
  // request is refused (ResourceExhausted) and the caller asks for shorter periods.
  size_t max_appraisals = 50000;
  // The verifier's policy pack's regulation statement, carried into the signed report.
  std::optional<veu::v1::RegulationStatement> regulation;
};

struct SignedSiteReport {
  std::string report_id;
  std::string file;       // the signed report file (verifier/reports/signed_report_file.h)
};

// The report of [from, to) generated at `now`; with `consistency_from` > 0 it carries the
// consistency proof from that tree size to its checkpoint (InvalidArgument if beyond it).
// Store errors pass through; builder errors name the input that does not hold.
absl::StatusOr<SignedSiteReport> BuildSignedSiteReport(const SiteReportSources& sources,
                                                       const veu::v1::Site& site, absl::Time from,
                                                       absl::Time to, uint64_t consistency_from,
                                                       absl::Time now);

}  // namespace veu::regulator

#endif  // VEU_VERIFIER_REGULATOR_SITE_REPORT_H_
