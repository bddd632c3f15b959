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

// Replays every bank of a known algorithm that every extending record carries. PCRs start
// at zero, except PCR 0, whose last byte is the StartupLocality (0, 3, or 4 for H-CRTM).
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

// The extends Replay performs, in order, for every bank Replay covers. Pure; thread-safe.
std::vector<ExtendOperation> ExtendOperations(const UnverifiedEventLog& log);

}  // namespace veu::eventlog

#endif  // VEU_COMMON_EVENTLOG_REPLAY_H_
