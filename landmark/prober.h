// The landmark's measurement: connect to the agent's responder, send `samples` fresh
// challenges one after another, time each from the write to the answer's arrival on the
// monotonic clock, and only then verify each answer's signature (verification is not part of
// the timed path, so a slow check never widens a disk). Answers that fail verification, name
// nothing, or arrive after the per-sample timeout are counted as refused and left out.
// The result is signed as a receipt with the landmark's key.
// Thread-safe: Measure may run from several threads at once.
#ifndef VEU_LANDMARK_PROBER_H_
#define VEU_LANDMARK_PROBER_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/location/ed25519.h"
#include "common/location/geo.h"
#include "veu/v1/location.pb.h"

namespace veu::landmark {

struct LandmarkIdentity {
  std::string id;
  location::GeoPoint position;
  const location::Ed25519Key* key = nullptr;
  uint32_t max_samples = 16;
  int answer_timeout_ms = 1000;
};

// InvalidArgument for a request out of bounds; Unavailable when the agent cannot be reached
// or no answer verified. `wall_now` stamps the receipt (injected for tests).
absl::StatusOr<veu::v1::LandmarkReceipt> Measure(const LandmarkIdentity& self,
                                                 const veu::v1::MeasureRequest& request,
                                                 const std::function<absl::Time()>& wall_now);

}  // namespace veu::landmark

#endif  // VEU_LANDMARK_PROBER_H_
