// Appraise(): evidence + the agent's record + the challenge it answers -> an Appraisal.
//
// Pure: no I/O, no clock (the caller passes `now`). A forged or stale report yields an
// Appraisal with verdict REJECT and reason codes; only a failure to process at all (an
// internal error) is a Status. Nothing unverified reaches a verdict: the facts are trusted
// only after the quote that binds them verifies, and measured-boot facts only after the
// event log replays to the quoted PCRs.
#ifndef VEU_VERIFIER_APPRAISAL_APPRAISER_H_
#define VEU_VERIFIER_APPRAISAL_APPRAISER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "verifier/appraisal/nonce_book.h"
#include "verifier/appraisal/organisation_controls.h"
#include "veu/v1/appraisal.pb.h"
#include "veu/v1/attestation.pb.h"
#include "veu/v1/eventlog.pb.h"
#include "veu/v1/facts.pb.h"
#include "veu/v1/policy.pb.h"
#include "veu/v1/records.pb.h"

namespace veu::verifier {

struct AppraisalPolicy {
  std::string version = "spine-1";
  bool allow_sha1_signatures = false;
  // Require a measured-boot event log that replays to the quoted PCRs. When false and no
  // log is sent, the measured-boot check is not-evaluated (a WARN, never a pass).
  bool require_event_log = false;
  // Reference values for measured boot; empty means only the structural checks run.
  veu::v1::ReferenceValues reference_values;
  // The VEU policy pack whose host controls are evaluated over the verified facts; absent,
  // no control results are produced.
  std::optional<veu::v1::PolicyPack> pack;
};

struct AppraisalInput {
  const veu::v1::AgentRecord* agent = nullptr;
  const veu::v1::Challenge* challenge = nullptr;
  const veu::v1::Evidence* evidence = nullptr;
  const veu::v1::Site* site = nullptr;  // the agent's site (authorised quantities); optional
  // Reference values of the agent's platform class, when it has one and the set exists; they
  // replace policy.reference_values. When the class names a set that does not exist, the
  // reference checks are not-evaluated (never passed).
  const veu::v1::ReferenceValues* class_reference_values = nullptr;
  // The last event log accepted for this agent on its current boot (empty if none); used
  // when the agent reports its log unchanged.
  std::string previous_event_log;
  // The organisation's state for the site-wide and organisation-wide controls (sightings,
  // open diversions, other nodes' and sites' inventories); null: those are not-evaluated.
  const OrganisationContext* organisation = nullptr;
  std::string appraisal_id;
  absl::Time now;
};

struct AppraisalOutcome {
  veu::v1::Appraisal appraisal;
  veu::v1::AgentRecord agent;          // updated record (clock, last verdict, last seen)
  // Reboots, restarts, firmware, inventory and verdict changes, suspected diversions.
  std::vector<veu::v1::Event> events;
  std::vector<veu::v1::Diversion> diversions;  // cases this report opened
  veu::v1::Facts facts;                // set only when the quote binding them verified
  std::string accepted_event_log;      // the log now accepted (for the next 'unchanged')
};

// Thread-safe if `nonces` is (it is).
absl::StatusOr<AppraisalOutcome> Appraise(const AppraisalInput& input,
                                          const AppraisalPolicy& policy, NonceBook& nonces);

// ACCEPT if every check passed; REJECT if any failed; WARN otherwise.
veu::v1::Verdict VerdictOf(const std::vector<veu::v1::CheckResult>& checks);

// Turns each CHECK_WARN whose reason's name is in `pack.accepted_caveats` into CHECK_PASS (the
// reason kept, the detail saying which pack accepted it). Every other warning stays a warning
// and so makes VerdictOf WARN. Pure.
void AcceptCaveats(const veu::v1::PolicyPack& pack, std::vector<veu::v1::CheckResult>& checks);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_APPRAISAL_APPRAISER_H_
