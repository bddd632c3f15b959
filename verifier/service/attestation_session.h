// AttestationSession: the verifier's half of one agent's attestation stream, as a plain state
// machine with no gRPC and no threads in it.
//
//   kAwaitingHello --hello of an enrolled agent--> kIdle --timer--> kAwaitingEvidence
//        ^ (hello_timeout)    |                     ^                  | evidence: appraise
//                             | offline_pending     |                  v
//                             v                     +--- ack ---- kCommitting (group commit)
//                      kAwaitingUpload --last OfflineUpload--> kIdle
//
// The transport (attestation_service.cc) feeds it what happened — a message, the timer it asked
// for, the result of the commit it handed over, the peer going away — and carries out the
// SessionStep it gets back: send these messages, commit this, wake me at, end the stream. The
// clock is injected, so every transition and deadline is unit-tested without waiting.
//
// The hello's agent_id only selects which enrolled AK must have signed the quotes: until a
// quote verifies under that AK with this session's fresh nonce the session is unauthenticated,
// and a report that proves nothing ends it without touching the agent's verdict (nobody can
// flip another agent's verdict by claiming its ID). A result is acknowledged only after the
// transport reports its commit durable.
//
// Offline quotes (a hello with offline_pending): the session takes the agent's OfflineUpload
// batches before its first challenge and checks the chain (appraisal/offline_chain.h) against
// the anchor in the agent's record. The gap record (EVENT_OFFLINE_CONTINUOUS or
// EVENT_OFFLINE_BROKEN, detail: the summary and each break) is held until a fresh quote
// authenticates the stream, then committed with that appraisal (so an unauthenticated peer
// writes nothing); OfflineAck goes out just before its Ack. Every commit of a quote that proves
// the AK with this session's nonce sets the record's chain_anchor to it.
//
// Not thread-safe: the transport serialises calls (one mutex per stream).
#ifndef VEU_VERIFIER_SERVICE_ATTESTATION_SESSION_H_
#define VEU_VERIFIER_SERVICE_ATTESTATION_SESSION_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "verifier/appraisal/appraiser.h"
#include "verifier/appraisal/nonce_book.h"
#include "verifier/service/blob_interner.h"
#include "verifier/store/store.h"
#include "veu/v1/attestation.pb.h"

namespace veu::verifier {

// Time as the session sees it; tests substitute a clock they move by hand.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

struct SessionOptions {
  absl::Duration challenge_interval = absl::Seconds(30);
  absl::Duration response_timeout = absl::Seconds(10);  // nonce lifetime
  absl::Duration hello_timeout = absl::Seconds(10);
  // Evidence is still taken this long after the challenge's deadline (network, agent load);
  // the nonce itself expires at the deadline, so late evidence fails nonce.fresh.
  absl::Duration network_grace = absl::Seconds(2);
  std::vector<veu::v1::PcrSelection> pcr_selection;
};

struct SessionDeps {
  Store* store = nullptr;
  NonceBook* nonces = nullptr;
  const AppraisalPolicy* policy = nullptr;
  const Clock* clock = nullptr;
  // n cryptographically random bytes (crypto::RandomBytes in production).
  std::function<absl::StatusOr<std::string>(size_t n)> random;
  // How long after its hello a new session sends its first challenge (the transport paces a
  // reconnecting fleet with it); unset: at once.
  std::function<absl::Duration()> first_challenge_delay;
  // Where accepted event logs are kept once for all sessions; null: each session its own copy.
  BlobInterner* logs = nullptr;
};

// What the transport must do after a call, in this order: write `send`, hand `commit` to the
// group committer (and call OnCommitted with its result), (re)arm the one timer at `wake_at`
// (replacing any earlier one; unset: leave it as it is; InfiniteFuture: disarm), and, when
// `end` is set, finish the stream with it once the messages are written.
struct SessionStep {
  std::vector<veu::v1::VerifierMessage> send;
  std::optional<AppraisalCommit> commit;
  std::optional<absl::Time> wake_at;
  std::optional<absl::Status> end;
};

enum class SessionState {
  kAwaitingHello,
  kIdle,              // between an ack and the next challenge
  kAwaitingEvidence,  // a challenge is out
  kCommitting,        // the appraisal is with the group committer
  kAwaitingUpload,    // the hello said offline quotes follow; no challenge until the last batch
  kEnded,
};
const char* SessionStateName(SessionState state);

// A status ending a session carries a ReasonCode: this makes one (message without the code's
// name; the reason travels in StreamError.reason and in the status payload).
absl::Status SessionEnd(absl::StatusCode code, veu::v1::ReasonCode reason,
                        const std::string& message);
// The reason of a status made by SessionEnd, or REASON_UNSPECIFIED.
veu::v1::ReasonCode SessionEndReason(const absl::Status& status);

class AttestationSession {
 public:
  // `peer` is for logs and events only (e.g. "ipv4:127.0.0.1:50312").
  AttestationSession(SessionDeps deps, SessionOptions options, std::string peer);

  // The stream opened: arms the hello deadline.
  SessionStep Start();
  SessionStep OnMessage(const veu::v1::AgentMessage& message);
  // The timer armed by the last wake_at fired.
  SessionStep OnTimer();
  // The commit handed over by the last step is durable (OK) or failed.
  SessionStep OnCommitted(const absl::Status& committed);
  // The peer closed its side or the call was cancelled: the session ends without a message.
  SessionStep OnPeerGone();
  // Something outside ended the session (a newer stream of the agent, shutdown, revocation):
  // tells the agent why, then ends.
  SessionStep Terminate(const absl::Status& why);

  SessionState state() const { return state_; }
  // Set once a hello named an enrolled agent.
  const std::string& agent_id() const { return agent_id_; }
  const std::string& site() const { return site_; }
  // True once a report proved the enrolled AK with a fresh nonce.
  bool authenticated() const { return authenticated_; }
  uint64_t sequence() const { return sequence_; }
  // After OnCommitted(OK): the committed appraisal's outcome (id, site, verdict, reasons,
  // checks; not its facts) and the agent's verdict before it (for verdict notifications).
  const veu::v1::Appraisal& last_committed() const { return last_committed_; }
  veu::v1::Verdict verdict_before_last_commit() const { return verdict_before_; }

 private:
  SessionStep OnHello(const veu::v1::AgentHello& hello);
  SessionStep OnEvidence(const veu::v1::Evidence& evidence);
  SessionStep OnOfflineUpload(const veu::v1::OfflineUpload& upload);
  SessionStep IssueChallenge();
  SessionStep End(const absl::Status& why, bool tell_peer);
  absl::StatusOr<AppraisalOutcome> AppraiseEvidence(const veu::v1::Evidence& evidence,
                                                    veu::v1::AgentRecord& current);
  absl::Time Now() const { return deps_.clock->Now(); }

  const SessionDeps deps_;
  const SessionOptions options_;
  const std::string peer_;
  SessionState state_ = SessionState::kAwaitingHello;
  std::string agent_id_;
  std::string site_;
  std::string who_;  // "agentid@site" for logs
  bool authenticated_ = false;
  uint64_t sequence_ = 0;
  veu::v1::Challenge challenge_;    // the one out (kAwaitingEvidence) or last answered
  // The last accepted event log of this session, and the one the appraisal now committing
  // accepted (empty pointers: none).
  std::shared_ptr<const std::string> previous_event_log_;
  std::shared_ptr<const std::string> pending_event_log_;
  veu::v1::Appraisal last_committed_;
  veu::v1::Appraisal committing_;  // the outcome only: a session holds no facts or evidence
  veu::v1::Verdict verdict_before_ = veu::v1::VERDICT_UNSPECIFIED;
  veu::v1::Verdict committing_verdict_before_ = veu::v1::VERDICT_UNSPECIFIED;
  // Commits refused because the agent record changed meanwhile (compare-and-set), in a row:
  // each is answered with a fresh challenge; past the limit the stream ends (two writers that
  // keep colliding are a fault to see, not to retry forever).
  static constexpr int kMaxRecordConflictsInARow = 3;
  int conflicts_in_a_row_ = 0;
  // The offline upload being received, then its outcome held for the first fresh commit.
  // The hello that announces an upload proves nothing yet (anyone may send an enrolled agent's
  // id), so what it may make the verifier hold is bounded in count and in bytes; the bytes match
  // the agent's own spool bound (64 MiB).
  static constexpr size_t kMaxOfflineQuotes = 20000;
  static constexpr size_t kMaxOfflineBytes = size_t{64} << 20;
  std::vector<veu::v1::OfflineQuote> offline_quotes_;
  size_t offline_bytes_ = 0;
  uint64_t offline_dropped_ = 0;
  std::vector<std::string> offline_unreadable_;
  std::optional<veu::v1::Event> pending_gap_;
  std::optional<veu::v1::OfflineAck> pending_offline_ack_;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_ATTESTATION_SESSION_H_
