#include "common/location/challenge_wire.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace veu::location {
namespace {
constexpr absl::string_view kChallengeMagic = "VLC1";
constexpr absl::string_view kAnswerMagic = "VLA1";
constexpr absl::string_view kAnswerDomain{"veu-location-answer-v1\0", 23};
}  // namespace

absl::Status ValidateLandmarkId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxLandmarkIdSize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("landmark id must be 1..%d characters, got %d", kMaxLandmarkIdSize, id.size()));
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError("landmark id may hold only letters, digits, '.', '_' and '-'");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EncodeChallenge(const Challenge& c) {
  if (c.nonce.size() != kChallengeNonceSize) {
    return absl::InvalidArgumentError(absl::StrFormat("challenge nonce must be %d bytes, got %d",
                                                      kChallengeNonceSize, c.nonce.size()));
  }
  absl::Status s = ValidateLandmarkId(c.landmark_id);
  if (!s.ok()) return s;
  std::string out(kChallengeMagic);
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((c.epoch >> (8 * i)) & 0xff));
  out += c.nonce;
  out.push_back(static_cast<char>(c.landmark_id.size()));
  out += c.landmark_id;
  return out;
}

absl::StatusOr<Challenge> ParseChallenge(absl::string_view frame) {
  constexpr size_t kFixed = 4 + 8 + kChallengeNonceSize + 1;
  if (frame.size() < kFixed || frame.substr(0, 4) != kChallengeMagic) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "challenge frame: %d bytes, need at least %d starting \"VLC1\"", frame.size(), kFixed));
  }
  Challenge c;
  for (size_t i = 4; i < 12; ++i) c.epoch = (c.epoch << 8) | static_cast<uint8_t>(frame[i]);
  c.nonce = std::string(frame.substr(12, kChallengeNonceSize));
  const size_t id_len = static_cast<uint8_t>(frame[kFixed - 1]);
  if (frame.size() != kFixed + id_len) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "challenge frame: landmark id length at offset %d says %d bytes, %d follow", kFixed - 1,
        id_len, frame.size() - kFixed));
  }
  c.landmark_id = std::string(frame.substr(kFixed));
  absl::Status s = ValidateLandmarkId(c.landmark_id);
  if (!s.ok()) return s;
  return c;
}

std::string EncodeAnswer(absl::string_view signature) { return absl::StrCat(kAnswerMagic, signature); }

absl::StatusOr<std::string> ParseAnswer(absl::string_view frame) {
  if (frame.size() != 4 + kEd25519SignatureSize || frame.substr(0, 4) != kAnswerMagic) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "answer frame: %d bytes, expected %d starting \"VLA1\"", frame.size(), 4 + kEd25519SignatureSize));
  }
  return std::string(frame.substr(4));
}

std::string SignedAnswerBytes(absl::string_view challenge_frame) {
  return absl::StrCat(kAnswerDomain, challenge_frame);
}

absl::StatusOr<std::string> AnswerChallenge(const Ed25519Key& key, uint64_t epoch,
                                            absl::string_view challenge_frame) {
  absl::StatusOr<Challenge> c = ParseChallenge(challenge_frame);
  if (!c.ok()) return c.status();
  if (c->epoch != epoch) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "challenge names epoch %d, this key answers epoch %d", c->epoch, epoch));
  }
  absl::StatusOr<std::string> sig = key.Sign(SignedAnswerBytes(challenge_frame));
  if (!sig.ok()) return sig.status();
  return EncodeAnswer(*sig);
}

}  // namespace veu::location
