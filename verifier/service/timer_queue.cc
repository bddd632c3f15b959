#include "verifier/service/timer_queue.h"

namespace veu::verifier {

TimerQueue::TimerQueue() : thread_([this] { Run(); }) {}

TimerQueue::~TimerQueue() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

TimerQueue::Id TimerQueue::Schedule(absl::Time when, std::function<void()> callback) {
  absl::MutexLock lock(&mu_);
  const Id id = next_id_++;
  due_.emplace(Key{when, id}, std::move(callback));
  when_.emplace(id, when);
  return id;
}

bool TimerQueue::Cancel(Id id) {
  absl::MutexLock lock(&mu_);
  auto it = when_.find(id);
  if (it == when_.end()) return false;
  due_.erase(Key{it->second, id});
  when_.erase(it);
  return true;
}

size_t TimerQueue::pending() const {
  absl::MutexLock lock(&mu_);
  return due_.size();
}

void TimerQueue::Run() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    if (due_.empty()) {
      // Woken by Schedule (the condition changes) or by the periodic re-check.
      mu_.AwaitWithTimeout(absl::Condition(
                               +[](TimerQueue* q) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                 return q->stopping_ || !q->due_.empty();
                               },
                               this),
                           absl::Seconds(1));
      continue;
    }
    const absl::Time first = due_.begin()->first.first;
    const absl::Time now = absl::Now();
    if (first > now) {
      // Wake at the earliest deadline, or earlier when an earlier one is scheduled.
      struct Earlier {
        TimerQueue* q;
        absl::Time first;
      } arg{this, first};
      mu_.AwaitWithDeadline(absl::Condition(
                                +[](Earlier* e) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                  return e->q->stopping_ || e->q->due_.empty() ||
                                         e->q->due_.begin()->first.first < e->first;
                                },
                                &arg),
                            first);
      continue;
    }
    auto it = due_.begin();
    std::function<void()> callback = std::move(it->second);
    when_.erase(it->first.second);
    due_.erase(it);
    mu_.Unlock();
    callback();
    mu_.Lock();
  }
}

}  // namespace veu::verifier
