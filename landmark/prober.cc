#include "landmark/prober.h"

#include <unistd.h>

#include <chrono>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/crypto/digest.h"
#include "common/crypto/random.h"
#include "common/location/challenge_wire.h"
#include "common/location/frame_io.h"
#include "common/location/receipt.h"
#include "common/location/region_file.h"

namespace veu::landmark {

absl::StatusOr<veu::v1::LandmarkReceipt> Measure(const LandmarkIdentity& self,
                                                 const veu::v1::MeasureRequest& request,
                                                 const std::function<absl::Time()>& wall_now) {
  if (request.samples() == 0 || request.samples() > self.max_samples) {
    return absl::InvalidArgumentError(
        absl::StrFormat("samples must be 1..%d, got %d", self.max_samples, request.samples()));
  }
  if (request.request_nonce().size() < 16 || request.request_nonce().size() > 64) {
    return absl::InvalidArgumentError("request_nonce must be 16..64 bytes");
  }
  if (request.agent_public().size() != location::kEd25519PublicSize) {
    return absl::InvalidArgumentError("agent_public must be the 32-byte Ed25519 epoch key");
  }
  absl::StatusOr<int> fd = location::ConnectTcp(request.agent_address(), self.answer_timeout_ms);
  if (!fd.ok()) return fd.status();

  struct Timed {
    std::string nonce, frame, answer;
    uint64_t rtt_ns = 0;
    bool answered = false;
  };
  std::vector<Timed> timed(request.samples());
  absl::Status failure = absl::OkStatus();
  for (Timed& t : timed) {
    absl::StatusOr<std::string> nonce = crypto::RandomBytes(location::kChallengeNonceSize);
    if (!nonce.ok()) {
      failure = nonce.status();
      break;
    }
    t.nonce = *nonce;
    absl::StatusOr<std::string> frame =
        location::EncodeChallenge(location::Challenge{request.epoch(), t.nonce, self.id});
    if (!frame.ok()) {
      failure = frame.status();
      break;
    }
    t.frame = *frame;
    // Timed: write of the challenge to arrival of the answer. Nothing else in between.
    const auto t0 = std::chrono::steady_clock::now();
    absl::Status w = location::WriteFrame(*fd, t.frame);
    absl::StatusOr<std::string> answer =
        w.ok() ? location::ReadFrame(*fd, self.answer_timeout_ms) : absl::StatusOr<std::string>(w);
    const auto t1 = std::chrono::steady_clock::now();
    if (!answer.ok()) break;  // the agent closed or went silent: keep what was answered
    t.rtt_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    t.answer = *answer;
    t.answered = true;
  }
  close(*fd);
  if (!failure.ok()) return failure;

  // After timing: keep only answers the agent's epoch key signed.
  veu::v1::LandmarkReceiptBody body;
  body.set_landmark_id(self.id);
  *body.mutable_position() = location::ToProto(self.position);
  body.set_request_nonce(request.request_nonce());
  body.set_epoch(request.epoch());
  body.set_agent_key_sha256(crypto::Sha256(request.agent_public()));
  body.set_agent_address(request.agent_address());
  uint32_t refused = 0;
  for (const Timed& t : timed) {
    absl::StatusOr<std::string> sig =
        t.answered ? location::ParseAnswer(t.answer) : absl::StatusOr<std::string>(absl::UnavailableError(""));
    if (!sig.ok() ||
        !location::Ed25519Verify(request.agent_public(), location::SignedAnswerBytes(t.frame), *sig)) {
      ++refused;
      continue;
    }
    veu::v1::RttSample* s = body.add_samples();
    s->set_challenge_nonce(t.nonce);
    s->set_rtt_ns(t.rtt_ns);
    s->set_agent_signature(*sig);
  }
  body.set_samples_refused(refused);
  if (body.samples().empty()) {
    return absl::UnavailableError(absl::StrFormat(
        "landmark '%s': none of %d answers from %s verified with the epoch key", self.id,
        timed.size(), request.agent_address()));
  }
  const absl::Time now = wall_now();
  body.mutable_measured_at()->set_seconds(absl::ToUnixSeconds(now));
  body.mutable_measured_at()->set_nanos(
      static_cast<int32_t>((now - absl::FromUnixSeconds(absl::ToUnixSeconds(now))) / absl::Nanoseconds(1)));
  return location::SignReceipt(*self.key, body);
}

}  // namespace veu::landmark
