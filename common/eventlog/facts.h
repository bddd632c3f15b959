// Measured-boot facts: what the verifier may believe about a boot, taken only from a
// VerifiedEventLog.
#ifndef VEU_COMMON_EVENTLOG_FACTS_H_
#define VEU_COMMON_EVENTLOG_FACTS_H_

#include "common/eventlog/binding.h"
#include "veu/v1/eventlog.pb.h"

namespace veu::eventlog {

// Extracts Secure Boot state (SecureBoot, SetupMode, DeployedMode, AuditMode, PK/KEK/db/dbx
// with digests and entries, authorities), boot applications (PCR 4), kernel and initrd files
// and command lines (GRUB in PCR 8/9, systemd-boot in PCR 8/12), S-CRTM version strings,
// separators per PCR and the structural findings. Facts come only from events of bound PCRs
// and, for types whose digest covers the data, only from events whose data verified. Values
// that cannot be decoded are left unset rather than guessed. Pure; thread-safe.
veu::v1::MeasuredBootFacts ExtractFacts(const VerifiedEventLog& log);

}  // namespace veu::eventlog

#endif  // VEU_COMMON_EVENTLOG_FACTS_H_
