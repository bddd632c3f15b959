// The one rule for revoked agents (`veuctl agent revoke`): every enrolment of their EK and
// every report they send is refused with AGENT_REVOKED, saying why and how to allow them again.
// Enrolment (Enroller) and the attestation stream both call these, so both say the same.
#ifndef VEU_VERIFIER_ENROLLMENT_REVOCATION_H_
#define VEU_VERIFIER_ENROLLMENT_REVOCATION_H_

#include <string>

#include "absl/status/status.h"
#include "veu/v1/records.pb.h"
#include "verifier/store/store.h"

namespace veu::verifier {

// OK unless `agent` is revoked (status AGENT_STATUS_REVOKED); then PermissionDenied whose
// message starts "AGENT_REVOKED: " (RefusalReason reads it) and names the agent, when and why
// it was revoked and `veuctl agent allow AGENT`. Pure; thread-safe.
absl::Status CheckNotRevoked(const veu::v1::AgentRecord& agent);

// The same for the agent `agent_id` as `store` has it now: OK when it never enrolled or is not
// revoked, the refusal above when it is, the store's error otherwise (e.g. Unavailable). Call it
// before acting on a report or enrolment; thread-safe as the store is.
absl::Status CheckNotRevoked(Store& store, const std::string& agent_id);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_ENROLLMENT_REVOCATION_H_
