// The policy pack's controls answered by the measured-boot appraisal (MEASURED_BOOT,
// SECURE_BOOT); host controls are in common/facts/host_controls.h and the organisation-wide ones
// in organisation_controls.h. Pure.
#ifndef VEU_VERIFIER_APPRAISAL_BOOT_CONTROLS_H_
#define VEU_VERIFIER_APPRAISAL_BOOT_CONTROLS_H_

#include <vector>

#include "veu/v1/appraisal.pb.h"
#include "veu/v1/eventlog.pb.h"
#include "veu/v1/policy.pb.h"

namespace veu::verifier {

// One result per such control, in pack order (check = control id):
//  MEASURED_BOOT: PASS iff every eventlog.*/refvalue.* check passed and the log replayed;
//    FAIL if any failed; NOT_EVALUATED otherwise (no log, bank missing).
//  SECURE_BOOT: PASS iff the bound log shows SecureBoot on and not in setup mode; FAIL if
//    it shows it off; NOT_EVALUATED when PCR 7 was not bound.
std::vector<veu::v1::CheckResult> EvaluateBootControls(
    const veu::v1::PolicyPack& pack, const std::vector<veu::v1::CheckResult>& checks_so_far,
    const veu::v1::MeasuredBootFacts* measured_boot);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_APPRAISAL_BOOT_CONTROLS_H_
