// Measured boot in an appraisal: the event log must replay to the PCR values a verified quote
// carries, and only then are its contents looked at (findings, Secure Boot state).
#ifndef VEU_VERIFIER_APPRAISAL_MEASURED_BOOT_H_
#define VEU_VERIFIER_APPRAISAL_MEASURED_BOOT_H_

#include <string>
#include <vector>

#include "veu/v1/appraisal.pb.h"
#include "veu/v1/tpm.pb.h"

namespace veu::verifier {

struct MeasuredBootResult {
  std::vector<veu::v1::CheckResult> checks;
  bool replayed = false;  // the log replays to every quoted PCR it covers
};

// `verified_pcrs` must come from a verified quote. Pure.
MeasuredBootResult AppraiseMeasuredBoot(const std::string& log,
                                        const std::vector<veu::v1::PcrValue>& verified_pcrs);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_APPRAISAL_MEASURED_BOOT_H_
