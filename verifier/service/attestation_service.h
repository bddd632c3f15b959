// The attestation stream, server side, on gRPC's callback API: no thread per stream and no
// polling. Each stream is an AttestationSession (attestation_session.h: the protocol, with its
// deadlines) driven by a reactor that only authenticates nothing, translates messages, maps
// errors (ToGrpcStatus) and carries out the session's steps: writes, one timer on the shared
// TimerQueue, commits through the shared GroupCommitter (ack only after the group is durable).
//
// Across streams it keeps: one live proven stream per agent (a newer one closes the older
// with STREAM_REPLACED and records EVENT_SESSION_REPLACED), a cap on streams that have not
// proven an agent yet (beyond it new ones are refused VERIFIER_BUSY), and the metrics.
// Thread-safe.
#ifndef VEU_VERIFIER_SERVICE_ATTESTATION_SERVICE_H_
#define VEU_VERIFIER_SERVICE_ATTESTATION_SERVICE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "verifier/appraisal/appraiser.h"
#include "verifier/appraisal/nonce_book.h"
#include "verifier/service/attestation_session.h"
#include "verifier/service/blob_interner.h"
#include "verifier/service/group_committer.h"
#include "verifier/service/metrics.h"
#include "verifier/service/timer_queue.h"
#include "verifier/store/store.h"
#include "veu/v1/attestation.grpc.pb.h"

namespace veu::verifier {

struct StreamOptions {
  absl::Duration challenge_interval = absl::Seconds(30);
  absl::Duration response_timeout = absl::Seconds(10);   // nonce lifetime
  absl::Duration hello_timeout = absl::Seconds(10);
  // First challenges of new streams at most this many per second: a lone agent is challenged
  // at once, a fleet reconnecting after a restart ramps up instead of arriving in one burst.
  double first_challenges_per_second = 1000;
  std::vector<veu::v1::PcrSelection> pcr_selection;      // default sha256 0-7,10
  // Streams open that have not yet proven an agent; new ones beyond are refused VERIFIER_BUSY.
  int max_unauthenticated_streams = 20000;
  // Called after each appraisal is committed, with the agent's verdict before it (verdict
  // notifications); must not block.
  std::function<void(const veu::v1::Appraisal&, veu::v1::Verdict previous)> on_commit;
};

class StreamReactor;

class AttestationService final : public veu::v1::Attestation::CallbackService {
 public:
  // `metrics` may be null. Store, nonces, committer, timers and metrics outlive the service.
  AttestationService(Store* store, NonceBook* nonces, GroupCommitter* committer,
                     TimerQueue* timers, Metrics* metrics, AppraisalPolicy policy,
                     StreamOptions options);
  ~AttestationService() override;

  using veu::v1::Attestation::CallbackService::Attest;  // the synchronous form stays unused
  grpc::ServerBidiReactor<veu::v1::AgentMessage, veu::v1::VerifierMessage>* Attest(
      grpc::CallbackServerContext* ctx) override;

  // Ends every open stream with VERIFIER_SHUTTING_DOWN and refuses new ones; called before the
  // server shuts down.
  void Shutdown();

  // Ends the live proven stream of `agent_id`, if any, telling it `why` (a revocation: the
  // stream closes at once instead of at its next report).
  void EndAgentStream(const std::string& agent_id, const absl::Status& why);

  // Streams currently open (for tests, metrics and the RSS benchmark).
  int open_streams() const { return open_streams_.load(); }
  int unauthenticated_streams() const { return unauthenticated_.load(); }

 private:
  friend class StreamReactor;
  struct StreamMetrics;

  // Records that `stream` proved `agent_id`; an older live stream of that agent is ended.
  void ClaimAgent(const std::string& agent_id, const std::shared_ptr<StreamReactor>& stream,
                  const std::string& site, const std::string& peer);
  void ReleaseAgent(const std::string& agent_id, const StreamReactor* stream);
  void Forget(const StreamReactor* stream);
  // The delay before a new stream's first challenge: the next free pacing slot.
  absl::Duration FirstChallengeDelay();
  // Drops nonces of challenges never answered, at most every 10 s.
  void nonces_sweep();

  Store* const store_;
  NonceBook* const nonces_;
  GroupCommitter* const committer_;
  TimerQueue* const timers_;
  const AppraisalPolicy policy_;
  const StreamOptions options_;
  const SystemClock clock_;
  BlobInterner logs_;  // accepted event logs, one copy per distinct log for all streams
  std::unique_ptr<StreamMetrics> metrics_;
  std::atomic<int> open_streams_{0};
  std::atomic<int> unauthenticated_{0};
  std::atomic<bool> shutting_down_{false};
  std::atomic<int64_t> last_expire_unix_{0};  // nonces of unanswered challenges are dropped
  // The next free slot for a first challenge (pacing); see first_challenges_per_second.
  absl::Mutex pace_mu_;
  absl::Time next_first_challenge_ ABSL_GUARDED_BY(pace_mu_) = absl::InfinitePast();
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::weak_ptr<StreamReactor>> live_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<const StreamReactor*, std::weak_ptr<StreamReactor>> open_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_ATTESTATION_SERVICE_H_
