#include "verifier/notify/verdict_bus.h"

#include <algorithm>
#include <deque>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace veu::verifier::notify {
namespace internal {

// One subscriber's bounded queue. Its own lock, so a consumer draining it never holds up
// Publish's walk over the other subscribers.
struct SubscriberQueue {
  SubscriberQueue(VerdictBus::Filter f, size_t cap) : filter(std::move(f)), capacity(cap) {}

  const VerdictBus::Filter filter;  // immutable after construction: read without the lock
  const size_t capacity;

  mutable absl::Mutex mu;
  std::deque<veu::v1::VerdictChange> items ABSL_GUARDED_BY(mu);
  uint64_t dropped ABSL_GUARDED_BY(mu) = 0;
  bool closed ABSL_GUARDED_BY(mu) = false;

  void Push(const veu::v1::VerdictChange& change) ABSL_LOCKS_EXCLUDED(mu) {
    absl::MutexLock lock(&mu);
    if (closed) return;
    if (items.size() >= capacity) {
      items.pop_front();  // the oldest goes: the newest state matters most to a watcher
      ++dropped;
    }
    items.push_back(change);
  }

  void Close() ABSL_LOCKS_EXCLUDED(mu) {
    absl::MutexLock lock(&mu);
    closed = true;
  }
};

struct BusCore {
  explicit BusCore(size_t cap) : capacity(std::max<size_t>(cap, 1)) {}

  const size_t capacity;
  mutable absl::Mutex mu;
  std::vector<std::shared_ptr<SubscriberQueue>> subscribers ABSL_GUARDED_BY(mu);
  bool closed ABSL_GUARDED_BY(mu) = false;
};

}  // namespace internal

using internal::BusCore;
using internal::SubscriberQueue;

Subscription::Subscription(std::shared_ptr<BusCore> core, std::shared_ptr<SubscriberQueue> queue)
    : core_(std::move(core)), queue_(std::move(queue)) {}

Subscription::~Subscription() {
  Close();
  absl::MutexLock lock(&core_->mu);
  auto& subs = core_->subscribers;
  subs.erase(std::remove(subs.begin(), subs.end(), queue_), subs.end());
}

bool Subscription::Next(veu::v1::VerdictChange* out, absl::Time deadline) {
  SubscriberQueue& q = *queue_;
  absl::MutexLock lock(&q.mu);
  auto ready = [&q]() ABSL_SHARED_LOCKS_REQUIRED(q.mu) { return !q.items.empty() || q.closed; };
  q.mu.AwaitWithDeadline(absl::Condition(&ready), deadline);
  if (q.items.empty()) return false;
  *out = std::move(q.items.front());
  q.items.pop_front();
  return true;
}

uint64_t Subscription::dropped() const {
  absl::MutexLock lock(&queue_->mu);
  return queue_->dropped;
}

size_t Subscription::queued() const {
  absl::MutexLock lock(&queue_->mu);
  return queue_->items.size();
}

void Subscription::Close() { queue_->Close(); }

VerdictBus::VerdictBus(size_t queue_capacity)
    : core_(std::make_shared<BusCore>(queue_capacity)) {}

VerdictBus::~VerdictBus() { Close(); }

void VerdictBus::Publish(const veu::v1::VerdictChange& change) {
  // Holding the bus lock across the pushes keeps one publish order for every subscriber;
  // each push is a bounded copy under the subscriber's own short-held lock.
  absl::MutexLock lock(&core_->mu);
  if (core_->closed) return;
  for (const auto& q : core_->subscribers) {
    if (q->filter && !q->filter(change)) continue;
    q->Push(change);
  }
}

std::unique_ptr<Subscription> VerdictBus::Subscribe(Filter filter) {
  auto queue = std::make_shared<SubscriberQueue>(std::move(filter), core_->capacity);
  absl::MutexLock lock(&core_->mu);
  if (core_->closed) {
    queue->Close();
  } else {
    core_->subscribers.push_back(queue);
  }
  return std::unique_ptr<Subscription>(new Subscription(core_, std::move(queue)));
}

std::unique_ptr<Subscription> VerdictBus::SubscribeToSites(absl::flat_hash_set<std::string> sites) {
  if (sites.empty()) return Subscribe(nullptr);
  return Subscribe([sites = std::move(sites)](const veu::v1::VerdictChange& change) {
    return sites.contains(change.site());
  });
}

void VerdictBus::Close() {
  absl::MutexLock lock(&core_->mu);
  core_->closed = true;
  for (const auto& q : core_->subscribers) q->Close();
}

size_t VerdictBus::subscriber_count() const {
  absl::MutexLock lock(&core_->mu);
  return core_->subscribers.size();
}

}  // namespace veu::verifier::notify
