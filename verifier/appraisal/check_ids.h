// The IDs of the checks the appraiser itself records (the quote's own checks are in
// common/tpm/quote.h, the event log's in common/eventlog). Code that looks a check up by ID
// (the stream's proof of identity, reports, tests) names these constants, never a literal, so
// a renamed check cannot silently stop matching.
#ifndef VEU_VERIFIER_APPRAISAL_CHECK_IDS_H_
#define VEU_VERIFIER_APPRAISAL_CHECK_IDS_H_

namespace veu::verifier {

inline constexpr char kCheckAgentEnrolled[] = "agent.enrolled";
inline constexpr char kCheckNonceFresh[] = "nonce.fresh";
inline constexpr char kCheckQuoteClock[] = "quote.clock";
inline constexpr char kCheckFactsParse[] = "facts.parse";
inline constexpr char kCheckFactsBound[] = "facts.bound";
inline constexpr char kCheckEkCertificate[] = "ek.certificate";
inline constexpr char kCheckFactsHostname[] = "facts.hostname";
inline constexpr char kCheckReferenceValues[] = "refvalues";

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_APPRAISAL_CHECK_IDS_H_
