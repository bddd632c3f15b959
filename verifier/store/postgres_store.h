// PostgresStore: the Store on a PostgreSQL server, for verifiers that run as several replicas
// on one database (SqliteStore stays the embedded default). It passes the same conformance
// suites as SqliteStore; what it adds is that any number of processes may write at once:
//
// - Agent records: every write locks the agent's row (SELECT ... FOR UPDATE) and bumps its
//   version, so two replicas' writes of one agent are ordered, never interleaved. Revocations
//   live in their own table, so an appraisal made from a record read before a revocation cannot
//   undo it (see Store::RevokeAgent).
// - The transparency log: one ordered path. A group commit does everything else first, then
//   takes the lock on the single log_state row, appends its leaves in order and commits; the
//   next group (from this replica or another) waits on that row lock. An advisory-lock design
//   with batched appends rather than Trillian's separate sequencer: a leaf is integrated in the
//   same transaction as its appraisal, so an acknowledged appraisal always has its inclusion
//   proof at once and there is no queue that a dead sequencer could leave unintegrated; the
//   price is that commits of all replicas serialise for the tail of each group transaction
//   (log append + COMMIT), which group commit keeps to one round trip of rows per group.
// - Site totals: kept in a table updated in the same transactions (the agent's previous share
//   is kept on its row), so ListSiteInventoryTotals is exact for every replica at once.
// - Lock order, which rules out deadlocks between store writers: agent rows in agent-id order,
//   then log_state, then site totals in site order.
//
// - Verdict changes: a feed table every replica appends to and follows (change_feed.h).
// - Cluster duties: leases (lease_store.h) in a table, judged by the database's clock.
//
// Durability: a COMMIT returns once PostgreSQL made it durable (synchronous_commit=on, the
// server's default; the store checks it at Open and refuses "off").
//
// Thread-safety: safe for concurrent use; each call borrows a connection from a pool.
#ifndef VEU_VERIFIER_STORE_POSTGRES_STORE_H_
#define VEU_VERIFIER_STORE_POSTGRES_STORE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "verifier/store/appraisal_log.h"
#include "verifier/store/change_feed.h"
#include "verifier/store/lease_store.h"
#include "verifier/store/pg_connection.h"
#include "verifier/store/store.h"

namespace veu::verifier {

class PostgresStore final : public Store,
                            public AppraisalLog,
                            public LeaseStore,
                            public ChangeFeed {
 public:
  struct Options {
    int pool_size = 8;  // connections this process keeps at most
    absl::Duration connect_timeout = absl::Seconds(5);
    absl::Duration acquire_timeout = absl::Seconds(10);
  };

  // True if `database` (VerifierConfig.database) names a PostgreSQL server: a postgresql:// or
  // postgres:// URI, or a libpq keyword string starting "host=" / "dbname=".
  static bool IsPostgresUrl(const std::string& database);

  // Connects to `conninfo` (a libpq connection string or URI), checks that commits are durable,
  // and applies every embedded migration (verifier/store/migrations_pg/) newer than the
  // database's schema version, in one transaction under an advisory lock so that replicas
  // starting together migrate once. FailedPrecondition if the schema is newer than this build
  // knows, or the database holds tables of another application; Unavailable if the server
  // cannot be reached.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(const std::string& conninfo);
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(const std::string& conninfo,
                                                             const Options& options);

  static int LatestSchemaVersion();

  // Store.
  absl::Status AddSite(const veu::v1::Site& site) override;
  absl::StatusOr<veu::v1::Site> GetSite(const std::string& name) override;
  absl::StatusOr<std::vector<veu::v1::Site>> ListSites() override;
  absl::Status AddEkAllowance(const veu::v1::EkAllowance& allowance) override;
  absl::StatusOr<bool> IsEkAllowed(const std::string& site,
                                   const std::string& ek_public_sha256) override;
  absl::Status AddEnrollmentToken(const veu::v1::EnrollmentToken& token) override;
  absl::StatusOr<TokenUse> ConsumeEnrollmentToken(const std::string& token_sha256,
                                                  const std::string& site, absl::Time now) override;
  absl::StatusOr<veu::v1::AgentRecord> GetAgent(const std::string& agent_id) override;
  absl::StatusOr<std::vector<veu::v1::AgentRecord>> ListAgents(const std::string& site) override;
  absl::Status PutAgent(const veu::v1::AgentRecord& agent,
                        const std::vector<veu::v1::Event>& events) override;
  absl::Status RevokeAgent(const veu::v1::Revocation& revocation,
                           const veu::v1::Event& event) override;
  absl::Status ReinstateAgent(const std::string& agent_id, const veu::v1::Event& event) override;
  absl::Status CommitAppraisal(const AppraisalCommit& commit) override;
  std::vector<absl::Status> CommitAppraisals(const std::vector<AppraisalCommit>& commits) override;
  absl::StatusOr<std::vector<SiteInventoryTotals>> ListSiteInventoryTotals() override;
  absl::Status CheckWritable() override;
  absl::StatusOr<EvidenceDropped> DropEvidence(const EvidenceRetention& retention, absl::Time now,
                                               uint32_t max_appraisals) override;
  absl::StatusOr<AppraisalPage> ListAppraisalPage(const AppraisalQuery& query) override;
  absl::StatusOr<veu::v1::Appraisal> LatestAppraisal(const std::string& agent_id) override;
  absl::Status PutReferenceValues(const veu::v1::ReferenceValues& refs) override;
  absl::StatusOr<veu::v1::ReferenceValues> GetReferenceValues(const std::string& name) override;
  absl::Status PutPolicyPack(const veu::v1::PolicyPack& pack) override;
  absl::StatusOr<veu::v1::PolicyPack> GetPolicyPack(const std::string& version) override;
  absl::StatusOr<std::vector<veu::v1::AcceleratorSighting>> ListSightings(
      const std::vector<std::string>& identities) override;
  absl::StatusOr<std::vector<veu::v1::Diversion>> ListDiversions(
      const DiversionFilter& filter) override;
  absl::StatusOr<veu::v1::Diversion> ResolveDiversion(int64_t id, const std::string& note,
                                                      absl::Time now) override;
  absl::StatusOr<std::vector<LogEntry>> ListSiteAppraisals(const SitePeriod& period) override;
  absl::StatusOr<LogEntry> LastAppraisalBefore(const std::string& agent_id,
                                               absl::Time before) override;
  absl::StatusOr<int64_t> AppendAccessRecord(const veu::v1::AccessRecord& record) override;
  absl::StatusOr<std::vector<veu::v1::AccessRecord>> ListAccessRecords(uint32_t limit) override;
  absl::StatusOr<int64_t> AppendEvent(const veu::v1::Event& event) override;
  absl::StatusOr<std::vector<veu::v1::Event>> ListEvents(const EventFilter& filter) override;

  // AppraisalLog / translog::LogStorage.
  absl::StatusOr<std::string> ReadNode(uint32_t level, uint64_t index) const override;
  absl::StatusOr<uint64_t> TreeSize() const override;
  absl::Status AppendLeaf(uint64_t index, absl::Span<const merkle::Node> nodes) override;
  absl::Status PutCheckpoint(const translog::StoredCheckpoint& checkpoint) override;
  absl::StatusOr<translog::StoredCheckpoint> LatestCheckpoint() const override;
  absl::StatusOr<LogEntry> LogEntryByAppraisalId(const std::string& appraisal_id) const override;
  absl::StatusOr<LogEntry> LogEntryByIndex(uint64_t index) const override;
  absl::StatusOr<translog::StoredCheckpoint> CheckpointWithSize(uint64_t tree_size) const override;

  // LeaseStore (postgres_store_lease.cc).
  absl::StatusOr<bool> HoldLease(const std::string& name, const std::string& holder,
                                 absl::Duration ttl) override;
  absl::Status ReleaseLease(const std::string& name, const std::string& holder) override;

  // ChangeFeed (postgres_store_feed.cc).
  absl::Status AppendVerdictChange(const veu::v1::VerdictChange& change) override;
  absl::StatusOr<std::vector<std::pair<int64_t, veu::v1::VerdictChange>>> VerdictChangesAfter(
      int64_t after, uint32_t limit) override;
  absl::StatusOr<int64_t> LatestVerdictChange() override;
  absl::StatusOr<int64_t> ReadFeedCursor(const std::string& name) override;
  absl::Status AdvanceFeedCursor(const std::string& name, int64_t position) override;

 private:
  explicit PostgresStore(std::unique_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}

  // An agent's share of its site's totals (InventoryShare of its record), as kept on its row.
  struct Share {
    std::string site;
    int64_t nodes = 0;
    int64_t accelerators = 0;
    int64_t tpp = 0;
  };
  // Per-site differences a transaction makes to site_inventory_totals, applied in site order.
  using SiteDeltas = std::map<std::string, Share>;
  // An agent row as locked by a writer.
  struct LockedAgent {
    std::string site;
    std::string record;  // serialised veu.v1.AgentRecord as stored
    bool revoked = false;
    Share share;
    uint64_t version = 0;  // agents.version, kept current as this transaction writes the row
  };

  // Locks the agent's row for this transaction; NotFound if it never enrolled.
  static absl::StatusOr<LockedAgent> LockAgent(pg::Connection& db, const std::string& agent_id,
                                               absl::string_view operation);
  // Writes `record` (as stored) to the locked agent row, bumping its version, with its new
  // share; adds the change of share to `deltas`.
  static absl::Status WriteAgent(pg::Connection& db, const veu::v1::AgentRecord& record,
                                 bool revoked, LockedAgent& locked, SiteDeltas& deltas,
                                 absl::string_view operation);
  static absl::Status ApplySiteDeltas(pg::Connection& db, const SiteDeltas& deltas,
                                      absl::string_view operation);
  static absl::Status RequireSite(pg::Connection& db, const std::string& site,
                                  absl::string_view operation);
  static absl::StatusOr<int64_t> InsertEvent(pg::Connection& db, const veu::v1::Event& event,
                                             absl::string_view operation);
  static absl::Status UpsertSighting(pg::Connection& db, const std::string& identity,
                                     const veu::v1::Appraisal& appraisal,
                                     absl::string_view operation);
  static absl::StatusOr<int64_t> InsertDiversion(pg::Connection& db,
                                                 const veu::v1::Diversion& diversion,
                                                 absl::string_view operation);
  // Appraisal commits, phase one (inside the group transaction, in a savepoint): everything
  // but the log leaf and the appraisal row.
  static absl::Status StageCommit(pg::Connection& db, const AppraisalCommit& commit,
                                  std::map<std::string, LockedAgent>& agents,
                                  SiteDeltas& deltas);
  // Locks log_state and returns the tree size (the next leaf index).
  static absl::StatusOr<uint64_t> LockLog(pg::Connection& db, absl::string_view operation);
  static absl::Status InsertNodes(pg::Connection& db, absl::Span<const merkle::Node> nodes,
                                  absl::string_view operation);

  std::unique_ptr<pg::Pool> pool_;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_STORE_POSTGRES_STORE_H_
