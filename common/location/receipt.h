// Landmark receipts: signing (the landmark) and verification (the verifier, veuctl). The only
// road from a receipt's bytes to a LandmarkMeasurement the verdict may use is VerifyReceipt,
// which checks the enrolled landmark's signature, takes the position from the enrolment (never
// from the receipt), checks that the receipt answers this verifier's nonce for this agent's
// epoch key, and re-verifies every sample's agent signature. Pure: no I/O, no clock (the
// caller passes `now`).
#ifndef VEU_COMMON_LOCATION_RECEIPT_H_
#define VEU_COMMON_LOCATION_RECEIPT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/location/assessment.h"
#include "common/location/ed25519.h"
#include "veu/v1/location.pb.h"

namespace veu::location {

// Signs `body` (deterministically serialised) with the landmark's key.
absl::StatusOr<veu::v1::LandmarkReceipt> SignReceipt(const Ed25519Key& key,
                                                     const veu::v1::LandmarkReceiptBody& body);

// What a receipt must answer.
struct ReceiptExpectation {
  std::string request_nonce;     // the verifier's nonce for this measurement round
  std::string agent_public;      // the epoch key from the agent's verified facts (32 bytes)
  uint64_t epoch = 0;
  absl::Time now;
  absl::Duration max_age = absl::Minutes(10);
};

enum class ReceiptRefusal {
  kMalformed,
  kUnknownLandmark,
  kBadLandmarkSignature,
  kPositionMismatch,
  kWrongRequestNonce,
  kWrongAgentKey,
  kWrongEpoch,
  kStale,
  kNoSamples,
  kBadAgentSignature,
  kRepeatedChallenge,
};
const char* ReceiptRefusalName(ReceiptRefusal r);

// A receipt that passed every check; constructed only by VerifyReceipt.
class VerifiedReceipt {
 public:
  const LandmarkMeasurement& measurement() const { return measurement_; }
  const veu::v1::LandmarkReceiptBody& body() const { return body_; }

 private:
  friend absl::StatusOr<VerifiedReceipt> VerifyReceipt(const veu::v1::LandmarkReceipt&,
                                                       const veu::v1::LandmarkSet&,
                                                       const ReceiptExpectation&, ReceiptRefusal*);
  VerifiedReceipt() = default;
  LandmarkMeasurement measurement_;
  veu::v1::LandmarkReceiptBody body_;
};

// On refusal: PermissionDenied (forgery, wrong landmark or agent) or InvalidArgument
// (malformed), the message naming the landmark and the check, and `*why` (if given) set.
absl::StatusOr<VerifiedReceipt> VerifyReceipt(const veu::v1::LandmarkReceipt& receipt,
                                              const veu::v1::LandmarkSet& enrolled,
                                              const ReceiptExpectation& expect,
                                              ReceiptRefusal* why = nullptr);

}  // namespace veu::location

#endif  // VEU_COMMON_LOCATION_RECEIPT_H_
