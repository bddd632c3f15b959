// Structural findings: what a replay cannot catch because it proves digests, not meaning.
// Each names the record, its PCR and a veu.v1.ReasonCode; none is a parse error.
#ifndef VEU_COMMON_EVENTLOG_FINDINGS_H_
#define VEU_COMMON_EVENTLOG_FINDINGS_H_

#include <vector>

#include "common/eventlog/event_log.h"
#include "veu/v1/eventlog.pb.h"

namespace veu::eventlog {

// Reports, in log order:
//  EVENTLOG_SEPARATOR_REPEATED     a second EV_SEPARATOR in one of PCR 0-7;
//  EVENTLOG_EVENT_AFTER_SEPARATOR  an event after the separator of PCR 0, 2, 3 or 6, a Secure
//                                  Boot configuration variable after PCR 7's separator, or
//                                  in PCR 1/4/5 a type the profile does not allow there then;
//  EVENTLOG_UNEXPECTED_EVENT_TYPE  in PCR 7, a type other than EFI variables (driver config,
//                                  authority), EV_EFI_ACTION, EV_SEPARATOR and EV_NO_ACTION;
//                                  an EV_EFI_HCRTM_EVENT that is not PCR 0's first extend;
//  EVENTLOG_VARIABLE_MISMATCH      EFI variable data that is malformed or whose name and GUID
//                                  do not fit the event type (SecureBoot not under the EFI
//                                  global-variable GUID, db not under the image-security GUID);
//  EVENTLOG_DIGEST_DATA_MISMATCH   data that does not hash to the event's digest.
// Normal firmware behaviour is not reported: boot applications in PCR 4 and ExitBootServices
// in PCR 5 after their separators, handoff tables and boot variables in PCR 1 after it,
// authorities for boot applications after PCR 7's separator, shim's variables there. Pure.
std::vector<veu::v1::EventLogFinding> FindStructuralProblems(const UnverifiedEventLog& log);

}  // namespace veu::eventlog

#endif  // VEU_COMMON_EVENTLOG_FINDINGS_H_
