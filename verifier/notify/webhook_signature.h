// The signature on a webhook delivery, so a receiver can tell a VEU verifier sent it.
//
// Each POST carries
//   X-VEU-Timestamp: <unix seconds at the time of this attempt, decimal>
//   X-VEU-Signature: sha256=<lowercase hex of HMAC-SHA256(secret, timestamp + "." + body)>
// where `secret` is the exact bytes of the webhook's secret_file without its trailing newline,
// `timestamp` is the X-VEU-Timestamp header value as sent, "." is one ASCII dot and `body` is
// the raw request body bytes (before any parsing). A receiver recomputes the HMAC over what it
// received, compares it in constant time, and rejects timestamps too far from its own clock
// (e.g. more than 5 minutes) to refuse replays; X-VEU-Delivery de-duplicates retries.
#ifndef VEU_VERIFIER_NOTIFY_WEBHOOK_SIGNATURE_H_
#define VEU_VERIFIER_NOTIFY_WEBHOOK_SIGNATURE_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace veu::verifier::notify {

// "sha256=<hex>" as described above. Pure; cannot fail.
std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body);

}  // namespace veu::verifier::notify

#endif  // VEU_VERIFIER_NOTIFY_WEBHOOK_SIGNATURE_H_
