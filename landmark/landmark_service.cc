#include "landmark/landmark_service.h"

#include "common/rpc/grpc_status.h"

namespace veu::landmark {

grpc::Status LandmarkService::Measure(grpc::ServerContext*, const veu::v1::MeasureRequest* request,
                                      veu::v1::LandmarkReceipt* receipt) {
  absl::MutexLock lock(&one_at_a_time_);
  absl::StatusOr<veu::v1::LandmarkReceipt> r =
      landmark::Measure(self_, *request, [] { return absl::Now(); });
  if (!r.ok()) return ToGrpcStatus(r.status());
  *receipt = *std::move(r);
  return grpc::Status::OK;
}

}  // namespace veu::landmark
