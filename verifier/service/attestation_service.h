// The attestation stream, server side. Per connected agent: read its hello, then at each
// interval send a challenge (fresh single-use nonce, PCR selection, deadline), read the
// evidence, appraise it, commit the result with its raw evidence, and only then ack.
//
// The hello's agent_id only selects which enrolled AK must have signed the quotes: until a
// quote verifies under that AK the stream is unauthenticated, and a quote that does not
// verify ends it without touching the agent's verdict (so nobody can flip another agent's
// verdict by claiming its ID). Thread-safe: gRPC runs one handler per stream.
#ifndef VEU_VERIFIER_SERVICE_ATTESTATION_SERVICE_H_
#define VEU_VERIFIER_SERVICE_ATTESTATION_SERVICE_H_

#include <atomic>
#include <functional>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "verifier/appraisal/appraiser.h"
#include "verifier/appraisal/nonce_book.h"
#include "verifier/service/deadline_reaper.h"
#include "verifier/store/store.h"
#include "veu/v1/attestation.grpc.pb.h"

namespace veu::verifier {

struct StreamOptions {
  absl::Duration challenge_interval = absl::Seconds(30);
  absl::Duration response_timeout = absl::Seconds(10);   // nonce lifetime
  absl::Duration hello_timeout = absl::Seconds(10);
  std::vector<veu::v1::PcrSelection> pcr_selection;      // default sha256 0-7,10
  // Called after each appraisal is committed, with the agent's verdict before it (verdict
  // notifications); must not block.
  std::function<void(const veu::v1::Appraisal&, veu::v1::Verdict previous)> on_commit;
};

class AttestationService final : public veu::v1::Attestation::Service {
 public:
  AttestationService(Store* store, NonceBook* nonces, DeadlineReaper* reaper,
                     AppraisalPolicy policy, StreamOptions options);

  grpc::Status Attest(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<veu::v1::VerifierMessage, veu::v1::AgentMessage>* stream) override;

  // Makes every open stream end at its next wait; called before the server shuts down.
  void Shutdown() { shutdown_.Notify(); }

  // Streams currently open (for tests and the RSS benchmark).
  int open_streams() const { return open_streams_.load(); }

 private:
  Store* const store_;
  NonceBook* const nonces_;
  DeadlineReaper* const reaper_;
  const AppraisalPolicy policy_;
  const StreamOptions options_;
  absl::Notification shutdown_;
  std::atomic<int> open_streams_{0};
  std::atomic<int64_t> last_expire_unix_{0};  // nonces of unanswered challenges are dropped
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_ATTESTATION_SERVICE_H_
