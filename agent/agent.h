// The agent's life as an explicit state machine:
//
//   kUnenrolled --enrol ok--> kAttesting --stream ends--> kBackingOff --> kAttesting
//        ^   \--enrol refused/failed--> kBackingOff --> kUnenrolled        |
//        \---------------- verifier says AGENT_UNKNOWN ---------------------/
//
// Everything that touches the world is injected: the TPM, the verifier's stubs, the facts
// source, the state store (the agent ID file), the offline spool, the clock and the sleep.
//
// While attesting, a stream that ends without an acknowledged report means no verifier
// answered: with a spool, the agent takes an offline quote each offline_interval (chained to
// the last acknowledged one, see TakeOfflineQuote) and retries no later than the next one is
// due; the next stream uploads them.
#ifndef VEU_AGENT_AGENT_H_
#define VEU_AGENT_AGENT_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/attestation_client.h"
#include "agent/enrollment_client.h"
#include "agent/tpm/tpm.h"

namespace veu::agent {

enum class AgentState { kUnenrolled, kAttesting, kBackingOff, kStopped };
std::string_view AgentStateName(AgentState state);
// sha256 PCRs 0-7 and 10, the verifier's default challenge.
veu::v1::PcrSelection DefaultOfflineSelection();

struct AgentDeps {
  Tpm* tpm = nullptr;
  veu::v1::Enrollment::StubInterface* enrollment = nullptr;
  veu::v1::Attestation::StubInterface* attestation = nullptr;
  ReportSource source;
  // Persisted agent ID: load returns "" when not enrolled yet.
  std::function<std::string()> load_agent_id;
  std::function<absl::Status(const std::string&)> save_agent_id;
  std::function<void(absl::Duration)> sleep;
  std::function<bool()> stopping;  // true once the process should end
  OfflineSpool* spool = nullptr;   // null: no offline quotes
  std::function<absl::Time()> now;  // unset: absl::Now
};

struct AgentOptions {
  EnrollmentRequestOptions enrollment;
  absl::Duration min_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(60);
  uint64_t max_rounds = 0;  // > 0: stop after this many acknowledged reports (measurements)
  absl::Duration offline_interval = absl::Seconds(30);
  // What offline quotes cover until a challenge said otherwise (the verifier's default).
  veu::v1::PcrSelection offline_selection = DefaultOfflineSelection();
};

class Agent {
 public:
  Agent(AgentDeps deps, AgentOptions options);
  // Runs until stopping() or max_rounds. Returns the last error if it stopped on one that
  // retrying cannot fix (e.g. no TPM), OK otherwise.
  absl::Status Run();
  AgentState state() const { return state_; }

 private:
  void BackOff(const absl::Status& why, absl::Duration cap = absl::InfiniteDuration());
  absl::Time Now() const { return deps_.now ? deps_.now() : absl::Now(); }
  // Takes an offline quote if one is due; returns how long until the next is.
  absl::Duration QuoteOfflineIfDue();

  AgentDeps deps_;
  AgentOptions options_;
  AgentState state_ = AgentState::kUnenrolled;
  std::string agent_id_;
  absl::Duration backoff_;
  uint64_t rounds_ = 0;
  std::optional<absl::Time> last_quote_at_;  // online or offline
  veu::v1::PcrSelection selection_;
};

}  // namespace veu::agent

#endif  // VEU_AGENT_AGENT_H_
