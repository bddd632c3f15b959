#include "verifier/location/location_control.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace veu::verifier {
namespace {

void Set(veu::v1::CheckResult& r, veu::v1::CheckStatus status, veu::v1::ReasonCode reason,
         std::string detail) {
  r.set_status(status);
  if (status != veu::v1::CHECK_PASS) r.set_reason(reason);
  r.set_detail(std::move(detail));
}

}  // namespace

LocationOutcome EvaluateLocation(const LocationRound& round, const veu::v1::LandmarkSet& landmarks,
                                 const location::AllowedRegion& region, uint32_t min_landmarks,
                                 absl::Time now) {
  LocationOutcome out;
  out.result.set_check(kLocationControlId);
  if (!round.agent_key.has_value() || round.agent_key->ed25519_public().empty()) {
    Set(out.result, veu::v1::CHECK_NOT_EVALUATED, veu::v1::LOCATION_EVIDENCE_MISSING,
        "the agent's verified facts carry no location key (agent without a challenge responder)");
    return out;
  }
  const location::ReceiptExpectation expect{round.request_nonce, round.agent_key->ed25519_public(),
                                            round.agent_key->epoch(), now};
  std::vector<location::LandmarkMeasurement> measured;
  for (const veu::v1::LandmarkReceipt& r : round.receipts) {
    absl::StatusOr<location::VerifiedReceipt> v = location::VerifyReceipt(r, landmarks, expect);
    if (!v.ok()) {
      out.refused.push_back(std::string(v.status().message()));
      continue;
    }
    measured.push_back(v->measurement());
    out.accepted.push_back(*std::move(v));
  }
  const std::string refused_note =
      out.refused.empty() ? "" : absl::StrCat(" Refused: ", absl::StrJoin(out.refused, "; "), ".");
  if (measured.empty()) {
    Set(out.result, veu::v1::CHECK_NOT_EVALUATED,
        out.refused.empty() ? veu::v1::LOCATION_EVIDENCE_MISSING : veu::v1::LOCATION_RECEIPT_REFUSED,
        absl::StrCat("no verified landmark receipt for this round.", refused_note));
    return out;
  }
  absl::StatusOr<location::LocationAssessment> a =
      location::AssessLocation(measured, region, min_landmarks);
  if (!a.ok()) {
    Set(out.result, veu::v1::CHECK_NOT_EVALUATED, veu::v1::INTERNAL_ERROR,
        absl::StrCat("the location could not be assessed: ", a.status().message()));
    return out;
  }
  std::vector<std::string> disks;
  for (const location::Disk& d : a->disks) {
    disks.push_back(absl::StrFormat("%s at %s r=%.1f km", d.landmark_id, location::FormatPoint(d.center),
                                    d.radius_km));
  }
  const std::string evidence = absl::StrCat(" Disks: ", absl::StrJoin(disks, ", "), ".", refused_note);
  switch (a->verdict) {
    case location::LocationVerdict::kWithinRegion:
      Set(out.result, veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED, a->statement + "." + evidence);
      break;
    case location::LocationVerdict::kNotProven:
      Set(out.result, veu::v1::CHECK_FAIL, veu::v1::LOCATION_NOT_PROVEN, a->statement + "." + evidence);
      break;
    case location::LocationVerdict::kTamper: {
      Set(out.result, veu::v1::CHECK_FAIL, veu::v1::LOCATION_TAMPER, a->statement + "." + evidence);
      veu::v1::Event e;
      e.set_kind(veu::v1::EVENT_LOCATION_TAMPER);
      e.set_agent_id(round.agent_id);
      e.set_site(round.site);
      e.mutable_at()->set_seconds(absl::ToUnixSeconds(now));
      e.set_detail(absl::StrJoin(a->tamper, "; "));
      out.tamper_event = std::move(e);
      break;
    }
  }
  out.assessment = *std::move(a);
  return out;
}

}  // namespace veu::verifier
