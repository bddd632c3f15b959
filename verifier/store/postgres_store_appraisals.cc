// PostgresStore, appraisals: committing groups of them (agent rows locked in id order, each
// commit in a savepoint, then the log leaves appended in order under the log_state lock, then
// the site totals), reading them back, and the site totals. See postgres_store.h for the
// locking rules and postgres_store.cc for how the class is split.
#include <algorithm>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/merkle/compact_range.h"
#include "common/merkle/hasher.h"
#include "common/status_macros.h"
#include "verifier/store/postgres_store.h"
#include "verifier/store/sqlite_records.h"

namespace veu::verifier {
namespace {

using pg::Param;
using sqlite::ParseRecord;
using sqlite::ToMicros;

constexpr uint32_t kDefaultAppraisalLimit = 20;
constexpr uint32_t kMaxAppraisalLimit = 1000;

// Reads log nodes on the connection of the transaction that holds the log_state lock.
class ConnectionNodeReader final : public merkle::NodeReader {
 public:
  explicit ConnectionNodeReader(pg::Connection* db) : db_(db) {}
  absl::StatusOr<std::string> ReadNode(uint32_t level, uint64_t index) const override {
    const std::string op = absl::StrFormat("reading log node (level %d, index %d)", level, index);
    ASSIGN_OR_RETURN(pg::Result row,
                     db_->Query("SELECT hash FROM log_nodes WHERE level = $1 AND idx = $2",
                                {Param::Int(level), Param::Int(static_cast<int64_t>(index))}, op));
    if (row.rows() == 0) return absl::NotFoundError(absl::StrCat(op, ": not stored"));
    return row.Bytes(0, 0);
  }

 private:
  pg::Connection* db_;
};

std::vector<LogEntry> LogEntries(const pg::Result& rows) {
  std::vector<LogEntry> entries;
  entries.reserve(rows.rows());
  for (int i = 0; i < rows.rows(); ++i) {
    entries.push_back(LogEntry{static_cast<uint64_t>(rows.Int(i, 0)), rows.Bytes(i, 1)});
  }
  return entries;
}

}  // namespace

absl::Status PostgresStore::CommitAppraisal(const AppraisalCommit& commit) {
  return CommitAppraisals({commit}).front();
}

absl::Status PostgresStore::StageCommit(pg::Connection& db, const AppraisalCommit& commit,
                                        std::map<std::string, LockedAgent>& agents,
                                        SiteDeltas& deltas) {
  const veu::v1::Appraisal& appraisal = commit.appraisal;
  const std::string op = absl::StrFormat("committing appraisal '%s' of agent '%s'", appraisal.id(),
                                         appraisal.agent_id());
  if (appraisal.id().empty()) return absl::InvalidArgumentError(op + ": the appraisal id is empty");
  if (appraisal.agent_id() != commit.agent.agent_id() || appraisal.site() != commit.agent.site()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: the appraisal is of agent '%s' at site '%s' but the commit carries the record of "
        "agent '%s' at site '%s'",
        op, appraisal.agent_id(), appraisal.site(), commit.agent.agent_id(), commit.agent.site()));
  }
  RETURN_IF_ERROR(ToMicros(appraisal.appraised_at(), op + ": appraised_at").status());
  auto found = agents.find(appraisal.agent_id());
  if (found == agents.end()) {
    return absl::NotFoundError(
        absl::StrFormat("%s: the agent has never enrolled; enrol it before appraising", op));
  }
  LockedAgent& locked = found->second;
  if (locked.site != appraisal.site()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: the agent is enrolled at site '%s', not '%s'; re-enrol it to move it", op,
        locked.site, appraisal.site()));
  }
  RETURN_IF_ERROR(sqlite::CheckExpectedAgentVersion(commit.expected_version, locked.version, op));
  ASSIGN_OR_RETURN(pg::Result taken, db.Query("SELECT 1 FROM appraisals WHERE id = $1",
                                              {Param::Text(appraisal.id())}, op));
  if (taken.rows() > 0) {
    return absl::AlreadyExistsError(absl::StrCat(op, ": an appraisal with this id is stored"));
  }
  RETURN_IF_ERROR(WriteAgent(db, commit.agent, locked.revoked, locked, deltas, op));
  for (const veu::v1::Event& event : commit.events) {
    RETURN_IF_ERROR(InsertEvent(db, event, op).status());
  }
  for (const std::string& identity : commit.sightings) {
    RETURN_IF_ERROR(UpsertSighting(db, identity, appraisal, op));
  }
  for (const veu::v1::Diversion& diversion : commit.diversions) {
    RETURN_IF_ERROR(InsertDiversion(db, diversion, op).status());
  }
  return absl::OkStatus();
}

std::vector<absl::Status> PostgresStore::CommitAppraisals(
    const std::vector<AppraisalCommit>& commits) {
  std::vector<absl::Status> statuses(commits.size());
  if (commits.empty()) return statuses;
  const std::string op = absl::StrFormat("committing a group of %d appraisals", commits.size());
  auto all = [&](const absl::Status& s) { return std::vector<absl::Status>(commits.size(), s); };

  absl::StatusOr<pg::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return all(lease.status());
  pg::Connection& db = **lease;
  absl::StatusOr<pg::Transaction> tx = pg::Transaction::Begin(db, op);
  if (!tx.ok()) return all(tx.status());

  // Lock order 1: the agents' rows, in agent-id order.
  std::map<std::string, LockedAgent> agents;
  {
    std::set<std::string> ids;
    for (const AppraisalCommit& c : commits) ids.insert(c.appraisal.agent_id());
    for (const std::string& id : ids) {
      absl::StatusOr<LockedAgent> locked = LockAgent(db, id, op);
      if (absl::IsNotFound(locked.status())) continue;  // its commits fail alone, below
      if (!locked.ok()) return all(locked.status());
      agents.emplace(id, *std::move(locked));
    }
  }

  // Each commit in its own savepoint: one that fails is rolled back alone.
  SiteDeltas deltas;
  std::set<std::string> staged_ids;
  for (size_t i = 0; i < commits.size(); ++i) {
    const AppraisalCommit& commit = commits[i];
    if (staged_ids.count(commit.appraisal.id()) > 0) {
      statuses[i] = absl::AlreadyExistsError(absl::StrFormat(
          "committing appraisal '%s': the group already holds an appraisal with this id",
          commit.appraisal.id()));
      continue;
    }
    if (absl::Status s = db.Exec("SAVEPOINT appraisal", op); !s.ok()) return all(s);
    auto agent = agents.find(commit.appraisal.agent_id());
    std::optional<LockedAgent> agent_before;
    if (agent != agents.end()) agent_before = agent->second;
    const SiteDeltas deltas_before = deltas;
    statuses[i] = StageCommit(db, commit, agents, deltas);
    if (statuses[i].ok()) {
      staged_ids.insert(commit.appraisal.id());
    } else {
      if (agent_before.has_value()) agent->second = *std::move(agent_before);
      deltas = deltas_before;
    }
    const char* end = statuses[i].ok() ? "RELEASE SAVEPOINT appraisal"
                                       : "ROLLBACK TO SAVEPOINT appraisal; RELEASE SAVEPOINT "
                                         "appraisal";
    if (absl::Status s = db.Exec(end, op); !s.ok()) return all(s);
  }
  if (staged_ids.empty()) return statuses;  // nothing to log; the transaction rolls back

  // Lock order 2: the log. Every leaf of the group in the order given, with no gap.
  absl::StatusOr<uint64_t> size = LockLog(db, op);
  if (!size.ok()) return all(size.status());
  ConnectionNodeReader reader(&db);
  absl::StatusOr<merkle::CompactRange> range = merkle::CompactRange::Load(reader, *size);
  if (!range.ok()) return all(range.status());
  std::map<std::string, std::optional<uint64_t>> previous;  // agent -> its newest leaf
  uint64_t next = *size;
  for (size_t i = 0; i < commits.size(); ++i) {
    if (!statuses[i].ok()) continue;
    const veu::v1::Appraisal& appraisal = commits[i].appraisal;
    auto prev = previous.find(appraisal.agent_id());
    if (prev == previous.end()) {
      absl::StatusOr<pg::Result> row =
          db.Query("SELECT MAX(log_index) FROM appraisals WHERE agent_id = $1",
                   {Param::Text(appraisal.agent_id())}, op);
      if (!row.ok()) return all(row.status());
      prev = previous
                 .emplace(appraisal.agent_id(),
                          row->IsNull(0, 0) ? std::nullopt
                                            : std::optional<uint64_t>(row->Int(0, 0)))
                 .first;
    }
    veu::v1::Appraisal logged = appraisal;
    logged.set_log_index(next);
    if (prev->second.has_value()) {
      logged.set_previous_log_index(*prev->second);
    } else {
      logged.clear_previous_log_index();  // whatever the caller put there is not the store's
    }
    const std::string record = sqlite::DeterministicBytes(logged);
    absl::StatusOr<std::vector<merkle::Node>> nodes = range->Append(merkle::LeafHash(record));
    if (!nodes.ok()) return all(nodes.status());
    if (absl::Status s = InsertNodes(db, *nodes, op); !s.ok()) return all(s);
    absl::StatusOr<pg::Result> inserted = db.Query(
        "INSERT INTO appraisals (id, agent_id, site, appraised_at_micros, verdict, log_index, "
        "record, evidence, challenge) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {Param::Text(appraisal.id()), Param::Text(appraisal.agent_id()),
         Param::Text(appraisal.site()),
         Param::Int(*ToMicros(appraisal.appraised_at(), "appraised_at")),
         Param::Int(appraisal.verdict()), Param::Int(static_cast<int64_t>(next)),
         Param::Bytes(record), Param::Bytes(commits[i].evidence),
         Param::Bytes(commits[i].challenge)},
        op);
    if (!inserted.ok()) return all(inserted.status());
    prev->second = next;
    ++next;
  }
  if (absl::StatusOr<pg::Result> updated =
          db.Query("UPDATE log_state SET tree_size = $1 WHERE id = 1",
                   {Param::Int(static_cast<int64_t>(next))}, op);
      !updated.ok()) {
    return all(updated.status());
  }
  // Lock order 3: the site totals, in site order.
  if (absl::Status s = ApplySiteDeltas(db, deltas, op); !s.ok()) return all(s);
  if (absl::Status committed = tx->Commit(); !committed.ok()) return all(committed);
  return statuses;
}

absl::StatusOr<std::vector<SiteInventoryTotals>> PostgresStore::ListSiteInventoryTotals() {
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result rows,
                   db->Query("SELECT site, nodes, accelerators, tpp FROM site_inventory_totals "
                             "WHERE nodes > 0",
                             {}, "reading the site totals"));
  std::vector<SiteInventoryTotals> totals;
  totals.reserve(rows.rows());
  for (int i = 0; i < rows.rows(); ++i) {
    totals.push_back(SiteInventoryTotals{rows.Bytes(i, 0), static_cast<uint32_t>(rows.Int(i, 1)),
                                         static_cast<uint64_t>(rows.Int(i, 2)),
                                         static_cast<uint64_t>(rows.Int(i, 3))});
  }
  return totals;
}

// As SqliteStore's: $1 keep_per_agent, $2 max_bytes_per_agent, $3 cutoff micros (each 0: no
// limit), $4 how many at most. FOR UPDATE is not allowed with window functions, so the rows are
// locked by the UPDATE that empties them; a concurrent drop of the same rows empties them twice,
// which changes nothing.
constexpr char kEvidenceBeyondRetentionSql[] = R"sql(
WITH ranked AS (
  SELECT seq, agent_id, site, appraised_at_micros,
         length(evidence) + length(challenge) AS bytes,
         ROW_NUMBER() OVER w AS pos,
         SUM(length(evidence) + length(challenge)) OVER w AS running
  FROM appraisals
  WHERE length(evidence) > 0 OR length(challenge) > 0
  WINDOW w AS (PARTITION BY agent_id ORDER BY appraised_at_micros DESC, seq DESC)
)
SELECT seq, agent_id, site, appraised_at_micros, bytes FROM ranked
WHERE pos > 1 AND (($1 > 0 AND pos > $1) OR ($2 > 0 AND running > $2) OR
                   ($3 <> 0 AND appraised_at_micros < $3))
ORDER BY agent_id, appraised_at_micros, seq
LIMIT $4
)sql";

absl::StatusOr<EvidenceDropped> PostgresStore::DropEvidence(const EvidenceRetention& retention,
                                                            absl::Time now,
                                                            uint32_t max_appraisals) {
  EvidenceDropped dropped;
  if (!retention.any() || max_appraisals == 0) return dropped;
  const std::string op = "dropping raw evidence beyond the retention";
  const int64_t cutoff = retention.max_age > absl::ZeroDuration()
                             ? absl::ToUnixMicros(now - retention.max_age)
                             : 0;
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(*db, op));
  ASSIGN_OR_RETURN(
      pg::Result rows,
      db->Query(kEvidenceBeyondRetentionSql,
                {Param::Int(retention.keep_per_agent),
                 Param::Int(static_cast<int64_t>(std::min<uint64_t>(
                     retention.max_bytes_per_agent, std::numeric_limits<int64_t>::max()))),
                 Param::Int(cutoff), Param::Int(max_appraisals)},
                op));
  struct Span {
    std::string agent, site;
    uint64_t appraisals = 0, bytes = 0;
    int64_t oldest = 0, newest = 0;
  };
  std::vector<Span> agents;  // in agent order (the query's)
  for (int i = 0; i < rows.rows(); ++i) {
    RETURN_IF_ERROR(db->Query("UPDATE appraisals SET evidence = ''::bytea, challenge = ''::bytea "
                              "WHERE seq = $1",
                              {Param::Int(rows.Int(i, 0))}, op)
                        .status());
    const std::string agent = rows.Bytes(i, 1);
    if (agents.empty() || agents.back().agent != agent) {
      agents.push_back(Span{agent, rows.Bytes(i, 2), 0, 0, rows.Int(i, 3), 0});
    }
    Span& span = agents.back();
    ++span.appraisals;
    span.bytes += static_cast<uint64_t>(rows.Int(i, 4));
    span.newest = rows.Int(i, 3);
  }
  for (const Span& span : agents) {
    RETURN_IF_ERROR(InsertEvent(*db,
                                EvidenceDroppedEvent(span.agent, span.site, span.appraisals,
                                                     span.bytes, absl::FromUnixMicros(span.oldest),
                                                     absl::FromUnixMicros(span.newest), retention,
                                                     now),
                                op)
                        .status());
    dropped.appraisals += span.appraisals;
    dropped.bytes += span.bytes;
    ++dropped.agents;
  }
  RETURN_IF_ERROR(tx.Commit());
  return dropped;
}

absl::StatusOr<AppraisalPage> PostgresStore::ListAppraisalPage(const AppraisalQuery& query) {
  const std::string op = absl::StrFormat("listing appraisals of agent '%s'", query.agent_id);
  uint32_t limit = query.limit == 0 ? kDefaultAppraisalLimit : query.limit;
  limit = std::min(limit, kMaxAppraisalLimit);
  // As SqliteStore: the large columns only when asked for; the cursor as a row comparison.
  const std::string sql = absl::StrCat(
      "SELECT id, record, appraised_at_micros, seq",
      query.with_evidence ? ", evidence, challenge" : "",
      " FROM appraisals WHERE agent_id = $1",
      query.older_than ? " AND (appraised_at_micros, seq) < ($3, $4)" : "",
      " ORDER BY appraised_at_micros DESC, seq DESC LIMIT $2");
  std::vector<Param> params = {Param::Text(query.agent_id), Param::Int(limit)};
  if (query.older_than) {
    params.push_back(Param::Int(query.older_than->micros));
    params.push_back(Param::Int(query.older_than->seq));
  }
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result rows, db->Query(sql, params, op));
  AppraisalPage page;
  page.appraisals.reserve(rows.rows());
  for (int i = 0; i < rows.rows(); ++i) {
    veu::v1::StoredAppraisal stored;
    ASSIGN_OR_RETURN(*stored.mutable_appraisal(),
                     ParseRecord<veu::v1::Appraisal>(
                         rows.Bytes(i, 1), absl::StrCat("appraisals row '", rows.Bytes(i, 0), "'")));
    if (query.with_evidence) {
      stored.set_evidence(rows.Bytes(i, 4));
      stored.set_challenge(rows.Bytes(i, 5));
      stored.set_evidence_dropped(stored.evidence().empty());  // committed evidence never is
    }
    page.appraisals.push_back(std::move(stored));
    page.cursors.push_back(PageCursor{rows.Int(i, 2), rows.Int(i, 3)});
  }
  return page;
}

absl::StatusOr<veu::v1::Appraisal> PostgresStore::LatestAppraisal(const std::string& agent_id) {
  const std::string op = absl::StrFormat("reading the latest appraisal of agent '%s'", agent_id);
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result row,
                   db->Query("SELECT id, record FROM appraisals WHERE agent_id = $1 "
                             "ORDER BY appraised_at_micros DESC, seq DESC LIMIT 1",
                             {Param::Text(agent_id)}, op));
  if (row.rows() == 0) {
    return absl::NotFoundError(absl::StrFormat("agent '%s' has no appraisal yet", agent_id));
  }
  return ParseRecord<veu::v1::Appraisal>(row.Bytes(0, 1),
                                         absl::StrCat("appraisals row '", row.Bytes(0, 0), "'"));
}

absl::StatusOr<std::vector<LogEntry>> PostgresStore::ListSiteAppraisals(const SitePeriod& period) {
  const std::string op = absl::StrFormat("listing the logged appraisals of site '%s' from %s to %s",
                                         period.site, absl::FormatTime(period.from),
                                         absl::FormatTime(period.to));
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result rows,
                   db->Query("SELECT log_index, record FROM appraisals WHERE site = $1 AND "
                             "appraised_at_micros >= $2 AND appraised_at_micros < $3 "
                             "ORDER BY log_index",
                             {Param::Text(period.site), Param::Int(sqlite::BoundMicros(period.from)),
                              Param::Int(sqlite::BoundMicros(period.to))},
                             op));
  return LogEntries(rows);
}

absl::StatusOr<LogEntry> PostgresStore::LastAppraisalBefore(const std::string& agent_id,
                                                            absl::Time before) {
  const std::string op = absl::StrFormat("reading the last logged appraisal of agent '%s' before %s",
                                         agent_id, absl::FormatTime(before));
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result rows,
                   db->Query("SELECT log_index, record FROM appraisals WHERE agent_id = $1 "
                             "AND appraised_at_micros < $2 "
                             "ORDER BY appraised_at_micros DESC, seq DESC LIMIT 1",
                             {Param::Text(agent_id), Param::Int(sqlite::BoundMicros(before))}, op));
  if (rows.rows() == 0) return absl::NotFoundError(absl::StrCat(op, ": there is none"));
  return LogEntries(rows).front();
}

}  // namespace veu::verifier
