// The evidence checks Appraise() composes, each a thin step over a pure core in common/:
// the quote (common/tpm) and the measured-boot event log (common/eventlog).
#ifndef VEU_VERIFIER_APPRAISAL_EVIDENCE_CHECKS_H_
#define VEU_VERIFIER_APPRAISAL_EVIDENCE_CHECKS_H_

#include <string>
#include <vector>

#include "veu/v1/appraisal.pb.h"
#include "veu/v1/attestation.pb.h"
#include "veu/v1/eventlog.pb.h"
#include "veu/v1/facts.pb.h"
#include "veu/v1/tpm.pb.h"

namespace veu::verifier {

// qualifyingData = SHA-256(nonce || SHA-256(facts)).
std::string QualifyingDataFor(const std::string& nonce, const std::string& facts);

// Fields of a quote that verified; meaningless unless QuoteStepResult::verified.
struct VerifiedQuoteFacts {
  uint64_t clock = 0;
  uint32_t reset_count = 0;
  uint32_t restart_count = 0;
  bool safe = false;
  uint64_t firmware_version = 0;
  std::string qualified_signer;
  uint32_t signature_alg = 0;
  uint32_t signature_hash = 0;
};

struct QuoteStepResult {
  std::vector<veu::v1::CheckResult> checks;
  bool verified = false;                      // every quote check passed
  VerifiedQuoteFacts facts;
  std::vector<veu::v1::PcrValue> pcr_values;  // the quoted values, once verified
};

QuoteStepResult CheckQuote(const std::string& ak_public, const veu::v1::Quote& quote,
                           const std::string& expected_qualifying_data,
                           const std::vector<veu::v1::PcrSelection>& selection,
                           bool allow_sha1);

struct MeasuredBootStep {
  std::vector<veu::v1::CheckResult> checks;
  std::string accepted_log;   // the log that replayed, to compare 'unchanged' against later
  veu::v1::MeasuredBootFacts facts;
};

// `verified_pcrs` must come from a verified quote.
MeasuredBootStep CheckMeasuredBoot(const veu::v1::Facts& facts,
                                   const veu::v1::EventLogUpload& upload,
                                   const std::string& previous_log,
                                   const std::vector<veu::v1::PcrValue>& verified_pcrs,
                                   const veu::v1::ReferenceValues& refs, bool require_log);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_APPRAISAL_EVIDENCE_CHECKS_H_
