// TimerQueue: one thread that runs callbacks at given times, so thousands of streams can each
// have a deadline without a thread (or a polling loop) apiece. Schedule is O(log n), Cancel
// O(log n); callbacks run one at a time on the queue's thread and must be short (they lock one
// stream and hand it its timer event). Thread-safe.
#ifndef VEU_VERIFIER_SERVICE_TIMER_QUEUE_H_
#define VEU_VERIFIER_SERVICE_TIMER_QUEUE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace veu::verifier {

class TimerQueue {
 public:
  using Id = uint64_t;  // never 0

  TimerQueue();
  ~TimerQueue();  // stops the thread; callbacks not yet run are dropped
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // Runs `callback` at (or soon after) `when`; a time in the past runs it at once.
  Id Schedule(absl::Time when, std::function<void()> callback);
  // True if the callback had not started and now never will.
  bool Cancel(Id id);
  // Callbacks scheduled and neither run nor cancelled.
  size_t pending() const;

 private:
  using Key = std::pair<absl::Time, Id>;
  void Run();

  mutable absl::Mutex mu_;
  std::map<Key, std::function<void()>> due_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<Id, absl::Time> when_ ABSL_GUARDED_BY(mu_);
  Id next_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_TIMER_QUEUE_H_
