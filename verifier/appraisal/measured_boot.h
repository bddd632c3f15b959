// Measured boot in an appraisal: the event log must replay to the PCR values a verified quote
// carries; only then are its contents looked at (structural findings, reference values,
// Secure Boot state), and only for the PCRs the replay bound.
#ifndef VEU_VERIFIER_APPRAISAL_MEASURED_BOOT_H_
#define VEU_VERIFIER_APPRAISAL_MEASURED_BOOT_H_

#include <string>
#include <vector>

#include "veu/v1/appraisal.pb.h"
#include "veu/v1/eventlog.pb.h"
#include "veu/v1/tpm.pb.h"

namespace veu::verifier {

struct MeasuredBootResult {
  std::vector<veu::v1::CheckResult> checks;
  bool replayed = false;                 // the log replays to every quoted PCR it covers
  veu::v1::MeasuredBootFacts facts;      // set only when replayed
};

// `verified_pcrs` must come from a verified quote. `refs` may be empty (then only the
// structural checks run). Pure.
MeasuredBootResult AppraiseMeasuredBoot(const std::string& log,
                                        const std::vector<veu::v1::PcrValue>& verified_pcrs,
                                        const veu::v1::ReferenceValues& refs);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_APPRAISAL_MEASURED_BOOT_H_
