// Enrolment, agent side: present the EK certificate, EK and AK public areas; activate the
// credential the verifier made for them; keep the agent ID the verifier assigns.
#ifndef VEU_AGENT_ENROLLMENT_CLIENT_H_
#define VEU_AGENT_ENROLLMENT_CLIENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "agent/tpm/tpm.h"
#include "veu/v1/enrollment.grpc.pb.h"

namespace veu::agent {

struct EnrollmentRequestOptions {
  std::string site;
  std::string token;     // may be empty when the operator allowed this EK beforehand
  std::string hostname;
  absl::Duration rpc_timeout = absl::Seconds(30);
};

// Runs both enrolment steps. Returns the agent ID. A refusal comes back as the verifier's
// status (its message starts with the reason code name).
absl::StatusOr<std::string> Enrol(Tpm& tpm, veu::v1::Enrollment::StubInterface& stub,
                                  const EnrollmentRequestOptions& options);

}  // namespace veu::agent

#endif  // VEU_AGENT_ENROLLMENT_CLIENT_H_
