// Enroller: admits an agent to a site only after (1) its EK certificate chains to a trusted
// manufacturer root and certifies its EK, (2) its AK is a restricted signing key, (3) the
// operator authorised it (EK allowed for the site, or a single-use token), and (4) it proved
// with TPM2_ActivateCredential that the AK lives in the same TPM as the EK.
//
// Two steps with state in between: Begin issues a credential; Complete checks the secret.
// Pending enrolments expire at their deadline, so a peer that stalls holds nothing after it.
// Thread-safe.
#ifndef VEU_VERIFIER_ENROLLMENT_ENROLLER_H_
#define VEU_VERIFIER_ENROLLMENT_ENROLLER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "verifier/enrollment/identity_checks.h"
#include "verifier/enrollment/refusal_log.h"
#include "verifier/store/store.h"
#include "veu/v1/enrollment.pb.h"

namespace veu::verifier {

// A refusal: the status message starts with the ReasonCode name ("EK_CERT_UNTRUSTED: ...")
// so that clients and logs can tell refusals apart without parsing prose. A `detail` that
// already starts with that name is not prefixed again (the name is said once).
absl::Status Refusal(absl::StatusCode code, veu::v1::ReasonCode reason, absl::string_view detail);

// The reason of a status made by Refusal(), or REASON_UNSPECIFIED.
veu::v1::ReasonCode RefusalReason(const absl::Status& status);

// Agent IDs are derived from the EK, so they are stable across AKs and re-enrolments.
std::string AgentIdForEk(const std::string& ek_spki_sha256);

class Enroller {
 public:
  // Enrolments begun and not yet answered that are held at once (ResourceExhausted beyond).
  static constexpr size_t kMaxPendingEnrolments = 10000;

  using Clock = std::function<absl::Time()>;

  Enroller(Store* store, const IdentityChecks* checks, absl::Duration activation_timeout,
           Clock clock);

  // `peer` names where the request came from (the gRPC peer string); refusals are recorded as
  // events aggregated per peer host (RefusalLog). A request whose fields are out of bounds
  // (ValidateBeginEnrollmentRequest) is InvalidArgument "REQUEST_MALFORMED: <field>: <why>",
  // recorded without the offending values. `*refusal_recorded` (if given) is set to whether a
  // refusal was written as an event row of its own: log only those.
  absl::StatusOr<veu::v1::BeginEnrollmentResponse> Begin(
      const veu::v1::BeginEnrollmentRequest& request, std::string_view peer = "",
      bool* refusal_recorded = nullptr);
  absl::StatusOr<veu::v1::CompleteEnrollmentResponse> Complete(
      const veu::v1::CompleteEnrollmentRequest& request, std::string_view peer = "",
      bool* refusal_recorded = nullptr);

  // Appends the counts of aggregated refusals not yet written (call at shutdown).
  void FlushRefusals() { refusals_.Flush(); }

  // Enrolments begun and neither completed nor expired.
  size_t pending() const;

  // Issues a single-use token for `site`, valid for `ttl`. Only its hash is stored.
  absl::StatusOr<veu::v1::IssueEnrollmentTokenResponse> IssueToken(const std::string& site,
                                                                   absl::Duration ttl);

 private:
  struct Pending {
    veu::v1::BeginEnrollmentRequest request;
    VerifiedIdentity identity;
    std::string secret;
    std::string token_sha256;  // empty if authorised by an EK allowance
    absl::Time deadline;
  };

  absl::Status Authorise(const veu::v1::BeginEnrollmentRequest& request,
                         const VerifiedIdentity& identity, std::string* token_sha256);
  void RecordRefusal(std::string_view peer, const std::string& site, const std::string& agent_id,
                     const absl::Status& why, bool* recorded);
  void DropExpiredLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store* const store_;
  const IdentityChecks* const checks_;
  const absl::Duration activation_timeout_;
  const Clock clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Pending> pending_ ABSL_GUARDED_BY(mu_);
  RefusalLog refusals_;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_ENROLLMENT_ENROLLER_H_
