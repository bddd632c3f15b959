#include "common/gpu/gpu_check.h"

namespace veu::gpu {

const char* ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kNone: return "NONE";
    case Reason::kReportTruncated: return "REPORT_TRUNCATED";
    case Reason::kReportBadRequest: return "REPORT_BAD_REQUEST";
    case Reason::kReportBadResponse: return "REPORT_BAD_RESPONSE";
    case Reason::kReportBadMeasurementBlock: return "REPORT_BAD_MEASUREMENT_BLOCK";
    case Reason::kReportTrailingBytes: return "REPORT_TRAILING_BYTES";
    case Reason::kOpaqueDataMalformed: return "OPAQUE_DATA_MALFORMED";
    case Reason::kNonceMismatch: return "NONCE_MISMATCH";
    case Reason::kSignatureInvalid: return "SIGNATURE_INVALID";
    case Reason::kLeafKeyUnusable: return "LEAF_KEY_UNUSABLE";
    case Reason::kChainMalformed: return "CHAIN_MALFORMED";
    case Reason::kChainUntrusted: return "CHAIN_UNTRUSTED";
    case Reason::kChainExpired: return "CHAIN_EXPIRED";
    case Reason::kFwidMismatch: return "FWID_MISMATCH";
    case Reason::kFwidMissingInLeaf: return "FWID_MISSING_IN_LEAF";
    case Reason::kRimMalformed: return "RIM_MALFORMED";
    case Reason::kRimSignatureInvalid: return "RIM_SIGNATURE_INVALID";
    case Reason::kRimChainUntrusted: return "RIM_CHAIN_UNTRUSTED";
    case Reason::kRimExpired: return "RIM_EXPIRED";
    case Reason::kRimMismatch: return "RIM_MISMATCH";
    case Reason::kRimConflict: return "RIM_CONFLICT";
    case Reason::kRimWrongTarget: return "RIM_WRONG_TARGET";
    case Reason::kRimMissingBlock: return "RIM_MISSING_BLOCK";
    case Reason::kOcspNotEvaluated: return "OCSP_NOT_EVALUATED";
    case Reason::kNoFwidInReport: return "NO_FWID_IN_REPORT";
    case Reason::kNoRim: return "NO_RIM";
    case Reason::kReportUnverified: return "REPORT_UNVERIFIED";
  }
  return "UNKNOWN";
}

const char* CheckStatusName(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPassed: return "passed";
    case CheckStatus::kFailed: return "failed";
    case CheckStatus::kNotEvaluated: return "not-evaluated";
  }
  return "unknown";
}

Check Check::Pass(std::string name, std::string detail) {
  return Check{std::move(name), CheckStatus::kPassed, Reason::kNone, std::move(detail)};
}
Check Check::Fail(std::string name, Reason reason, std::string detail) {
  return Check{std::move(name), CheckStatus::kFailed, reason, std::move(detail)};
}
Check Check::NotEvaluated(std::string name, Reason reason, std::string detail) {
  return Check{std::move(name), CheckStatus::kNotEvaluated, reason, std::move(detail)};
}

bool NoneFailed(const std::vector<Check>& checks) {
  for (const Check& c : checks) {
    if (c.status == CheckStatus::kFailed) return false;
  }
  return true;
}

}  // namespace veu::gpu
