// GroupCommitter: appraisals from many streams are committed together, one transaction and
// one durable sync per group (Store::CommitAppraisals), and each stream hears back only after
// its group is durable, so it can acknowledge the result to its agent.
//
// Groups form by themselves: while one group is being committed (mostly waiting for the
// sync), the next one queues up. Under light load a group is one appraisal and nothing waits;
// under heavy load a few milliseconds of sync carry hundreds of appraisals. Commits are handed
// to the store in submission order, so one agent's successive results (and their log leaves)
// keep their order. Thread-safe; `done` callbacks run on the committer's thread and must be
// short.
#ifndef VEU_VERIFIER_SERVICE_GROUP_COMMITTER_H_
#define VEU_VERIFIER_SERVICE_GROUP_COMMITTER_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "verifier/store/store.h"

namespace veu::verifier {

struct GroupCommitterOptions {
  size_t max_group = 1000;   // appraisals per transaction at most
  size_t max_queued = 100000;  // beyond this Submit refuses (ResourceExhausted) at once
  // Told after each group: its size, how long the store took, how many failed.
  std::function<void(size_t size, absl::Duration took, size_t failed)> observer;
};

class GroupCommitter {
 public:
  using Done = std::function<void(const absl::Status&)>;

  GroupCommitter(Store* store, GroupCommitterOptions options);
  ~GroupCommitter();  // commits what was submitted, then stops
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Queues `commit`; `done` is called exactly once with its outcome (possibly at once, with
  // ResourceExhausted, if the queue is full or the committer is stopping).
  void Submit(AppraisalCommit commit, Done done);

  size_t queued() const;

 private:
  struct Item {
    AppraisalCommit commit;
    Done done;
  };
  void Run();

  Store* const store_;
  const GroupCommitterOptions options_;
  mutable absl::Mutex mu_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_GROUP_COMMITTER_H_
