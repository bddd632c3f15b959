// Delivers verdict changes to operators' HTTP(S) endpoints (veu.v1.WebhookConfig), signed so
// the receiver can authenticate them.
//
// Wire format of one delivery (one POST per change, per webhook whose sites match):
//   POST <url>
//   Content-Type: application/json
//   X-VEU-Delivery: <delivery id, 32 lowercase hex; the same on every retry of this change>
//   X-VEU-Timestamp: <unix seconds when this attempt was made>
//   X-VEU-Signature: sha256=<lowercase hex HMAC-SHA256(secret, timestamp + "." + body)>
//   body: {"delivery_id":"<id>","verdict_change":{<veu.v1.VerdictChange, proto3 JSON,
//          .proto field names, all fields present>}}
// `secret` is the secret_file's bytes without the trailing newline; `timestamp` is the
// X-VEU-Timestamp value; `body` is the raw body bytes. To verify: recompute the HMAC over the
// received bytes, compare in constant time, reject timestamps more than a few minutes from now,
// and ignore a delivery id already processed (see webhook_signature.h, webhook_payload.h).
//
// Delivery: a 2xx response means delivered. A transport error (DNS, connect, TLS, the 5 s
// per-attempt timeout) or a 429/5xx response is retried after an exponential backoff from
// 1 s (doubling, capped at 60 s, up to +50% jitter, at least any Retry-After), up to
// max_attempts attempts in all (default 6). Any other status (3xx, 4xx) is final: logged and
// counted as failed. Deliveries to one webhook are made one at a time, in publish order; each
// webhook has its own worker thread and its own bounded queue on the bus, so a dead endpoint
// never slows the appraisal path or other webhooks (its oldest changes are dropped instead).
// Logs name the endpoint as scheme://host[:port] only and never contain the secret.
//
// Thread-safety: all methods may be called from any thread.
#ifndef VEU_VERIFIER_NOTIFY_WEBHOOK_NOTIFIER_H_
#define VEU_VERIFIER_NOTIFY_WEBHOOK_NOTIFIER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/repeated_ptr_field.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "verifier/notify/backoff.h"
#include "verifier/notify/verdict_bus.h"
#include "verifier/notify/webhook_config.h"
#include "veu/v1/config.pb.h"

namespace veu::verifier::notify {

struct WebhookNotifierOptions {
  absl::Duration attempt_timeout = absl::Seconds(5);  // one POST, connect included
  BackoffPolicy backoff;                              // base 1 s, cap 60 s; tests shrink it
  // At Shutdown, how long queued changes may still be delivered (retries included) before the
  // rest is abandoned and in-flight requests are cut.
  absl::Duration drain_timeout = absl::Seconds(5);
};

struct WebhookCounters {
  uint64_t delivered = 0;  // changes answered with a 2xx
  uint64_t failed = 0;     // changes given up: final status, attempts exhausted, or abandoned at shutdown
  uint64_t dropped = 0;    // changes lost to queue overflow before any attempt
  uint64_t attempts = 0;   // POSTs made (retries included)
};

class WebhookNotifier {
 public:
  // Checks every config (http(s) URL, readable non-empty secret_file), subscribes one worker per
  // webhook to `bus` (filtered by its sites) and starts it. Fails, starting nothing, with the
  // first bad config's error, naming its index and endpoint. `bus` must outlive only this call.
  static absl::StatusOr<std::unique_ptr<WebhookNotifier>> Start(
      VerdictBus& bus, const google::protobuf::RepeatedPtrField<veu::v1::WebhookConfig>& configs,
      WebhookNotifierOptions options = {});

  // Shutdown().
  ~WebhookNotifier();
  WebhookNotifier(const WebhookNotifier&) = delete;
  WebhookNotifier& operator=(const WebhookNotifier&) = delete;

  // Stops taking changes, delivers what is queued for up to drain_timeout, then abandons the
  // rest (counted as failed) and cuts in-flight requests. Returns within about
  // drain_timeout + 1 s. Idempotent.
  void Shutdown();

  // The feed position (VerdictChange.feed_position) of the oldest change some webhook accepted
  // and has not settled yet (delivered, or given up for good: a final status or its attempts
  // spent); nullopt when every accepted change with a position is settled. Changes the bus
  // dropped for a webhook that fell behind count as settled (they are lost, and counted as
  // dropped); changes abandoned at shutdown never settle. The change feed's follower moves the
  // shared webhook cursor only up to here, so a successor re-sends what this one did not finish.
  std::optional<int64_t> OldestUnsettled() const;

  size_t webhook_count() const { return workers_.size(); }
  // Counters of the webhook at `index` (config order); all zero for an index out of range.
  WebhookCounters counters(size_t index) const;
  // Sum over every webhook.
  WebhookCounters total() const;

 private:
  struct Worker;

  explicit WebhookNotifier(WebhookNotifierOptions options);
  void Run(Worker& w);
  // True when the change is settled (delivered or given up for good), false if abandoned.
  bool Deliver(Worker& w, const veu::v1::VerdictChange& change);
  // Waits `d` unless shutdown's abandon point comes first; returns false if it did.
  bool SleepUnlessAborted(absl::Duration d);
  bool aborted() const { return abort_.load(std::memory_order_relaxed); }

  const WebhookNotifierOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;

  std::atomic<bool> abort_{false};  // read by curl's progress callback to cut in-flight POSTs
  mutable absl::Mutex mu_;
  bool aborting_ ABSL_GUARDED_BY(mu_) = false;  // mirrors abort_, so sleepers can Await it
  size_t running_ ABSL_GUARDED_BY(mu_) = 0;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex shutdown_mu_;  // serialises Shutdown callers (the destructor included)
};

}  // namespace veu::verifier::notify

#endif  // VEU_VERIFIER_NOTIFY_WEBHOOK_NOTIFIER_H_
