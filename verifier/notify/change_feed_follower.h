// ChangeFeedFollower: with replicas, carries verdict changes between them through the shared
// store's ChangeFeed. Each replica appends the changes it makes (Append) instead of publishing
// them itself; this follower reads every replica's changes in feed order and publishes each to
// the local VerdictBus (WatchVerdicts), and — only while `deliver_webhooks` says so (the
// replica holds the cluster-duty lease) — to the bus the webhooks read, so a change is
// delivered by one replica, not by all.
//
// Watchers start at the feed's end: a replica that starts publishes changes made from then on.
// Webhooks resume from a cursor kept in the store (ChangeFeed::ReadFeedCursor "webhooks"): the
// lease holder advances it as its notifier settles changes (TrackDelivery: delivered, or given
// up for good), not as it hands them over, and a replica that takes the lease over starts where
// the last holder's deliveries stood, so changes made while the lease moved, or queued but not
// yet delivered by a holder that died, are delivered once more rather than by nobody
// (at-least-once across a handover; a receiver dedupes by VerdictChange.feed_position, which
// every webhook change carries). Without TrackDelivery the cursor follows the hand-over. A cursor more than kMaxWebhookBacklog changes behind is moved up to
// that many before the end, with a log line, so a long-idle cluster does not replay history. A
// feed that cannot be read is retried at the next poll; nothing is skipped (positions only move
// past changes that were published). Thread-safe.
#ifndef VEU_VERIFIER_NOTIFY_CHANGE_FEED_FOLLOWER_H_
#define VEU_VERIFIER_NOTIFY_CHANGE_FEED_FOLLOWER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "verifier/notify/verdict_bus.h"
#include "verifier/store/change_feed.h"

namespace veu::verifier::notify {

class ChangeFeedFollower {
 public:
  ChangeFeedFollower(ChangeFeed* feed, VerdictBus* watchers, VerdictBus* webhooks,
                     std::function<bool()> deliver_webhooks,
                     absl::Duration poll = absl::Milliseconds(250));
  ~ChangeFeedFollower();  // Stop()

  static constexpr char kWebhookCursor[] = "webhooks";
  static constexpr int64_t kMaxWebhookBacklog = 10000;

  // Appends a change this replica made; logs (never blocks the caller on) a failure.
  void Append(const veu::v1::VerdictChange& change);
  // Where the webhooks' deliveries stand: the feed position of the oldest change handed over and
  // not settled yet, nullopt if none (WebhookNotifier::OldestUnsettled). The shared cursor then
  // never passes an unsettled change. Set once, after the notifier started.
  using DeliveryProgress = std::function<std::optional<int64_t>()>;
  void TrackDelivery(DeliveryProgress oldest_unsettled);
  void Stop();

 private:
  void Run();
  void Poll();
  void PollWatchers();
  void PollWebhooks();
  // Moves the shared cursor up to what is both handed over and settled, if that moved.
  void SaveWebhookCursor();

  ChangeFeed* const feed_;
  VerdictBus* const watchers_;
  VerdictBus* const webhooks_;
  const std::function<bool()> deliver_webhooks_;
  const absl::Duration poll_;
  int64_t position_ = -1;  // Run's thread only; -1 until the feed's end was read
  int64_t start_ = -1;     // the feed's end when this follower started
  // Run's thread only: where this replica's webhook delivery stands; -1 while it does not
  // deliver (not the lease holder), so taking the lease re-reads the shared cursor.
  int64_t webhook_position_ = -1;
  int64_t saved_cursor_ = -1;  // Run's thread only: the cursor as last read or written
  absl::Mutex progress_mu_;
  DeliveryProgress progress_ ABSL_GUARDED_BY(progress_mu_);
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace veu::verifier::notify

#endif  // VEU_VERIFIER_NOTIFY_CHANGE_FEED_FOLLOWER_H_
