#include "common/location/receipt.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"
#include "common/crypto/random.h"
#include "common/deterministic_bytes.h"
#include "common/location/challenge_wire.h"
#include "common/location/region_file.h"

namespace veu::location {
namespace {

constexpr absl::string_view kReceiptDomain{"veu-landmark-receipt-v1\0", 24};
constexpr double kPositionToleranceKm = 0.1;

std::string SignedReceiptBytes(absl::string_view body) { return absl::StrCat(kReceiptDomain, body); }

absl::Status Refuse(ReceiptRefusal r, ReceiptRefusal* why, absl::StatusCode code,
                    absl::string_view landmark, absl::string_view detail) {
  if (why != nullptr) *why = r;
  return absl::Status(code, absl::StrCat("landmark receipt from '", landmark, "' refused (",
                                         ReceiptRefusalName(r), "): ", detail));
}

}  // namespace

const char* ReceiptRefusalName(ReceiptRefusal r) {
  switch (r) {
    case ReceiptRefusal::kMalformed: return "malformed";
    case ReceiptRefusal::kUnknownLandmark: return "unknown landmark";
    case ReceiptRefusal::kBadLandmarkSignature: return "landmark signature invalid";
    case ReceiptRefusal::kPositionMismatch: return "position differs from enrolment";
    case ReceiptRefusal::kWrongRequestNonce: return "answers another request";
    case ReceiptRefusal::kWrongAgentKey: return "measured another agent key";
    case ReceiptRefusal::kWrongEpoch: return "measured another epoch";
    case ReceiptRefusal::kStale: return "too old or from the future";
    case ReceiptRefusal::kNoSamples: return "no samples";
    case ReceiptRefusal::kBadAgentSignature: return "agent signature invalid";
    case ReceiptRefusal::kRepeatedChallenge: return "challenge nonce repeated";
  }
  return "unknown";
}

absl::StatusOr<veu::v1::LandmarkReceipt> SignReceipt(const Ed25519Key& key,
                                                     const veu::v1::LandmarkReceiptBody& body) {
  veu::v1::LandmarkReceipt out;
  out.set_body(DeterministicBytes(body));
  absl::StatusOr<std::string> sig = key.Sign(SignedReceiptBytes(out.body()));
  if (!sig.ok()) return sig.status();
  out.set_signature(*sig);
  return out;
}

absl::StatusOr<VerifiedReceipt> VerifyReceipt(const veu::v1::LandmarkReceipt& receipt,
                                              const veu::v1::LandmarkSet& enrolled,
                                              const ReceiptExpectation& expect,
                                              ReceiptRefusal* why) {
  using C = absl::StatusCode;
  veu::v1::LandmarkReceiptBody body;
  if (!body.ParseFromString(receipt.body())) {
    return Refuse(ReceiptRefusal::kMalformed, why, C::kInvalidArgument, "?",
                  "the body is not a veu.v1.LandmarkReceiptBody");
  }
  const std::string& id = body.landmark_id();
  const veu::v1::LandmarkEnrolment* landmark = nullptr;
  for (const auto& l : enrolled.landmarks()) {
    if (l.landmark_id() == id) landmark = &l;
  }
  if (landmark == nullptr) {
    return Refuse(ReceiptRefusal::kUnknownLandmark, why, C::kPermissionDenied, id,
                  "no landmark of that id is enrolled (veuctl location enrol-landmark)");
  }
  // The signature first: nothing else in an unsigned body is worth reading.
  if (!Ed25519Verify(landmark->ed25519_public(), SignedReceiptBytes(receipt.body()),
                     receipt.signature())) {
    return Refuse(ReceiptRefusal::kBadLandmarkSignature, why, C::kPermissionDenied, id,
                  "the signature does not verify with the enrolled key");
  }
  const GeoPoint position = FromProto(landmark->position());
  const double moved = DistanceKm(position, FromProto(body.position()));
  if (!(moved <= kPositionToleranceKm)) {
    return Refuse(ReceiptRefusal::kPositionMismatch, why, C::kPermissionDenied, id,
                  absl::StrFormat("it reports %s, %.1f km from its enrolled %s",
                                  FormatPoint(FromProto(body.position())), moved,
                                  FormatPoint(position)));
  }
  if (!crypto::ConstantTimeEquals(body.request_nonce(), expect.request_nonce) ||
      expect.request_nonce.empty()) {
    return Refuse(ReceiptRefusal::kWrongRequestNonce, why, C::kPermissionDenied, id,
                  "its request nonce is not the one this round issued");
  }
  if (body.agent_key_sha256() != crypto::Sha256(expect.agent_public)) {
    return Refuse(ReceiptRefusal::kWrongAgentKey, why, C::kPermissionDenied, id,
                  "it measured a key other than the agent's attested epoch key");
  }
  if (body.epoch() != expect.epoch) {
    return Refuse(ReceiptRefusal::kWrongEpoch, why, C::kPermissionDenied, id,
                  absl::StrFormat("epoch %d, the attested key is for epoch %d", body.epoch(),
                                  expect.epoch));
  }
  const absl::Time at = absl::FromUnixSeconds(body.measured_at().seconds()) +
                        absl::Nanoseconds(body.measured_at().nanos());
  if (at > expect.now + absl::Minutes(1) || expect.now - at > expect.max_age) {
    return Refuse(ReceiptRefusal::kStale, why, C::kPermissionDenied, id,
                  absl::StrCat("measured at ", absl::FormatTime(at, absl::UTCTimeZone()),
                               ", allowed age ", absl::FormatDuration(expect.max_age)));
  }
  if (body.samples().empty()) {
    return Refuse(ReceiptRefusal::kNoSamples, why, C::kInvalidArgument, id,
                  "the receipt holds no verified round trip");
  }
  std::set<std::string> nonces;
  uint64_t rtt_min = UINT64_MAX;
  for (int i = 0; i < body.samples_size(); ++i) {
    const veu::v1::RttSample& s = body.samples(i);
    absl::StatusOr<std::string> frame = EncodeChallenge(Challenge{body.epoch(), s.challenge_nonce(), id});
    if (!frame.ok()) {
      return Refuse(ReceiptRefusal::kMalformed, why, C::kInvalidArgument, id,
                    absl::StrFormat("sample %d: %s", i, frame.status().message()));
    }
    if (!nonces.insert(s.challenge_nonce()).second) {
      return Refuse(ReceiptRefusal::kRepeatedChallenge, why, C::kPermissionDenied, id,
                    absl::StrFormat("sample %d repeats an earlier challenge", i));
    }
    if (!Ed25519Verify(expect.agent_public, SignedAnswerBytes(*frame), s.agent_signature())) {
      return Refuse(ReceiptRefusal::kBadAgentSignature, why, C::kPermissionDenied, id,
                    absl::StrFormat("sample %d: the answer is not signed by the agent's epoch key", i));
    }
    rtt_min = std::min(rtt_min, s.rtt_ns());
  }
  VerifiedReceipt out;
  out.measurement_ = LandmarkMeasurement{id, position, rtt_min,
                                         static_cast<uint32_t>(body.samples_size())};
  out.body_ = std::move(body);
  return out;
}

}  // namespace veu::location
