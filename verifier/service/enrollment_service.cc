#include "verifier/service/enrollment_service.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/rpc/grpc_status.h"

namespace veu::verifier {

// Everything the peer sent goes through LogField (escaped and cut), and a refusal is logged only
// when it was recorded as an event row of its own: repeats of one peer within the refusal
// window are counted into one row (RefusalLog) and not logged one by one.
grpc::Status EnrollmentService::BeginEnrollment(grpc::ServerContext* ctx,
                                                const veu::v1::BeginEnrollmentRequest* request,
                                                veu::v1::BeginEnrollmentResponse* response) {
  const std::string peer = ctx->peer();
  bool recorded = false;
  absl::StatusOr<veu::v1::BeginEnrollmentResponse> r = enroller_->Begin(*request, peer, &recorded);
  if (!r.ok()) {
    if (recorded) {
      Log("enrol", absl::StrCat(LogField(peer), " site ", LogField(request->site()), " (",
                                LogField(request->hostname()),
                                "): refused: ", LogField(r.status().message(), 512),
                                " (repeats from this peer are counted, not logged)"));
    }
    return ToGrpcStatus(r.status());
  }
  Log("enrol", absl::StrCat(LogField(peer), " site ", LogField(request->site()), " (",
                            LogField(request->hostname()), "): identity verified, credential issued"));
  *response = *std::move(r);
  return grpc::Status::OK;
}

grpc::Status EnrollmentService::CompleteEnrollment(
    grpc::ServerContext* ctx, const veu::v1::CompleteEnrollmentRequest* request,
    veu::v1::CompleteEnrollmentResponse* response) {
  const std::string peer = ctx->peer();
  bool recorded = false;
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> r =
      enroller_->Complete(*request, peer, &recorded);
  if (!r.ok()) {
    if (recorded) {
      Log("enrol", absl::StrCat(LogField(peer), ": activation refused: ",
                                LogField(r.status().message(), 512)));
    }
    return ToGrpcStatus(r.status());
  }
  Log("enrol", absl::StrCat(LogField(peer), ": agent ", r->agent_id().substr(0, 12),
                            r->re_enrolled() ? " re-enrolled" : " enrolled"));
  *response = *std::move(r);
  return grpc::Status::OK;
}

}  // namespace veu::verifier
