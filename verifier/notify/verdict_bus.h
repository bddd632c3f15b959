// In-process publish/subscribe of veu.v1.VerdictChange: the appraisal path publishes, the
// regulator API's WatchVerdicts streams and the webhook notifier subscribe.
//
// Contract:
//  - Publish never waits for a subscriber: each subscriber has its own bounded queue
//    (default 1024 changes); when it is full the OLDEST queued change is dropped and the
//    subscriber's dropped() count grows, so a slow consumer loses history, not the newest state,
//    and can tell that it did. Publish holds locks only to copy the change into queues, and runs
//    each subscriber's filter on the publishing thread, so filters must be cheap and must not
//    call back into the bus.
//  - A subscriber sees the changes it accepts in the order they were published (per publisher
//    thread; concurrent Publish calls are ordered by whichever takes the bus lock first).
//  - Every method of VerdictBus and Subscription is thread-safe. A Subscription may outlive its
//    bus: once the bus is closed or destroyed, Next returns what was already queued, then false.
#ifndef VEU_VERIFIER_NOTIFY_VERDICT_BUS_H_
#define VEU_VERIFIER_NOTIFY_VERDICT_BUS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "veu/v1/regulator.pb.h"

namespace veu::verifier::notify {

namespace internal {
struct BusCore;
struct SubscriberQueue;
}  // namespace internal

// One subscriber's view of the bus. Destroying it unsubscribes.
class Subscription {
 public:
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Waits until a change is queued (true, *out filled), or until `deadline` passes or the
  // subscription is closed with nothing left queued (false, *out untouched). Changes queued
  // before a close are still returned, so a consumer can drain. absl::InfinitePast() polls.
  bool Next(veu::v1::VerdictChange* out, absl::Time deadline);

  // How many changes this subscriber lost to queue overflow since it subscribed.
  uint64_t dropped() const;

  // Changes currently queued (for metrics and tests).
  size_t queued() const;

  // Stops delivery to this subscription and wakes a blocked Next (e.g. from a shutdown path on
  // another thread). Already queued changes stay readable. Idempotent.
  void Close();

 private:
  friend class VerdictBus;
  Subscription(std::shared_ptr<internal::BusCore> core,
               std::shared_ptr<internal::SubscriberQueue> queue);

  std::shared_ptr<internal::BusCore> core_;
  std::shared_ptr<internal::SubscriberQueue> queue_;
};

class VerdictBus {
 public:
  using Filter = std::function<bool(const veu::v1::VerdictChange&)>;

  static constexpr size_t kDefaultQueueCapacity = 1024;

  // `queue_capacity` is per subscriber; values below 1 are treated as 1.
  explicit VerdictBus(size_t queue_capacity = kDefaultQueueCapacity);
  // Closes the bus (see Close).
  ~VerdictBus();
  VerdictBus(const VerdictBus&) = delete;
  VerdictBus& operator=(const VerdictBus&) = delete;

  // Offers `change` to every subscriber whose filter accepts it. Never blocks on consumers;
  // a no-op once the bus is closed.
  void Publish(const veu::v1::VerdictChange& change);

  // Subscribes to the changes `filter` accepts (an empty filter accepts all).
  std::unique_ptr<Subscription> Subscribe(Filter filter);
  // Subscribes to the changes of these sites (VerdictChange.site); an empty set means every site.
  std::unique_ptr<Subscription> SubscribeToSites(absl::flat_hash_set<std::string> sites);

  // Ends publishing: later Publish calls do nothing, and every subscription is closed (its
  // Next drains what is queued, then returns false). Subscribing after Close yields a
  // subscription that is already closed. Idempotent.
  void Close();

  // Live (not yet destroyed) subscriptions.
  size_t subscriber_count() const;

 private:
  std::shared_ptr<internal::BusCore> core_;
};

}  // namespace veu::verifier::notify

#endif  // VEU_VERIFIER_NOTIFY_VERDICT_BUS_H_
