// SqliteStore, appraisals: committing one (with its log leaf, agent record, events,
// sightings and diversions in one transaction) and reading them back per agent or per site and
// period. See sqlite_store.cc for how the class is split.
#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "verifier/store/sqlite_records.h"
#include "verifier/store/sqlite_store.h"

namespace veu::verifier {
namespace {

using sqlite::ParseRecord;
using sqlite::Statement;
using sqlite::ToMicros;
using sqlite::Transaction;

constexpr uint32_t kDefaultAppraisalLimit = 20;
constexpr uint32_t kMaxAppraisalLimit = 1000;

// Reads the (log_index, record) rows of `select` as log entries.
absl::StatusOr<std::vector<LogEntry>> ReadLogEntries(Statement& select) {
  std::vector<LogEntry> entries;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    entries.push_back(
        LogEntry{static_cast<uint64_t>(select.ColumnInt64(0)), select.ColumnBytes(1)});
  }
  return entries;
}

}  // namespace

absl::Status SqliteStore::CommitAppraisal(const AppraisalCommit& commit) {
  const std::string op = absl::StrFormat("committing appraisal '%s' of agent '%s'",
                                         commit.appraisal.id(), commit.appraisal.agent_id());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, op));
  RETURN_IF_ERROR(CommitAppraisalLocked(commit));
  return CommitLocked(tx);
}

std::vector<absl::Status> SqliteStore::CommitAppraisals(
    const std::vector<AppraisalCommit>& commits) {
  std::vector<absl::Status> statuses(commits.size());
  if (commits.empty()) return statuses;
  const std::string op = absl::StrFormat("committing a group of %d appraisals", commits.size());
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Transaction> tx = Transaction::Begin(*db_, op);
  if (!tx.ok()) return std::vector<absl::Status>(commits.size(), tx.status());
  // Each commit in its own savepoint: one that fails is rolled back alone, and the group's
  // single COMMIT (one WAL sync) makes all the others durable together.
  for (size_t i = 0; i < commits.size(); ++i) {
    if (absl::Status s = db_->Exec("SAVEPOINT appraisal", op); !s.ok()) {
      return std::vector<absl::Status>(commits.size(), s);
    }
    const size_t staged = staged_rollup_.size();
    statuses[i] = CommitAppraisalLocked(commits[i]);
    if (!statuses[i].ok()) staged_rollup_.resize(staged);  // rolled back with its savepoint
    const char* end = statuses[i].ok() ? "RELEASE appraisal"
                                       : "ROLLBACK TO appraisal; RELEASE appraisal";
    if (absl::Status s = db_->Exec(end, op); !s.ok()) {
      staged_rollup_.clear();
      return std::vector<absl::Status>(commits.size(), s);
    }
  }
  if (absl::Status committed = CommitLocked(*tx); !committed.ok()) {
    return std::vector<absl::Status>(commits.size(), committed);
  }
  return statuses;
}

absl::Status SqliteStore::CommitAppraisalLocked(const AppraisalCommit& commit) {
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
  ASSIGN_OR_RETURN(int64_t at, ToMicros(appraisal.appraised_at(), op + ": appraised_at"));
  veu::v1::Appraisal logged = appraisal;
  {
    ASSIGN_OR_RETURN(Statement select,
                     db_->Prepare("SELECT site, version FROM agents WHERE agent_id = ?1", op));
    select.BindText(1, appraisal.agent_id());
    ASSIGN_OR_RETURN(bool found, select.Step());
    if (!found) {
      return absl::NotFoundError(
          absl::StrFormat("%s: the agent has never enrolled; enrol it before appraising", op));
    }
    RETURN_IF_ERROR(sqlite::CheckExpectedAgentVersion(
        commit.expected_version, static_cast<uint64_t>(select.ColumnInt64(1)), op));
    if (select.ColumnBytes(0) != appraisal.site()) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%s: the agent is enrolled at site '%s', not '%s'; re-enrol it to move it", op,
          select.ColumnBytes(0), appraisal.site()));
    }
  }
  // The appraisal becomes the next leaf of the transparency log in this same transaction:
  // if anything below fails, neither the appraisal nor its leaf is stored. It names the agent's
  // previous leaf, so the agent's appraisals form a chain a report cannot silently cut.
  ASSIGN_OR_RETURN(const uint64_t log_index, TreeSizeLocked());
  logged.set_log_index(log_index);
  {
    ASSIGN_OR_RETURN(Statement previous,
                     db_->Prepare("SELECT MAX(log_index) FROM appraisals WHERE agent_id = ?1 "
                                  "AND log_index IS NOT NULL",
                                  op));
    previous.BindText(1, appraisal.agent_id());
    ASSIGN_OR_RETURN(bool row, previous.Step());  // an aggregate: one row, NULL if none
    if (row && !previous.ColumnIsNull(0)) {
      logged.set_previous_log_index(static_cast<uint64_t>(previous.ColumnInt64(0)));
    } else {
      logged.clear_previous_log_index();  // whatever the caller put there is not the store's
    }
  }
  const std::string record = sqlite::DeterministicBytes(logged);
  RETURN_IF_ERROR(AppendLeafDataLocked(log_index, record));
  {
    ASSIGN_OR_RETURN(Statement insert,
                     db_->Prepare("INSERT INTO appraisals (id, agent_id, site, "
                                  "appraised_at_micros, verdict, record, evidence, challenge, "
                                  "log_index) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                  op));
    insert.BindText(1, appraisal.id());
    insert.BindText(2, appraisal.agent_id());
    insert.BindText(3, appraisal.site());
    insert.BindInt64(4, at);
    insert.BindInt64(5, appraisal.verdict());
    insert.BindBlob(6, record);
    insert.BindBlob(7, commit.evidence);
    insert.BindBlob(8, commit.challenge);
    insert.BindInt64(9, static_cast<int64_t>(log_index));
    RETURN_IF_ERROR(insert.Run());
  }
  {
    ASSIGN_OR_RETURN(Statement update,
                     db_->Prepare("UPDATE agents SET record = ?2, version = version + 1 "
                                  "WHERE agent_id = ?1",
                                  op));
    update.BindText(1, commit.agent.agent_id());
    update.BindBlob(2, sqlite::AgentAsStored(commit.agent).SerializeAsString());
    RETURN_IF_ERROR(update.Run());
  }
  RETURN_IF_ERROR(StageRollupLocked(commit.agent.agent_id(), op));
  for (const veu::v1::Event& event : commit.events) {
    RETURN_IF_ERROR(InsertEventLocked(event, op).status());
  }
  for (const std::string& identity : commit.sightings) {
    RETURN_IF_ERROR(UpsertSightingLocked(identity, appraisal, op));
  }
  for (const veu::v1::Diversion& diversion : commit.diversions) {
    RETURN_IF_ERROR(InsertDiversionLocked(diversion, op).status());
  }
  return absl::OkStatus();
}

// The appraisals whose evidence a retention drops: ranked per agent newest first, the newest
// always kept. ?1 keep_per_agent, ?2 max_bytes_per_agent, ?3 cutoff micros (each 0: no limit),
// ?4 how many at most. Appraisals already emptied do not count (length 0).
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
WHERE pos > 1 AND ((?1 > 0 AND pos > ?1) OR (?2 > 0 AND running > ?2) OR
                    (?3 <> 0 AND appraised_at_micros < ?3))
ORDER BY agent_id, appraised_at_micros, seq
LIMIT ?4
)sql";

absl::StatusOr<EvidenceDropped> SqliteStore::DropEvidence(const EvidenceRetention& retention,
                                                          absl::Time now,
                                                          uint32_t max_appraisals) {
  EvidenceDropped dropped;
  if (!retention.any() || max_appraisals == 0) return dropped;
  const std::string op = "dropping raw evidence beyond the retention";
  const int64_t cutoff = retention.max_age > absl::ZeroDuration()
                             ? absl::ToUnixMicros(now - retention.max_age)
                             : 0;
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, op));
  struct Span {
    std::string site;
    uint64_t appraisals = 0, bytes = 0;
    int64_t oldest = 0, newest = 0;
  };
  std::vector<std::pair<std::string, Span>> agents;  // in agent order (the query's)
  std::vector<int64_t> seqs;
  {
    ASSIGN_OR_RETURN(Statement select, db_->Prepare(kEvidenceBeyondRetentionSql, op));
    select.BindInt64(1, retention.keep_per_agent);
    select.BindInt64(2, static_cast<int64_t>(
                            std::min<uint64_t>(retention.max_bytes_per_agent,
                                               std::numeric_limits<int64_t>::max())));
    select.BindInt64(3, cutoff);
    select.BindInt64(4, max_appraisals);
    while (true) {
      ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      seqs.push_back(select.ColumnInt64(0));
      const std::string agent = select.ColumnBytes(1);
      if (agents.empty() || agents.back().first != agent) {
        agents.push_back({agent, Span{select.ColumnBytes(2), 0, 0, select.ColumnInt64(3), 0}});
      }
      Span& span = agents.back().second;
      ++span.appraisals;
      span.bytes += static_cast<uint64_t>(select.ColumnInt64(4));
      span.newest = select.ColumnInt64(3);
    }
  }
  for (int64_t seq : seqs) {
    ASSIGN_OR_RETURN(Statement update,
                     db_->Prepare("UPDATE appraisals SET evidence = X'', challenge = X'' "
                                  "WHERE seq = ?1",
                                  op));
    update.BindInt64(1, seq);
    RETURN_IF_ERROR(update.Run());
  }
  for (const auto& [agent, span] : agents) {
    RETURN_IF_ERROR(InsertEventLocked(
                        EvidenceDroppedEvent(agent, span.site, span.appraisals, span.bytes,
                                             absl::FromUnixMicros(span.oldest),
                                             absl::FromUnixMicros(span.newest), retention, now),
                        op)
                        .status());
    dropped.appraisals += span.appraisals;
    dropped.bytes += span.bytes;
    ++dropped.agents;
  }
  RETURN_IF_ERROR(CommitLocked(tx));
  return dropped;
}

absl::StatusOr<AppraisalPage> SqliteStore::ListAppraisalPage(const AppraisalQuery& query) {
  const std::string op = absl::StrFormat("listing appraisals of agent '%s'", query.agent_id);
  uint32_t limit = query.limit == 0 ? kDefaultAppraisalLimit : query.limit;
  limit = std::min(limit, kMaxAppraisalLimit);
  // Without evidence the large columns are not selected, so their pages are never read. The
  // cursor condition is the row-value form of "older in (appraised_at, seq) order", which the
  // (agent_id, appraised_at_micros, seq) index serves.
  const std::string sql = absl::StrCat(
      "SELECT id, record, appraised_at_micros, seq",
      query.with_evidence ? ", evidence, challenge" : "",
      " FROM appraisals WHERE agent_id = ?1",
      query.older_than ? " AND (appraised_at_micros, seq) < (?3, ?4)" : "",
      " ORDER BY appraised_at_micros DESC, seq DESC LIMIT ?2");
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select, db_->Prepare(sql, op));
  select.BindText(1, query.agent_id);
  select.BindInt64(2, limit);
  if (query.older_than) {
    select.BindInt64(3, query.older_than->micros);
    select.BindInt64(4, query.older_than->seq);
  }
  AppraisalPage page;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    veu::v1::StoredAppraisal stored;
    ASSIGN_OR_RETURN(
        *stored.mutable_appraisal(),
        ParseRecord<veu::v1::Appraisal>(
            select.ColumnBytes(1), absl::StrCat("appraisals row '", select.ColumnBytes(0), "'")));
    if (query.with_evidence) {
      stored.set_evidence(select.ColumnBytes(4));
      stored.set_challenge(select.ColumnBytes(5));
      stored.set_evidence_dropped(stored.evidence().empty());  // committed evidence never is
    }
    page.appraisals.push_back(std::move(stored));
    page.cursors.push_back(PageCursor{select.ColumnInt64(2), select.ColumnInt64(3)});
  }
  return page;
}

absl::StatusOr<veu::v1::Appraisal> SqliteStore::LatestAppraisal(const std::string& agent_id) {
  const std::string op = absl::StrFormat("reading the latest appraisal of agent '%s'", agent_id);
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT id, record FROM appraisals WHERE agent_id = ?1 "
                                "ORDER BY appraised_at_micros DESC, seq DESC LIMIT 1",
                                op));
  select.BindText(1, agent_id);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) {
    return absl::NotFoundError(absl::StrFormat("agent '%s' has no appraisal yet", agent_id));
  }
  return ParseRecord<veu::v1::Appraisal>(
      select.ColumnBytes(1), absl::StrCat("appraisals row '", select.ColumnBytes(0), "'"));
}

absl::StatusOr<std::vector<LogEntry>> SqliteStore::ListSiteAppraisals(const SitePeriod& period) {
  const std::string op = absl::StrFormat("listing the logged appraisals of site '%s' from %s to %s",
                                         period.site, absl::FormatTime(period.from),
                                         absl::FormatTime(period.to));
  absl::MutexLock lock(&mu_);
  // Appraisals stored before the log existed (log_index NULL) cannot be proven: left out.
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT log_index, record FROM appraisals WHERE site = ?1 AND "
                                "appraised_at_micros >= ?2 AND appraised_at_micros < ?3 AND "
                                "log_index IS NOT NULL ORDER BY log_index",
                                op));
  select.BindText(1, period.site);
  select.BindInt64(2, sqlite::BoundMicros(period.from));
  select.BindInt64(3, sqlite::BoundMicros(period.to));
  return ReadLogEntries(select);
}

absl::StatusOr<LogEntry> SqliteStore::LastAppraisalBefore(const std::string& agent_id,
                                                          absl::Time before) {
  const std::string op = absl::StrFormat("reading the last logged appraisal of agent '%s' before %s",
                                         agent_id, absl::FormatTime(before));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT log_index, record FROM appraisals WHERE agent_id = ?1 "
                                "AND appraised_at_micros < ?2 AND log_index IS NOT NULL "
                                "ORDER BY appraised_at_micros DESC, seq DESC LIMIT 1",
                                op));
  select.BindText(1, agent_id);
  select.BindInt64(2, sqlite::BoundMicros(before));
  ASSIGN_OR_RETURN(std::vector<LogEntry> entries, ReadLogEntries(select));
  if (entries.empty()) {
    return absl::NotFoundError(absl::StrCat(op, ": there is none"));
  }
  return std::move(entries.front());
}

}  // namespace veu::verifier
