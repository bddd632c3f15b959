// The bytes a landmark and an agent exchange for one timed round trip, and what the agent
// signs. Kept tiny and fixed-layout so the agent's answer path is a parse, one Ed25519
// signature and a write (microseconds); the parser bounds every length before reading.
//
//   challenge: "VLC1" | epoch (u64 big-endian) | nonce (32) | id length (u8, 1..64) | landmark id
//   answer:    "VLA1" | Ed25519 signature (64)
//   signed:    "veu-location-answer-v1\0" || the whole challenge frame
//
// On a stream each frame is preceded by its length as a u16 big-endian (at most kMaxFrame).
// Pure: no I/O.
#ifndef VEU_COMMON_LOCATION_CHALLENGE_WIRE_H_
#define VEU_COMMON_LOCATION_CHALLENGE_WIRE_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/location/ed25519.h"

namespace veu::location {

inline constexpr size_t kChallengeNonceSize = 32;
inline constexpr size_t kMaxLandmarkIdSize = 64;
inline constexpr size_t kMaxFrame = 4 + 8 + kChallengeNonceSize + 1 + kMaxLandmarkIdSize;

struct Challenge {
  uint64_t epoch = 0;
  std::string nonce;  // kChallengeNonceSize bytes
  std::string landmark_id;
};

// OK when `id` is 1..64 characters of [A-Za-z0-9._-].
absl::Status ValidateLandmarkId(absl::string_view id);

// InvalidArgument when a field is out of its bounds.
absl::StatusOr<std::string> EncodeChallenge(const Challenge& c);
// InvalidArgument naming the byte offset when `frame` is not exactly one challenge.
absl::StatusOr<Challenge> ParseChallenge(absl::string_view frame);

std::string EncodeAnswer(absl::string_view signature);
// The 64-byte signature of an answer frame; InvalidArgument otherwise.
absl::StatusOr<std::string> ParseAnswer(absl::string_view frame);

// What the agent signs for `challenge_frame` (domain-separated from every other signature).
std::string SignedAnswerBytes(absl::string_view challenge_frame);

// The agent's whole answer path: parse, refuse a challenge for another epoch
// (FailedPrecondition), sign, frame. Thread-safe for a shared `key`.
absl::StatusOr<std::string> AnswerChallenge(const Ed25519Key& key, uint64_t epoch,
                                            absl::string_view challenge_frame);

}  // namespace veu::location

#endif  // VEU_COMMON_LOCATION_CHALLENGE_WIRE_H_
