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
  if (end.ok()) position_ = *end;
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

void ChangeFeedFollower::Poll() {
  if (position_ < 0) {
    absl::StatusOr<int64_t> end = feed_->LatestVerdictChange();
    if (!end.ok()) return;
    position_ = *end;
  }
  while (!stop_.HasBeenNotified()) {
    auto changes = feed_->VerdictChangesAfter(position_, 500);
    if (!changes.ok()) {
      Log("notify", absl::StrCat("reading the verdict-change feed: ", changes.status().message()));
      return;
    }
    const bool webhooks = deliver_webhooks_ && deliver_webhooks_();
    for (const auto& [id, change] : *changes) {
      watchers_->Publish(change);
      if (webhooks && webhooks_ != nullptr) webhooks_->Publish(change);
      position_ = id;
    }
    if (changes->size() < 500) return;
  }
}

void ChangeFeedFollower::Run() {
  while (!stop_.WaitForNotificationWithTimeout(poll_)) Poll();
}

}  // namespace veu::verifier::notify
