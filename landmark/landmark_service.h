// The landmark's gRPC face: Measure(MeasureRequest) -> LandmarkReceipt. It authenticates no
// caller (a receipt is bound to the caller's nonce and signed, so it is worth nothing to anyone
// but the asker); it runs one measurement at a time, so the landmark's timing is never shared
// with another measurement and the daemon cannot be used to flood an agent.
#ifndef VEU_LANDMARK_LANDMARK_SERVICE_H_
#define VEU_LANDMARK_LANDMARK_SERVICE_H_

#include "absl/synchronization/mutex.h"
#include "landmark/prober.h"
#include "veu/v1/location.grpc.pb.h"

namespace veu::landmark {

class LandmarkService final : public veu::v1::Landmark::Service {
 public:
  explicit LandmarkService(LandmarkIdentity self) : self_(std::move(self)) {}
  grpc::Status Measure(grpc::ServerContext* ctx, const veu::v1::MeasureRequest* request,
                       veu::v1::LandmarkReceipt* receipt) override;

 private:
  const LandmarkIdentity self_;
  absl::Mutex one_at_a_time_;
};

}  // namespace veu::landmark

#endif  // VEU_LANDMARK_LANDMARK_SERVICE_H_
