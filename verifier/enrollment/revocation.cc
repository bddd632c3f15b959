#include "verifier/enrollment/revocation.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/proto_time.h"
#include "verifier/enrollment/enroller.h"

namespace veu::verifier {

absl::Status CheckNotRevoked(const veu::v1::AgentRecord& agent) {
  if (agent.status() != veu::v1::AGENT_STATUS_REVOKED) return absl::OkStatus();
  const veu::v1::Revocation& r = agent.revocation();
  std::string why = r.reason().empty() ? "" : absl::StrCat(" (\"", r.reason(), "\")");
  std::string when =
      r.has_revoked_at()
          ? absl::StrCat(" at ", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", FromProtoTime(r.revoked_at()),
                                                  absl::UTCTimeZone()))
          : "";
  return Refusal(absl::StatusCode::kPermissionDenied, veu::v1::AGENT_REVOKED,
                 absl::StrCat("agent ", agent.agent_id(), " was revoked", when, why,
                              "; its EK is refused until an operator runs `veuctl agent allow ",
                              agent.agent_id(), "`"));
}

absl::Status CheckNotRevoked(Store& store, const std::string& agent_id) {
  absl::StatusOr<veu::v1::AgentRecord> agent = store.GetAgent(agent_id);
  if (absl::IsNotFound(agent.status())) return absl::OkStatus();
  if (!agent.ok()) return agent.status();
  return CheckNotRevoked(*agent);
}

}  // namespace veu::verifier
