#include "verifier/service/group_committer.h"

#include <utility>

namespace veu::verifier {

GroupCommitter::GroupCommitter(Store* store, GroupCommitterOptions options)
    : store_(store), options_(std::move(options)), thread_([this] { Run(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void GroupCommitter::Submit(AppraisalCommit commit, Done done) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_ && queue_.size() < options_.max_queued) {
      queue_.push_back(Item{std::move(commit), std::move(done)});
      return;
    }
  }
  done(absl::ResourceExhaustedError(
      "the commit queue is full or the verifier is stopping; the result was not stored"));
}

size_t GroupCommitter::queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

void GroupCommitter::Run() {
  while (true) {
    std::vector<Item> group;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](GroupCommitter* c) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return c->stopping_ || !c->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and everything submitted is committed
      const size_t n = std::min(queue_.size(), options_.max_group);
      group.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<AppraisalCommit> commits;
    commits.reserve(group.size());
    for (Item& item : group) commits.push_back(std::move(item.commit));
    const absl::Time start = absl::Now();
    std::vector<absl::Status> statuses = store_->CommitAppraisals(commits);
    const absl::Duration took = absl::Now() - start;
    size_t failed = 0;
    for (size_t i = 0; i < group.size(); ++i) {
      const absl::Status status =
          i < statuses.size() ? statuses[i]
                              : absl::InternalError("the store returned too few statuses");
      if (!status.ok()) ++failed;
      group[i].done(status);
    }
    if (options_.observer) options_.observer(group.size(), took, failed);
  }
}

}  // namespace veu::verifier
