// Appraisal of parsed IMA entries against a runtime policy (runtime_policy.h): one finding per
// entry that does not pass, with its record number, path and reason code (IMA_* in
// proto/veu/v1/reason.proto), rolled up into pass / warn / fail. Pure: no I/O, no clock.
//
// Per entry, in this order:
//  1. a template hash that does not recompute: IMA_TEMPLATE_HASH_MISMATCH (never excluded: the
//     log itself is altered); a template without named fields: IMA_TEMPLATE_UNKNOWN;
//  2. a violation (logged as zeros): IMA_VIOLATION, a warning when the policy says so;
//  3. boot_aggregate (record 0): passes when the caller found it matches the quoted PCRs, fails
//     with IMA_BOOT_AGGREGATE_MISMATCH when it does not; otherwise appraised as a file;
//  4. ima-buf (a template with a buf field): the buffer must hash to its logged digest; a
//     keyring the policy ignores passes; a keyring the policy lists must have the digest
//     (IMA_KEYRING_KEY_UNEXPECTED), and its key then verifies later signatures in this
//     appraiser; other names must be allowed buffers (IMA_BUFFER_UNEXPECTED; unlisted ones
//     cost what unknown files cost); names starting with '.' are keyrings;
//  5. files: a signature checked when the policy has keys (valid: passes; otherwise
//     IMA_SIGNATURE_INVALID); with require_signatures, no valid one is IMA_SIGNATURE_MISSING;
//     else the digest against the path's allowed digests (IMA_DIGEST_MISMATCH) or, for a path
//     the policy does not list, IMA_FILE_UNKNOWN (fail or warn as the policy says).
// An exclude that matches the path drops findings of steps 2 and 5, as Keylime ignores
// excluded paths (checked only when a finding would be raised, so passing entries cost no
// regex).
#ifndef VEU_COMMON_IMA_RUNTIME_APPRAISAL_H_
#define VEU_COMMON_IMA_RUNTIME_APPRAISAL_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/ima/ima_log.h"
#include "common/ima/ima_signature.h"
#include "common/ima/runtime_policy.h"
#include "veu/v1/reason.pb.h"

namespace veu::ima {

enum class RuntimeVerdict { kPass, kWarn, kFail };
const char* RuntimeVerdictName(RuntimeVerdict v);  // "pass", "warn", "fail"

struct RuntimeFinding {
  size_t record = 0;
  v1::ReasonCode reason = v1::REASON_UNSPECIFIED;
  bool warning = false;  // counts as warn, not fail
  std::string path;
  std::string detail;    // for operators: what was logged and what the policy allows
};

struct RuntimeAppraisal {
  RuntimeVerdict verdict = RuntimeVerdict::kPass;
  size_t appraised = 0;     // entries looked at
  size_t by_digest = 0;     // passed by an allowed digest
  size_t by_signature = 0;  // passed by a valid signature
  size_t by_keyring = 0;    // keyring or buffer measurements allowed (or keyring ignored)
  size_t excluded = 0;      // findings dropped by an exclude
  size_t findings_total = 0;  // findings raised, kept or not
  std::vector<RuntimeFinding> findings;  // the first max_findings of them, in record order
  std::map<v1::ReasonCode, size_t> counts;  // every finding by reason
};

enum class BootAggregateState {
  kNotChecked,  // no quoted PCRs at hand: boot_aggregate is appraised as a file
  kMatches,     // CheckBootAggregate found it equal to the quoted PCRs
  kMismatch,    // it is not
};

struct RuntimeAppraisalOptions {
  BootAggregateState boot_aggregate = BootAggregateState::kNotChecked;
  size_t max_findings = 1000;  // bounds the findings kept (not those counted)
  // Appraise entries before this index only: an incremental report appraises up to the entries
  // its quote covers (ImaIncrement::matched_entries); the rest come again.
  size_t end = SIZE_MAX;
};

// Appraises one node's log over one boot, possibly in several calls (incremental: each call
// the entries not yet appraised). Holds the keys learned from expected keyring measurements,
// so it lives as long as the boot does. Thread-compatible: one per node; the policy index it
// holds is shared read-only by any number of appraisers.
class RuntimeAppraiser {
 public:
  explicit RuntimeAppraiser(std::shared_ptr<const RuntimePolicyIndex> policy);

  // Appraises log.entries[first, min(options.end, size)) (nothing when first is past it).
  // Never fails: a verdict.
  RuntimeAppraisal Appraise(const ParsedLog& log, size_t first = 0,
                            const RuntimeAppraisalOptions& options = {});

  size_t learned_keys() const { return learned_.size(); }

 private:
  std::shared_ptr<const RuntimePolicyIndex> policy_;
  std::vector<VerificationKey> learned_;
};

}  // namespace veu::ima

#endif  // VEU_COMMON_IMA_RUNTIME_APPRAISAL_H_
