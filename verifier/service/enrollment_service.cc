#include "verifier/service/enrollment_service.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/rpc/grpc_status.h"

namespace veu::verifier {

grpc::Status EnrollmentService::BeginEnrollment(grpc::ServerContext* ctx,
                                                const veu::v1::BeginEnrollmentRequest* request,
                                                veu::v1::BeginEnrollmentResponse* response) {
  absl::StatusOr<veu::v1::BeginEnrollmentResponse> r = enroller_->Begin(*request);
  if (!r.ok()) {
    Log("enrol", absl::StrCat(ctx->peer(), " site ", request->site(), " (", request->hostname(),
                              "): refused: ", r.status().message()));
    return ToGrpcStatus(r.status());
  }
  Log("enrol", absl::StrCat(ctx->peer(), " site ", request->site(), " (", request->hostname(),
                            "): identity verified, credential issued"));
  *response = *std::move(r);
  return grpc::Status::OK;
}

grpc::Status EnrollmentService::CompleteEnrollment(
    grpc::ServerContext* ctx, const veu::v1::CompleteEnrollmentRequest* request,
    veu::v1::CompleteEnrollmentResponse* response) {
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> r = enroller_->Complete(*request);
  if (!r.ok()) {
    Log("enrol", absl::StrCat(ctx->peer(), ": activation refused: ", r.status().message()));
    return ToGrpcStatus(r.status());
  }
  Log("enrol", absl::StrCat(ctx->peer(), ": agent ", r->agent_id().substr(0, 12),
                            r->re_enrolled() ? " re-enrolled" : " enrolled"));
  *response = *std::move(r);
  return grpc::Status::OK;
}

}  // namespace veu::verifier
