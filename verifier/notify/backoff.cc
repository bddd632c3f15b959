#include "verifier/notify/backoff.h"

#include <algorithm>

#include "absl/random/random.h"

namespace veu::verifier::notify {

absl::Duration BackoffDelay(const BackoffPolicy& policy, int failed_attempt, double jitter01) {
  absl::Duration nominal = std::max(policy.base, absl::ZeroDuration());
  // Double step by step and stop at the cap, so large attempt numbers cannot overflow.
  for (int i = 1; i < failed_attempt && nominal < policy.cap; ++i) nominal *= 2;
  nominal = std::min(nominal, policy.cap);
  const double j = std::clamp(jitter01, 0.0, 1.0);
  return nominal + nominal * (j / 2);
}

absl::Duration BackoffDelayWithRandomJitter(const BackoffPolicy& policy, int failed_attempt) {
  thread_local absl::BitGen gen;
  return BackoffDelay(policy, failed_attempt, absl::Uniform(gen, 0.0, 1.0));
}

}  // namespace veu::verifier::notify
