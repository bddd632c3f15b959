// SqliteStore: the embedded Store, one SQLite file in WAL mode.
//
// Durability: synchronous=FULL (Options::durability = kPowerLoss, the default) fsyncs the WAL on
// every commit, so an acknowledged appraisal survives power loss and kernel panics. The stream
// commits appraisals in groups (CommitAppraisals, one sync per group), which is what makes this
// cheap. synchronous=NORMAL (kProcessCrash) survives only a crash of the verifier process: the
// last commits before a power loss can be lost; for tests and throw-away databases.
//
// It is also the transparency log's storage (AppraisalLog): CommitAppraisal sets the
// appraisal's log_index and appends its leaf in the same transaction.
#ifndef VEU_VERIFIER_STORE_SQLITE_STORE_H_
#define VEU_VERIFIER_STORE_SQLITE_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "verifier/store/appraisal_log.h"
#include "verifier/store/sqlite_db.h"
#include "verifier/store/store.h"

namespace veu::verifier {

class SqliteStore final : public Store, public AppraisalLog {
 public:
  struct Options {
    enum class Durability {
      kProcessCrash,  // synchronous=NORMAL: commits survive the process dying
      kPowerLoss,     // synchronous=FULL: commits also survive power loss / kernel panic
    };
    Durability durability = Durability::kPowerLoss;
    // How long a statement waits for another connection's lock before failing Unavailable.
    absl::Duration busy_timeout = absl::Seconds(5);
  };

  // Opens or creates the database at `path` (":memory:" for a private in-memory database, for
  // tests), enables WAL, foreign keys and the chosen durability, then applies every embedded
  // migration newer than the file's schema version in one transaction. Fails with
  // FailedPrecondition if the file's schema is newer than this build knows (never downgrade),
  // Unavailable if it cannot be opened or is locked, DataLoss if it is not a database.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                           const Options& options);

  // The schema version this build creates and upgrades to (the newest embedded migration).
  static int LatestSchemaVersion();

  // The value of one PRAGMA on the store's connection, e.g. "synchronous" ("2" is FULL, "1"
  // NORMAL): settings are per connection, so only the store itself can say what is in force.
  // For diagnostics and tests; `name` is one of our constants, never input.
  absl::StatusOr<std::string> PragmaValue(const std::string& name);

  // Store. All methods are thread-safe; calls are serialised on one connection.
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

  // AppraisalLog / translog::LogStorage. All thread-safe, serialised like the Store methods.
  absl::StatusOr<std::string> ReadNode(uint32_t level, uint64_t index) const override;
  absl::StatusOr<uint64_t> TreeSize() const override;
  absl::Status AppendLeaf(uint64_t index, absl::Span<const merkle::Node> nodes) override;
  absl::Status PutCheckpoint(const translog::StoredCheckpoint& checkpoint) override;
  absl::StatusOr<translog::StoredCheckpoint> LatestCheckpoint() const override;
  absl::StatusOr<LogEntry> LogEntryByAppraisalId(const std::string& appraisal_id) const override;
  absl::StatusOr<LogEntry> LogEntryByIndex(uint64_t index) const override;
  absl::StatusOr<translog::StoredCheckpoint> CheckpointWithSize(uint64_t tree_size) const override;

 private:
  explicit SqliteStore(std::unique_ptr<sqlite::Connection> db) : db_(std::move(db)) {}

  // Fails FailedPrecondition (naming the site) unless the site exists.
  absl::Status RequireSiteLocked(const std::string& site, std::string_view operation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<int64_t> InsertEventLocked(const veu::v1::Event& event, std::string_view operation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Inside CommitAppraisal's transaction: records `identity` as seen at the appraisal's site
  // (first_seen kept, last_seen and agent_id from the appraisal), and opens a diversion case.
  absl::Status UpsertSightingLocked(const std::string& identity,
                                    const veu::v1::Appraisal& appraisal, std::string_view operation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<int64_t> InsertDiversionLocked(const veu::v1::Diversion& diversion,
                                                std::string_view operation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Inside a transaction: checks and stores one appraisal with everything it carries.
  absl::Status CommitAppraisalLocked(const AppraisalCommit& commit)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Inside a transaction: checks and writes leaf `index` and the nodes it completes.
  absl::Status AppendLeafLocked(uint64_t index, absl::Span<const merkle::Node> nodes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Inside a transaction: appends leaf `index` with data `leaf_data` (hashing it and computing
  // the nodes it completes from the stored tree).
  absl::Status AppendLeafDataLocked(uint64_t index, const std::string& leaf_data)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<uint64_t> TreeSizeLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // ---- Inventory roll-up (sqlite_store_rollup.cc) ----------------------------------------
  // Per-site totals kept in memory: rebuilt from the agents table at Open, and changed only
  // after a transaction that changed an agent committed. Every write that changes an agent's
  // record or revocation calls StageRollupLocked(agent_id) inside its transaction and commits
  // through CommitLocked(tx), which applies what was staged only once the commit is durable.
  struct AgentContribution {
    std::string site;
    uint32_t nodes = 0;  // 1 if counted
    uint64_t accelerators = 0;
    uint64_t tpp = 0;
  };
  absl::Status RebuildRollupLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads the agent as the transaction sees it now and stages its new contribution.
  absl::Status StageRollupLocked(const std::string& agent_id, std::string_view operation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyStagedRollupLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CommitLocked(sqlite::Transaction& tx) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Reads on an appraisal's hot path (agent, site, reference values, sightings, diversions,
  // sites) use a second, read-only connection: WAL lets it read while the writer commits, so a
  // group commit's sync no longer stalls every stream's reads behind mu_. A ":memory:" database
  // has no second connection; its reads use db_ under mu_.
  struct ReadAccess {
    explicit ReadAccess(const SqliteStore* store)
        : mu(store->reader_ ? &store->read_mu_ : &store->mu_),
          db(store->reader_ ? store->reader_.get() : store->db_.get()) {
      mu->Lock();
    }
    ~ReadAccess() { mu->Unlock(); }
    ReadAccess(const ReadAccess&) = delete;
    ReadAccess& operator=(const ReadAccess&) = delete;
    absl::Mutex* mu;
    sqlite::Connection* db;
  };

  mutable absl::Mutex mu_;
  std::unique_ptr<sqlite::Connection> db_ ABSL_GUARDED_BY(mu_);
  mutable absl::Mutex read_mu_;
  std::unique_ptr<sqlite::Connection> reader_;  // set once at Open; used under read_mu_
  // Guards site_rollup_ for readers; writers hold mu_ as well (see ApplyStagedRollupLocked).
  mutable absl::Mutex rollup_mu_;
  absl::flat_hash_map<std::string, AgentContribution> agent_rollup_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, SiteInventoryTotals> site_rollup_ ABSL_GUARDED_BY(rollup_mu_);
  std::vector<std::pair<std::string, AgentContribution>> staged_rollup_ ABSL_GUARDED_BY(mu_);
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_STORE_SQLITE_STORE_H_
