#include "verifier/service/deadline_reaper.h"

#include <vector>

namespace veu::verifier {

DeadlineReaper::DeadlineReaper() : thread_([this] { Run(); }) {}

DeadlineReaper::~DeadlineReaper() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void DeadlineReaper::Arm(grpc::ServerContext* ctx, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  armed_[ctx] = deadline;
}

void DeadlineReaper::Disarm(grpc::ServerContext* ctx) {
  absl::MutexLock lock(&mu_);
  armed_.erase(ctx);
}

void DeadlineReaper::Run() {
  absl::MutexLock lock(&mu_);
  while (!stop_) {
    // Granularity of 100 ms is plenty for deadlines measured in seconds.
    mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Milliseconds(100));
    const absl::Time now = absl::Now();
    std::vector<grpc::ServerContext*> expired;
    for (const auto& [ctx, deadline] : armed_) {
      if (deadline <= now) expired.push_back(ctx);
    }
    for (grpc::ServerContext* ctx : expired) {
      armed_.erase(ctx);
      // The handler is blocked in Read() while armed, so ctx is alive; cancelling makes that
      // Read() return false and the handler ends the call.
      ctx->TryCancel();
    }
  }
}

}  // namespace veu::verifier
