#include "agent/enrollment_client.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/rpc/grpc_status.h"
#include "common/status_macros.h"

namespace veu::agent {
namespace {

void SetDeadline(grpc::ClientContext& ctx, absl::Duration timeout) {
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
}

}  // namespace

absl::StatusOr<std::string> Enrol(Tpm& tpm, veu::v1::Enrollment::StubInterface& stub,
                                  const EnrollmentRequestOptions& options) {
  ASSIGN_OR_RETURN(EkCertificate ek_cert, tpm.ReadEkCertificate());
  ASSIGN_OR_RETURN(std::string ek_public, tpm.EkPublic());
  ASSIGN_OR_RETURN(AkIdentity ak, tpm.Ak());

  veu::v1::BeginEnrollmentRequest begin;
  begin.set_site(options.site);
  begin.set_enrollment_token(options.token);
  begin.set_hostname(options.hostname);
  begin.mutable_identity()->set_ek_certificate(ek_cert.der);
  begin.mutable_identity()->set_ek_public(ek_public);
  begin.mutable_identity()->set_ak_public(ak.public_area);
  begin.mutable_identity()->set_ak_name(ak.name);
  veu::v1::BeginEnrollmentResponse credential;
  {
    grpc::ClientContext ctx;
    SetDeadline(ctx, options.rpc_timeout);
    RETURN_IF_ERROR(FromGrpcStatus(stub.BeginEnrollment(&ctx, begin, &credential)));
  }
  Log("enrol", absl::StrCat("verifier issued a credential for our AK (EK from NV 0x",
                            absl::Hex(ek_cert.nv_index), "); activating"));
  ASSIGN_OR_RETURN(std::string secret, tpm.ActivateCredential(credential.credential_blob(),
                                                              credential.encrypted_secret()));
  veu::v1::CompleteEnrollmentRequest complete;
  complete.set_enrollment_id(credential.enrollment_id());
  complete.set_activated_secret(secret);
  veu::v1::CompleteEnrollmentResponse done;
  {
    grpc::ClientContext ctx;
    SetDeadline(ctx, options.rpc_timeout);
    RETURN_IF_ERROR(FromGrpcStatus(stub.CompleteEnrollment(&ctx, complete, &done)));
  }
  return done.agent_id();
}

}  // namespace veu::agent
