// Store: everything the verifier keeps — sites, enrolment authorisations, agents, every
// appraisal with its raw evidence, and events. Appraisal and service code see only this
// interface; SQLite is the embedded default and PostgreSQL can follow without touching them.
//
// Thread-safety: implementations are safe for concurrent use from many threads.
// Errors: NotFound for a missing row, AlreadyExists for a duplicate key, Unavailable for
// retryable I/O (database busy/locked), Internal/DataLoss for anything else. Every write
// method is one transaction: it either happens whole or not at all.
#ifndef VEU_VERIFIER_STORE_STORE_H_
#define VEU_VERIFIER_STORE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "veu/v1/appraisal.pb.h"
#include "veu/v1/eventlog.pb.h"
#include "veu/v1/policy.pb.h"
#include "veu/v1/query.pb.h"
#include "veu/v1/records.pb.h"
#include "verifier/store/appraisal_log.h"

namespace veu::verifier {

// One appraisal as it is committed: the result, the exact bytes that were appraised, the
// agent record as updated by it (clock, last verdict, last seen), and the events it raised.
struct AppraisalCommit {
  veu::v1::Appraisal appraisal;       // appraisal.id must be set and unique
  std::string evidence;               // serialised veu::v1::Evidence as received
  std::string challenge;              // serialised veu::v1::Challenge it answered
  veu::v1::AgentRecord agent;         // replaces the stored record of appraisal.agent_id
  // The agent record's version the appraisal read (AgentRecord.record_version): the commit fails
  // ABORTED, storing nothing, if the record was written since (by a revocation, a re-enrolment,
  // another stream or replica). 0: no check (tools and tests that write records directly).
  uint64_t expected_version = 0;
  std::vector<veu::v1::Event> events; // ids are assigned by the store
  // Accelerator identities ("serial:..", "uuid:..") the verified report showed: recorded as
  // seen at appraisal.site by appraisal.agent_id (first_seen kept, last_seen = appraised_at).
  std::vector<std::string> sightings;
  // Diversion cases this appraisal opened (ids assigned by the store). A case already open for
  // the same identity between the same two sites (either way round) is kept, not duplicated.
  std::vector<veu::v1::Diversion> diversions;
};

struct DiversionFilter {
  std::string site;        // empty: any; else cases where it is `site` or `other_site`
  bool open_only = true;
  uint32_t limit = 100;    // 0: no limit
};

// Result of trying to use an enrolment token.
enum class TokenUse { kConsumed, kUnknown, kExpired, kAlreadyUsed, kWrongSite };

// A position in a newest-first listing, for paging: the row's time (microseconds since the
// epoch, as stored) and its tiebreaking sequence number (an event's id, an appraisal's row seq).
// The next page holds the rows strictly older than it in the listing's order.
struct PageCursor {
  int64_t micros = 0;
  int64_t seq = 0;
};

struct EventFilter {
  std::string agent_id;  // empty: any
  std::string site;      // empty: any
  uint32_t limit = 100;  // 0: no limit
  absl::Time from = absl::InfinitePast();   // from <= at < to
  absl::Time to = absl::InfiniteFuture();
  bool oldest_first = false;
  // Newest-first listings only: only events older than this position (the cursor of the last
  // event of the page before: its at in micros and its id).
  std::optional<PageCursor> older_than;
};

// One agent's appraisals, newest first, a page at a time.
struct AppraisalQuery {
  std::string agent_id;
  uint32_t limit = 0;          // 0 means 20; at most 1000
  bool with_evidence = false;  // evidence and challenge bytes too
  std::optional<PageCursor> older_than;  // only appraisals older than this position
};
struct AppraisalPage {
  std::vector<veu::v1::StoredAppraisal> appraisals;
  std::vector<PageCursor> cursors;  // cursors[i]: the position of appraisals[i]
};

// Appraisals of one site in a period, as logged (LogEntry: leaf index and exact leaf data).
struct SitePeriod {
  std::string site;
  absl::Time from;         // from <= appraised_at < to
  absl::Time to;
};

// One site's verified inventories summed over its enrolled, unrevoked agents that reported one
// (each agent's last_inventory): what the site- and organisation-wide controls need, kept by the
// store as agents change so an appraisal never reads every agent record.
struct SiteInventoryTotals {
  std::string site;
  uint32_t nodes = 0;          // agents counted
  uint64_t accelerators = 0;   // sum of last_inventory.count
  uint64_t tpp = 0;            // sum of last_inventory.tpp
};

// How much raw evidence (StoredAppraisal.evidence and .challenge) the store keeps per agent;
// results and log leaves are always kept. An agent's newest appraisal always keeps its
// evidence; beyond it, an appraisal's evidence goes when any limit set (non-zero) is passed.
struct EvidenceRetention {
  uint32_t keep_per_agent = 0;       // the newest N appraisals keep it
  uint64_t max_bytes_per_agent = 0;  // newest first, until their evidence adds up to this
  absl::Duration max_age = absl::ZeroDuration();  // appraised longer ago than this: dropped
  bool any() const {
    return keep_per_agent > 0 || max_bytes_per_agent > 0 || max_age > absl::ZeroDuration();
  }
};
// What one DropEvidence call dropped.
struct EvidenceDropped {
  uint64_t appraisals = 0;
  uint64_t bytes = 0;
  uint32_t agents = 0;
};

// The EVENT_EVIDENCE_DROPPED event of one agent (pure): what went, from when to when, and by
// which limit, so the loss is on record (both stores write it the same way).
veu::v1::Event EvidenceDroppedEvent(const std::string& agent_id, const std::string& site,
                                    uint64_t appraisals, uint64_t bytes, absl::Time oldest,
                                    absl::Time newest, const EvidenceRetention& retention,
                                    absl::Time now);

// "id@version" of a policy pack, as appraisals name it.
inline std::string PolicyPackVersion(const veu::v1::PolicyPack& pack) {
  return pack.id() + "@" + pack.version();
}

class Store {
 public:
  virtual ~Store() = default;

  // Sites. AddSite fails with AlreadyExists if the name is taken.
  virtual absl::Status AddSite(const veu::v1::Site& site) = 0;
  virtual absl::StatusOr<veu::v1::Site> GetSite(const std::string& name) = 0;
  virtual absl::StatusOr<std::vector<veu::v1::Site>> ListSites() = 0;

  // EKs an operator allowed for a site, keyed by SHA-256 of the certificate's SPKI DER.
  virtual absl::Status AddEkAllowance(const veu::v1::EkAllowance& allowance) = 0;
  // True if that EK was allowed for that site.
  virtual absl::StatusOr<bool> IsEkAllowed(const std::string& site,
                                           const std::string& ek_public_sha256) = 0;

  // Single-use enrolment tokens; only their SHA-256 is stored.
  virtual absl::Status AddEnrollmentToken(const veu::v1::EnrollmentToken& token) = 0;
  // Atomically checks and marks a token used. Only kConsumed means the caller may proceed;
  // an expired, used, unknown or other-site token is left as it was.
  virtual absl::StatusOr<TokenUse> ConsumeEnrollmentToken(const std::string& token_sha256,
                                                          const std::string& site,
                                                          absl::Time now) = 0;

  // Agents. NotFound if the agent never enrolled.
  virtual absl::StatusOr<veu::v1::AgentRecord> GetAgent(const std::string& agent_id) = 0;
  // Lists agents of one site, or of all sites when `site` is empty.
  virtual absl::StatusOr<std::vector<veu::v1::AgentRecord>> ListAgents(const std::string& site) = 0;
  // Inserts or replaces the agent record and appends `events`, in one transaction
  // (enrolment, re-enrolment, revocation).
  virtual absl::Status PutAgent(const veu::v1::AgentRecord& agent,
                                const std::vector<veu::v1::Event>& events) = 0;

  // Revocation, kept apart from the agent record: while an agent is revoked, GetAgent and
  // ListAgents return it with status AGENT_STATUS_REVOKED and `revocation` set, whatever record
  // PutAgent or CommitAppraisal wrote since (so a concurrent appraisal never undoes it), and
  // without them otherwise (a `revocation` in a written record is ignored).
  // RevokeAgent records (or re-records, with the new reason and time) the revocation and
  // appends `event`; NotFound if the agent never enrolled, InvalidArgument without a reason.
  virtual absl::Status RevokeAgent(const veu::v1::Revocation& revocation,
                                   const veu::v1::Event& event) = 0;
  // Lifts the revocation, sets the stored status back to enrolled and appends `event`;
  // FailedPrecondition if the agent is not revoked, NotFound if it never enrolled.
  virtual absl::Status ReinstateAgent(const std::string& agent_id,
                                      const veu::v1::Event& event) = 0;

  // Commits an appraisal, its raw evidence, the updated agent record and its events in one
  // transaction. Only after this returns OK may the result be acknowledged to the agent.
  // The store sets the appraisal's log_index (next leaf) and previous_log_index (the agent's
  // previous logged appraisal, unset if none) before appending its leaf, and records the
  // commit's sightings and diversions.
  virtual absl::Status CommitAppraisal(const AppraisalCommit& commit) = 0;
  // Commits many appraisals (of different agents, or successive ones of one agent in order) as
  // one group: one transaction, one durable sync. Returns one status per commit, in order:
  // a commit that fails alone (e.g. its agent was removed) is left out and the others still
  // land; if the group's transaction cannot be made durable every status is that error, and
  // nothing of the group is stored. Log leaves are appended in the order given. The default
  // commits them one by one (a store without a cheaper way).
  virtual std::vector<absl::Status> CommitAppraisals(const std::vector<AppraisalCommit>& commits) {
    std::vector<absl::Status> statuses;
    statuses.reserve(commits.size());
    for (const AppraisalCommit& commit : commits) statuses.push_back(CommitAppraisal(commit));
    return statuses;
  }
  // Every site's SiteInventoryTotals that has at least one counted agent (any order). Exact as of
  // the last committed write; O(sites), never O(agents).
  virtual absl::StatusOr<std::vector<SiteInventoryTotals>> ListSiteInventoryTotals() = 0;
  // Newest first, one page (AppraisalQuery), each appraisal with its position for the next.
  virtual absl::StatusOr<AppraisalPage> ListAppraisalPage(const AppraisalQuery& query) = 0;
  // The newest `limit` (0 means 20); evidence and challenge bytes only if `with_evidence`.
  absl::StatusOr<std::vector<veu::v1::StoredAppraisal>> ListAppraisals(const std::string& agent_id,
                                                                       uint32_t limit,
                                                                       bool with_evidence) {
    AppraisalQuery query;
    query.agent_id = agent_id;
    query.limit = limit;
    query.with_evidence = with_evidence;
    absl::StatusOr<AppraisalPage> page = ListAppraisalPage(query);
    if (!page.ok()) return page.status();
    return std::move(page->appraisals);
  }
  // The newest appraisal of an agent; NotFound if none.
  virtual absl::StatusOr<veu::v1::Appraisal> LatestAppraisal(const std::string& agent_id) = 0;

  // Measured-boot reference values, one set per platform class (refs.name); Put replaces a set
  // of the same name. InvalidArgument for an empty name; Get: NotFound for an unknown class.
  virtual absl::Status PutReferenceValues(const veu::v1::ReferenceValues& refs) = 0;
  virtual absl::StatusOr<veu::v1::ReferenceValues> GetReferenceValues(const std::string& name) = 0;

  // Accelerator sightings of any of `identities` at any site (none for an empty list).
  virtual absl::StatusOr<std::vector<veu::v1::AcceleratorSighting>> ListSightings(
      const std::vector<std::string>& identities) = 0;
  // Diversion cases, newest first.
  virtual absl::StatusOr<std::vector<veu::v1::Diversion>> ListDiversions(
      const DiversionFilter& filter) = 0;
  // Closes an open case with the operator's `note`: marks it resolved, forgets the identity's
  // sightings at every site except diversion.site (where it was reported last), and appends
  // EVENT_DIVERSION_RESOLVED for both sites, in one transaction. NotFound for an unknown id,
  // FailedPrecondition if already resolved, InvalidArgument for an empty note.
  virtual absl::StatusOr<veu::v1::Diversion> ResolveDiversion(int64_t id, const std::string& note,
                                                              absl::Time now) = 0;

  // Logged appraisals of a site in a period, oldest first (by log index).
  virtual absl::StatusOr<std::vector<LogEntry>> ListSiteAppraisals(const SitePeriod& period) = 0;
  // The agent's newest logged appraisal with appraised_at < `before`; NotFound if none.
  virtual absl::StatusOr<LogEntry> LastAppraisalBefore(const std::string& agent_id,
                                                       absl::Time before) = 0;

  // Regulator API audit trail. Append returns the id; List is newest first (limit 0: 100).
  virtual absl::StatusOr<int64_t> AppendAccessRecord(const veu::v1::AccessRecord& record) = 0;
  virtual absl::StatusOr<std::vector<veu::v1::AccessRecord>> ListAccessRecords(uint32_t limit) = 0;

  // Policy packs by "id@version" (PolicyPackVersion). Put stores a version once: the same
  // content again is OK, different content under a stored version is FailedPrecondition (a
  // changed pack needs a new version). Get: NotFound for a version never stored.
  virtual absl::Status PutPolicyPack(const veu::v1::PolicyPack& pack) = 0;
  virtual absl::StatusOr<veu::v1::PolicyPack> GetPolicyPack(const std::string& version) = 0;

  // Appends one event outside an appraisal (e.g. a refused enrolment). Returns its id.
  virtual absl::StatusOr<int64_t> AppendEvent(const veu::v1::Event& event) = 0;
  // Newest first.
  virtual absl::StatusOr<std::vector<veu::v1::Event>> ListEvents(const EventFilter& filter) = 0;

  // Retention of raw evidence: empties the evidence and challenge of the appraisals beyond
  // `retention` (at most `max_appraisals` of them per call: call again while it returns that
  // many) and appends one EVENT_EVIDENCE_DROPPED per agent, in one transaction. The dropped
  // appraisals read back with evidence_dropped set. Nothing happens without a limit set.
  virtual absl::StatusOr<EvidenceDropped> DropEvidence(const EvidenceRetention& retention,
                                                       absl::Time now,
                                                       uint32_t max_appraisals) = 0;

  // Whether the store can take a write now, by one cheap round trip that changes nothing. The
  // verifier's health probe asks when no commit has answered that lately (an idle verifier
  // would otherwise report SERVING over a database that went away). Unavailable with the reason.
  virtual absl::Status CheckWritable() = 0;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_STORE_STORE_H_
