// Reference values for measured boot: appraising a VerifiedEventLog against a platform
// class's veu.v1.ReferenceValues, and learning such a set from a known-good log (as
// Keylime's create_mb_refstate does) for an operator to review.
#ifndef VEU_COMMON_EVENTLOG_REFERENCE_VALUES_H_
#define VEU_COMMON_EVENTLOG_REFERENCE_VALUES_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/eventlog/binding.h"
#include "veu/v1/appraisal.pb.h"
#include "veu/v1/eventlog.pb.h"

namespace veu::eventlog {

// One CheckResult per check, in a fixed order, ids:
//   "eventlog.structure"      one per finding: PASS when it matches one of expected_findings
//                             (same PCR, event type, reason and event digest) or is of one of
//                             allowed_finding_kinds, else FAIL with its EVENTLOG_* reason,
//                             saying it is not expected (a stored set with the withdrawn
//                             allow_findings: NEEDS_EVIDENCE); PASS once when there are none;
//   "secureboot.enabled"      SECURE_BOOT_DISABLED (when secure_boot_required);
//   "secureboot.dbx"          DBX_ENTRY_MISSING per missing required entry;
//   "kernel.cmdline"          KERNEL_CMDLINE_REFUSED;
//   "firmware.version"        FIRMWARE_VERSION_REFUSED;
//   "refvalue.<component>"    REFERENCE_VALUE_MISMATCH (one per AllowedDigests entry).
// A check whose evidence is absent (PCR not bound, bank missing, nothing measured) is
// CHECK_NOT_EVALUATED with a reason, never PASS. Unconfigured checks are not emitted.
// Fails only with InvalidArgument for an unusable reference set (a bad regex). Pure.
absl::StatusOr<std::vector<veu::v1::CheckResult>> AppraiseAgainstReferenceValues(
    const VerifiedEventLog& log, const veu::v1::ReferenceValues& refs);

// A reference set that `log` itself satisfies: final PCR 0-7 values of every bank, boot
// application and kernel/initrd digests, PK/KEK/db/dbx digests, Secure Boot required iff it
// is on, dbx's SHA-256 entries required, the exact kernel command lines (regex-escaped) and
// firmware versions, and the log's structural findings as expected_findings (each by PCR,
// event type, reason and the event's SHA-256 digest, else its first known bank's). For
// review before loading: it trusts whatever the log shows. Pure.
veu::v1::ReferenceValues LearnReferenceValues(const VerifiedEventLog& log, std::string_view name);

// Parses a ReferenceValues from its JSON form (as printed by `veuctl refvalues learn`) or, if
// the text does not start with '{', its text-proto form. InvalidArgument naming the problem,
// also for a set that is unusable: one setting the withdrawn allow_findings (the message says
// what to use instead), or an allowed_finding_kinds entry without a reason.
absl::StatusOr<veu::v1::ReferenceValues> ParseReferenceValues(std::string_view text);

// JSON form of `refs` (bytes fields as base64, per the protobuf JSON mapping).
std::string ReferenceValuesToJson(const veu::v1::ReferenceValues& refs);

}  // namespace veu::eventlog

#endif  // VEU_COMMON_EVENTLOG_REFERENCE_VALUES_H_
