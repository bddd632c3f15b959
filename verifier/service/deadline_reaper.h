// DeadlineReaper cancels gRPC calls whose peer did not answer in time. The synchronous gRPC
// API has no read timeout, so a peer that connects and goes silent would hold its handler
// thread forever; with the reaper it holds nothing past its deadline. Thread-safe.
#ifndef VEU_VERIFIER_SERVICE_DEADLINE_REAPER_H_
#define VEU_VERIFIER_SERVICE_DEADLINE_REAPER_H_

#include <grpcpp/server_context.h>

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace veu::verifier {

class DeadlineReaper {
 public:
  DeadlineReaper();
  ~DeadlineReaper();  // stops the reaper thread

  // Cancels `ctx` if Disarm(ctx) is not called before `deadline`.
  void Arm(grpc::ServerContext* ctx, absl::Time deadline);
  void Disarm(grpc::ServerContext* ctx);

 private:
  void Run();
  absl::Mutex mu_;
  absl::flat_hash_map<grpc::ServerContext*, absl::Time> armed_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// Arms on construction, disarms on destruction.
class ScopedDeadline {
 public:
  ScopedDeadline(DeadlineReaper* reaper, grpc::ServerContext* ctx, absl::Time deadline)
      : reaper_(reaper), ctx_(ctx) {
    reaper_->Arm(ctx_, deadline);
  }
  ~ScopedDeadline() { reaper_->Disarm(ctx_); }
  ScopedDeadline(const ScopedDeadline&) = delete;
  ScopedDeadline& operator=(const ScopedDeadline&) = delete;

 private:
  DeadlineReaper* reaper_;
  grpc::ServerContext* ctx_;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_DEADLINE_REAPER_H_
