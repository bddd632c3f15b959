// The outcome of one GPU attestation check, with a stable reason code. A failed check is a
// verdict about the evidence (the report, its chain, a RIM), not an error of the verifier:
// functions that check return these inside values and keep absl::Status for inputs they cannot
// read at all. Not-evaluated is never a pass (e.g. OCSP when no response was given).
#ifndef VEU_COMMON_GPU_GPU_CHECK_H_
#define VEU_COMMON_GPU_GPU_CHECK_H_

#include <string>
#include <string_view>
#include <vector>

namespace veu::gpu {

// Stable reason codes: their names (ReasonName) appear in JSON output and tests assert them.
enum class Reason {
  kNone = 0,
  // SPDM report structure.
  kReportTruncated,            // a field runs past the end of the report
  kReportBadRequest,           // not an SPDM 1.1 GET_MEASUREMENTS request with a signature
  kReportBadResponse,          // not a MEASUREMENTS response (code 0x60) of the request's version
  kReportBadMeasurementBlock,  // block not DMTF, sizes disagree, duplicate index
  kReportTrailingBytes,        // bytes after the 96-byte signature (refused; see spdm_report.h)
  kOpaqueDataMalformed,        // opaque TLVs overrun or a known field has the wrong size
  // Freshness and signature.
  kNonceMismatch,              // the request's nonce is not the verifier's
  kSignatureInvalid,           // ECDSA P-384 signature does not verify with the leaf key
  kLeafKeyUnusable,            // the leaf's key is not an EC P-384 key
  // Device certificate chain.
  kChainMalformed,             // PEM chain unreadable or empty
  kChainUntrusted,             // does not chain to the pinned root at the appraisal time
  kChainExpired,               // a certificate is outside its validity at the appraisal time
  kFwidMismatch,               // the leaf's FWID differs from the report's
  kFwidMissingInLeaf,          // the report has an FWID, the leaf carries none
  // RIMs.
  kRimMalformed,               // not a SWID tag we can read
  kRimSignatureInvalid,        // XML signature or digest does not verify
  kRimChainUntrusted,          // RIM signing certificate does not chain to the RIM root
  kRimExpired,                 // RIM signing certificate outside its validity at appraisal time
  kRimMismatch,                // a measurement differs from every golden alternative
  kRimConflict,                // driver and VBIOS RIM both claim an index with different values
  kRimWrongTarget,             // the RIM is for another driver/VBIOS version than the report
  kRimMissingBlock,            // a RIM index has no SPDM block
  // Not evaluated.
  kOcspNotEvaluated,           // no OCSP response was given or fetched
  kNoFwidInReport,             // older firmware reports no FWID: nothing to compare
  kNoRim,                      // no RIM given for this component
  kReportUnverified,           // the report failed a check, so its measurements are not used
};

const char* ReasonName(Reason reason);

enum class CheckStatus { kPassed, kFailed, kNotEvaluated };

const char* CheckStatusName(CheckStatus status);

struct Check {
  std::string name;  // e.g. "report.signature", "chain.path", "rim.vbios.signature"
  CheckStatus status = CheckStatus::kNotEvaluated;
  Reason reason = Reason::kNone;  // kNone exactly when passed
  std::string detail;             // for the operator: what was compared, where

  static Check Pass(std::string name, std::string detail = "");
  static Check Fail(std::string name, Reason reason, std::string detail);
  static Check NotEvaluated(std::string name, Reason reason, std::string detail);
};

// True when no check failed (not-evaluated checks do not fail a report, nor pass it).
bool NoneFailed(const std::vector<Check>& checks);

}  // namespace veu::gpu

#endif  // VEU_COMMON_GPU_GPU_CHECK_H_
