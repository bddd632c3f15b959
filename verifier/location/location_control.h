// Control VEU-04.location (issue 12): the verifier's reading of one measurement round. Inputs
// are the agent's epoch key from VERIFIED facts (the quote bound it), the receipts landmarks
// returned for this round's nonce, the enrolled landmarks, and the allowed region. Every
// receipt goes through VerifyReceipt (refused ones are listed, never used); the verdict is
// AssessLocation's. The result is a CheckResult (PASS only for WITHIN_REGION; TAMPER and
// NOT_PROVEN fail, missing evidence is NOT_EVALUATED), a tamper Event when the landmarks
// contradict the site, and the evidence a regulator needs to recompute the disks.
// Pure: no I/O, no clock (`now` is passed).
#ifndef VEU_VERIFIER_LOCATION_LOCATION_CONTROL_H_
#define VEU_VERIFIER_LOCATION_LOCATION_CONTROL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/location/assessment.h"
#include "common/location/receipt.h"
#include "veu/v1/appraisal.pb.h"
#include "veu/v1/location.pb.h"
#include "veu/v1/records.pb.h"

namespace veu::verifier {

inline constexpr char kLocationControlId[] = "VEU-04.location";

struct LocationRound {
  std::string agent_id;
  std::string site;
  std::optional<veu::v1::LocationKey> agent_key;  // from verified facts only; nullopt: none reported
  std::string request_nonce;
  std::vector<veu::v1::LandmarkReceipt> receipts;
};

struct LocationOutcome {
  veu::v1::CheckResult result;
  std::optional<veu::v1::Event> tamper_event;
  std::optional<location::LocationAssessment> assessment;  // nullopt when nothing was assessable
  std::vector<location::VerifiedReceipt> accepted;
  std::vector<std::string> refused;  // one line per refused receipt
};

LocationOutcome EvaluateLocation(const LocationRound& round, const veu::v1::LandmarkSet& landmarks,
                                 const location::AllowedRegion& region, uint32_t min_landmarks,
                                 absl::Time now);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_LOCATION_LOCATION_CONTROL_H_
