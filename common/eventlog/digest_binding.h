// Whether an event's digest is the hash of its data. A replay proves only digests; for the
// event types whose digest the profile defines as the hash of the event data, this check
// stops anyone pairing real digests with invented data (e.g. a "SecureBoot=1" variable
// under the digest of "SecureBoot=0").
#ifndef VEU_COMMON_EVENTLOG_DIGEST_BINDING_H_
#define VEU_COMMON_EVENTLOG_DIGEST_BINDING_H_

#include "common/eventlog/event_log.h"

namespace veu::eventlog {

// True for events whose digest must be the hash of their data (separators, EFI actions,
// S-CRTM version strings,
// EFI variables, GRUB/systemd-boot strings in PCR 8 and 12, GPT, ...).
bool DigestCoversData(const Event& event);

// kVerified if every digest of a hashable algorithm equals the hash of the data in one of
// the forms firmware is known to use (e.g. GRUB strings without their trailing NUL,
// EV_EFI_VARIABLE_BOOT over the variable's value only, as SHA-1-era firmware did for every
// variable); kMismatch if any does not;
// kNotApplicable if DigestCoversData is false or no digest is of a known algorithm. Pure.
DataBinding BindDigestToData(const Event& event, LogFormat format);

}  // namespace veu::eventlog

#endif  // VEU_COMMON_EVENTLOG_DIGEST_BINDING_H_
