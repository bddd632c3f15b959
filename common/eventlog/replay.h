// Replays an event log into the PCR values a TPM would hold after it, bank by bank.
#ifndef VEU_COMMON_EVENTLOG_REPLAY_H_
#define VEU_COMMON_EVENTLOG_REPLAY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/eventlog/event_log.h"

namespace veu::eventlog {

// PCR values by bank: TPM_ALG_ID -> PCR index -> raw digest bytes.
using PcrBank = std::map<uint32_t, std::string>;
using PcrValues = std::map<uint16_t, PcrBank>;

// The locality PCR 0 started from, which is its reset value's last byte (TCG PC Client PFP,
// PCR 0 initialisation; TPM 2.0 Part 4 _TPM_Hash_End):
//  4  when the first event extending PCR 0 is EV_EFI_HCRTM_EVENT: the hardware CRTM measured
//     itself with _TPM_Hash_Start/_TPM_Hash_End before TPM2_Startup, which sets PCR 0 to
//     0...04 and extends it with the H-CRTM digest (the event's digest); a StartupLocality
//     event, if any, does not change that (TPM2_Startup keeps PCR 0 after an H-CRTM);
//  otherwise the StartupLocality EV_NO_ACTION event's value (3 when TPM2_Startup came from
//     locality 3; 4 is how some firmware marks an H-CRTM), or 0 without one.
// Pure; thread-safe.
uint8_t Pcr0InitialLocality(const UnverifiedEventLog& log);

// True when the first event extending PCR 0 is EV_EFI_HCRTM_EVENT (see above). Pure.
bool StartsWithHcrtm(const UnverifiedEventLog& log);

// Replays every bank of a known algorithm that every extending record carries. PCRs start
// at zero, except PCR 0, which starts at Pcr0InitialLocality in its last byte.
// EV_NO_ACTION records are never extended. Only PCRs the log extends appear in a bank.
// A bank some extending record lacks a digest for is left out (it cannot be replayed).
// Pure; thread-safe.
PcrValues Replay(const UnverifiedEventLog& log);

// One TPM2_PCR_Extend the firmware made, in log order (for replaying a log into a TPM).
struct ExtendOperation {
  uint32_t record = 0;
  uint32_t pcr = 0;
  uint16_t alg = 0;
  std::string digest;
};

// The extends Replay performs, in order, for every bank Replay covers. An H-CRTM log's
// EV_EFI_HCRTM_EVENT is not among them: no TPM2_PCR_Extend can make it (the TPM performs it
// at _TPM_Hash_End from locality 4), so a replay into a TPM must do that sequence first
// (swtpm: `swtpm_ioctl -h DATA` before TPM2_Startup). Pure; thread-safe.
std::vector<ExtendOperation> ExtendOperations(const UnverifiedEventLog& log);

}  // namespace veu::eventlog

#endif  // VEU_COMMON_EVENTLOG_REPLAY_H_
