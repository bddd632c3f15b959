#include "verifier/notify/change_feed_follower.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace veu::verifier::notify {

ChangeFeedFollower::ChangeFeedFollower(ChangeFeed* feed, VerdictBus* watchers,
                                       VerdictBus* webhooks,
                                       std::function<bool()> deliver_webhooks,
                                       absl::Duration poll)
    : feed_(feed),
      watchers_(watchers),
      webhooks_(webhooks),
      deliver_webhooks_(std::move(deliver_webhooks)),
      poll_(poll) {
  absl::StatusOr<int64_t> end = feed_->LatestVerdictChange();
  if (end.ok()) position_ = start_ = *end;
  thread_ = std::thread([this] { Run(); });
}

ChangeFeedFollower::~ChangeFeedFollower() { Stop(); }

void ChangeFeedFollower::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void ChangeFeedFollower::Append(const veu::v1::VerdictChange& change) {
  if (absl::Status s = feed_->AppendVerdictChange(change); !s.ok()) {
    Log("notify", absl::StrCat("verdict change of site ", change.site(),
                               " not shared with the other replicas: ", s.message()));
  }
}

void ChangeFeedFollower::TrackDelivery(DeliveryProgress oldest_unsettled) {
  absl::MutexLock lock(&progress_mu_);
  progress_ = std::move(oldest_unsettled);
}

void ChangeFeedFollower::SaveWebhookCursor() {
  int64_t target = webhook_position_;
  {
    absl::MutexLock lock(&progress_mu_);
    if (progress_) {
      if (std::optional<int64_t> oldest = progress_(); oldest && *oldest - 1 < target) {
        target = *oldest - 1;
      }
    }
  }
  if (target <= saved_cursor_) return;
  if (absl::Status s = feed_->AdvanceFeedCursor(kWebhookCursor, target); !s.ok()) {
    // Delivery goes on; a successor would deliver these again, which receivers tolerate.
    Log("notify", absl::StrCat("saving the webhooks' cursor: ", s.message()));
    return;
  }
  saved_cursor_ = target;
}

void ChangeFeedFollower::Poll() {
  PollWatchers();
  PollWebhooks();
}

void ChangeFeedFollower::PollWatchers() {
  if (position_ < 0) {
    absl::StatusOr<int64_t> end = feed_->LatestVerdictChange();
    if (!end.ok()) return;
    position_ = *end;
  }
  if (start_ < 0) start_ = position_;
  while (!stop_.HasBeenNotified()) {
    auto changes = feed_->VerdictChangesAfter(position_, 500);
    if (!changes.ok()) {
      Log("notify", absl::StrCat("reading the verdict-change feed: ", changes.status().message()));
      return;
    }
    for (const auto& [id, change] : *changes) {
      watchers_->Publish(change);
      position_ = id;
    }
    if (changes->size() < 500) return;
  }
}

void ChangeFeedFollower::PollWebhooks() {
  if (webhooks_ == nullptr || !deliver_webhooks_ || !deliver_webhooks_()) {
    webhook_position_ = -1;  // another replica delivers; re-read the cursor on taking over
    return;
  }
  if (webhook_position_ < 0) {
    if (start_ < 0) return;  // the feed's end is not known yet
    absl::StatusOr<int64_t> cursor = feed_->ReadFeedCursor(kWebhookCursor);
    if (cursor.ok()) {
      webhook_position_ = *cursor;
    } else if (absl::IsNotFound(cursor.status())) {
      webhook_position_ = start_;  // the first holder ever: from when this replica started
    } else {
      Log("notify", absl::StrCat("reading the webhooks' cursor: ", cursor.status().message()));
      return;
    }
    absl::StatusOr<int64_t> end = feed_->LatestVerdictChange();
    if (!end.ok()) {
      webhook_position_ = -1;
      return;
    }
    if (*end - webhook_position_ > kMaxWebhookBacklog) {
      Log("notify", absl::StrCat("the webhooks' cursor is ", *end - webhook_position_,
                                 " changes behind; delivering the last ", kMaxWebhookBacklog));
      webhook_position_ = *end - kMaxWebhookBacklog;
    }
    Log("notify", absl::StrCat("delivering webhooks from verdict change ", webhook_position_ + 1));
    saved_cursor_ = webhook_position_;
  }
  while (!stop_.HasBeenNotified()) {
    auto changes = feed_->VerdictChangesAfter(webhook_position_, 500);
    if (!changes.ok()) {
      Log("notify", absl::StrCat("reading the verdict-change feed: ", changes.status().message()));
      return;
    }
    for (const auto& [id, change] : *changes) {
      veu::v1::VerdictChange positioned = change;
      positioned.set_feed_position(id);
      webhooks_->Publish(positioned);
      webhook_position_ = id;
    }
    // Also with nothing new: deliveries that settled since the last poll move the cursor.
    SaveWebhookCursor();
    if (changes->size() < 500) return;
  }
}

void ChangeFeedFollower::Run() {
  while (!stop_.WaitForNotificationWithTimeout(poll_)) Poll();
}

}  // namespace veu::verifier::notify
