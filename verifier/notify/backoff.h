// Retry spacing for webhook deliveries: exponential from a base, doubling, capped, with jitter
// so many verifiers retrying one receiver do not arrive in lockstep.
#ifndef VEU_VERIFIER_NOTIFY_BACKOFF_H_
#define VEU_VERIFIER_NOTIFY_BACKOFF_H_

#include "absl/time/time.h"

namespace veu::verifier::notify {

struct BackoffPolicy {
  absl::Duration base = absl::Seconds(1);  // the wait after the first failed attempt
  absl::Duration cap = absl::Seconds(60);  // no nominal wait exceeds this
};

// The wait after failed attempt number `failed_attempt` (1 = the first attempt failed):
// nominal = min(base * 2^(failed_attempt - 1), cap), plus jitter of up to half the nominal:
// nominal * (1 + jitter01 / 2), where `jitter01` in [0, 1] is a uniform random draw (clamped).
// Pure, so tests pass fixed jitter.
absl::Duration BackoffDelay(const BackoffPolicy& policy, int failed_attempt, double jitter01);

// BackoffDelay with a fresh random jitter.
absl::Duration BackoffDelayWithRandomJitter(const BackoffPolicy& policy, int failed_attempt);

}  // namespace veu::verifier::notify

#endif  // VEU_VERIFIER_NOTIFY_BACKOFF_H_
