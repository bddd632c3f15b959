// gRPC face of the Enroller: translate, call, map errors.
#ifndef VEU_VERIFIER_SERVICE_ENROLLMENT_SERVICE_H_
#define VEU_VERIFIER_SERVICE_ENROLLMENT_SERVICE_H_

#include "verifier/enrollment/enroller.h"
#include "veu/v1/enrollment.grpc.pb.h"

namespace veu::verifier {

class EnrollmentService final : public veu::v1::Enrollment::Service {
 public:
  explicit EnrollmentService(Enroller* enroller) : enroller_(enroller) {}
  grpc::Status BeginEnrollment(grpc::ServerContext* ctx,
                               const veu::v1::BeginEnrollmentRequest* request,
                               veu::v1::BeginEnrollmentResponse* response) override;
  grpc::Status CompleteEnrollment(grpc::ServerContext* ctx,
                                  const veu::v1::CompleteEnrollmentRequest* request,
                                  veu::v1::CompleteEnrollmentResponse* response) override;

 private:
  Enroller* const enroller_;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_ENROLLMENT_SERVICE_H_
