// The verifier's side of the transparency log: its checkpoint signing key on disk, and the
// background publisher of signed checkpoints over the store's log (verifier/store/appraisal_log.h).
#ifndef VEU_VERIFIER_SERVICE_TRANSPARENCY_H_
#define VEU_VERIFIER_SERVICE_TRANSPARENCY_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "verifier/store/appraisal_log.h"
#include "verifier/translog/signed_note.h"
#include "veu/v1/query.pb.h"

namespace veu::verifier {

// Loads the PEM EC P-256 private key at `key_path`, or, if the file does not exist, generates
// one and writes it there with mode 0600 (never overwriting). Either way writes the public key
// as PEM to `key_path` + ".pub" (mode 0644) for regulators. The key is named `origin`.
// InvalidArgument for a key that is not P-256 or an unusable origin; Unavailable for file errors.
absl::StatusOr<translog::NoteSigner> LoadOrCreateLogKey(const std::string& key_path,
                                                        const std::string& origin);

// PEM SubjectPublicKeyInfo for a DER one; InvalidArgument if it does not parse.
absl::StatusOr<std::string> PublicKeyPemFromDer(std::string_view spki_der);

// Signs and stores a checkpoint of `log` at `unix_seconds` if the log has none yet or grew
// since the latest. Returns true if it published one. Storage and signing errors pass through.
absl::StatusOr<bool> PublishCheckpointIfGrown(AppraisalLog& log, const translog::NoteSigner& signer,
                                              const std::string& origin, uint64_t unix_seconds);

// Runs PublishCheckpointIfGrown every `interval` on its own thread (once at start). Errors are
// logged and retried at the next tick. Stop() (or destruction) joins the thread.
class CheckpointPublisher {
 public:
  // `active` (default: always) says whether this process signs now: with replicas, only the
  // holder of the cluster-duty lease does, so checkpoints move forward in one place.
  CheckpointPublisher(AppraisalLog* log, const translog::NoteSigner* signer, std::string origin,
                      absl::Duration interval, std::function<bool()> active = nullptr);
  ~CheckpointPublisher();
  void Stop();

 private:
  void Run();
  AppraisalLog* const log_;
  const translog::NoteSigner* const signer_;
  const std::string origin_;
  const absl::Duration interval_;
  const std::function<bool()> active_;
  absl::Notification stop_;
  std::thread thread_;
};

// The logged entry a GetInclusionProofRequest names (by appraisal id or leaf index);
// InvalidArgument if it names neither, NotFound if there is no such leaf.
absl::StatusOr<LogEntry> RequestedLogEntry(const AppraisalLog& log,
                                           const veu::v1::GetInclusionProofRequest& request);

// Fills `response` with `entry` and its RFC 9162 inclusion proof in the tree of `tree_size`
// leaves. FailedPrecondition if the leaf is not in that tree yet.
absl::Status FillInclusionProof(const AppraisalLog& log, LogEntry entry, uint64_t tree_size,
                                veu::v1::GetInclusionProofResponse* response);

void FillCheckpointResponse(const translog::StoredCheckpoint& checkpoint,
                            veu::v1::GetCheckpointResponse* response);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_TRANSPARENCY_H_
