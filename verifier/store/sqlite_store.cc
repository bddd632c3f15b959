#include "verifier/store/sqlite_store.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/merkle/compact_range.h"
#include "common/merkle/hasher.h"
#include "common/status_macros.h"
#include "verifier/store/migrations.h"

namespace veu::verifier {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

constexpr uint32_t kDefaultAppraisalLimit = 20;
constexpr uint32_t kMaxAppraisalLimit = 1000;
constexpr uint32_t kDefaultEventLimit = 100;
constexpr uint32_t kMaxEventLimit = 10000;
constexpr size_t kSha256Size = 32;

// google.protobuf.Timestamp's valid range (0001-01-01 .. 9999-12-31): bounding it keeps the
// conversion to microseconds free of overflow.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

absl::StatusOr<int64_t> ToMicros(const google::protobuf::Timestamp& t, std::string_view what) {
  if (t.seconds() < kMinTimestampSeconds || t.seconds() > kMaxTimestampSeconds || t.nanos() < 0 ||
      t.nanos() > 999999999) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s is not a valid timestamp (seconds=%d, nanos=%d)", what, t.seconds(), t.nanos()));
  }
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

template <typename Message>
absl::StatusOr<Message> ParseRecord(const std::string& bytes, std::string_view where) {
  Message message;
  if (!message.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrFormat(
        "%s does not parse as %s; the database is damaged or was written by incompatible "
        "software: restore it from a backup",
        where, Message::descriptor()->full_name()));
  }
  return message;
}

absl::Status RequireSha256(const std::string& digest, std::string_view what) {
  if (digest.size() != kSha256Size) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s must be a raw 32-byte SHA-256 digest, got %d bytes (hex text is not accepted)", what,
        digest.size()));
  }
  return absl::OkStatus();
}

const char* DurabilityPragma(SqliteStore::Options::Durability durability) {
  return durability == SqliteStore::Options::Durability::kPowerLoss ? "synchronous=FULL"
                                                                    : "synchronous=NORMAL";
}

// Applies, in one transaction, every embedded migration newer than the database's version.
absl::Status Migrate(sqlite::Connection& db, const std::string& path) {
  const std::string op = absl::StrCat("migrating the schema of '", path, "'");
  const std::span<const Migration> migrations = EmbeddedMigrations();
  const int latest = migrations.back().version;
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db, op));

  // A database that has tables but no schema_version belongs to someone else: do not touch it.
  {
    ASSIGN_OR_RETURN(Statement probe,
                     db.Prepare("SELECT (SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                "AND name = 'schema_version'), (SELECT count(*) FROM "
                                "sqlite_schema WHERE type = 'table')",
                                op));
    ASSIGN_OR_RETURN(bool row, probe.Step());
    if (row && probe.ColumnInt64(0) == 0 && probe.ColumnInt64(1) > 0) {
      return absl::FailedPreconditionError(
          absl::StrFormat("'%s' is an SQLite database of another application (it has tables but no "
                          "schema_version); point the verifier at a new or VEU database file",
                          path));
    }
  }
  RETURN_IF_ERROR(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_version ("
              "  version    INTEGER PRIMARY KEY NOT NULL,"
              "  name       TEXT NOT NULL,"
              "  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
              op));
  int64_t current = 0;
  {
    ASSIGN_OR_RETURN(Statement version,
                     db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version", op));
    ASSIGN_OR_RETURN(bool row, version.Step());
    if (row) current = version.ColumnInt64(0);
  }
  if (current > latest) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "database '%s' has schema version %d but this verifier knows versions up to %d; it was "
        "written by a newer release: run that release, or restore a backup made before the "
        "upgrade (schemas are never downgraded)",
        path, current, latest));
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    RETURN_IF_ERROR(
        db.Exec(std::string(m.sql), absl::StrCat(op, ": applying ", std::string(m.name))));
    ASSIGN_OR_RETURN(Statement record,
                     db.Prepare("INSERT INTO schema_version (version, name) VALUES (?1, ?2)", op));
    record.BindInt64(1, m.version);
    record.BindText(2, m.name);
    RETURN_IF_ERROR(record.Run());
  }
  return tx.Commit();
}

absl::StatusOr<std::string> ReadNodeOn(sqlite::Connection& db, uint32_t level, uint64_t index) {
  const std::string op = absl::StrFormat("reading log node (level %d, index %d)", level, index);
  if (index > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::NotFoundError(absl::StrCat(op, ": no such node"));
  }
  ASSIGN_OR_RETURN(Statement select,
                   db.Prepare("SELECT hash FROM log_nodes WHERE level = ?1 AND idx = ?2", op));
  select.BindInt64(1, level);
  select.BindInt64(2, static_cast<int64_t>(index));
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) {
    return absl::NotFoundError(
        absl::StrFormat("log node (level %d, index %d) is not stored", level, index));
  }
  return select.ColumnBytes(0);
}

// Reads nodes on a connection whose store mutex the caller holds (CompactRange::Load inside a
// transaction).
class LockedNodeReader final : public merkle::NodeReader {
 public:
  explicit LockedNodeReader(sqlite::Connection* db) : db_(db) {}
  absl::StatusOr<std::string> ReadNode(uint32_t level, uint64_t index) const override {
    return ReadNodeOn(*db_, level, index);
  }

 private:
  sqlite::Connection* db_;
};

// Deterministic serialisation: the leaf data, and the bytes stored as the appraisal's record.
std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

absl::StatusOr<translog::StoredCheckpoint> CheckpointFromRow(const Statement& row) {
  translog::StoredCheckpoint c;
  c.checkpoint.origin = row.ColumnBytes(0);
  c.checkpoint.size = static_cast<uint64_t>(row.ColumnInt64(1));
  c.checkpoint.root_hash = row.ColumnBytes(2);
  c.checkpoint.timestamp_unix_seconds = static_cast<uint64_t>(row.ColumnInt64(3));
  c.signed_note = row.ColumnBytes(4);
  return c;
}

}  // namespace

// ---- Opening ------------------------------------------------------------------------------

int SqliteStore::LatestSchemaVersion() { return EmbeddedMigrations().back().version; }

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  return Open(path, Options());
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                               const Options& options) {
  RETURN_IF_ERROR(ValidateMigrations(EmbeddedMigrations()));
  if (path.empty()) {
    return absl::InvalidArgumentError(
        "database path is empty; set VerifierConfig.database (e.g. /var/lib/veu-verifier/veu.db)");
  }
  const int64_t busy_ms = std::clamp<int64_t>(absl::ToInt64Milliseconds(options.busy_timeout), 0,
                                              std::numeric_limits<int>::max());
  ASSIGN_OR_RETURN(std::unique_ptr<sqlite::Connection> db,
                   sqlite::Connection::Open(path, static_cast<int>(busy_ms)));

  // WAL lets readers (veuctl queries via the service) proceed while an appraisal commits, and
  // makes a commit one sequential append. An in-memory database reports "memory" instead.
  ASSIGN_OR_RETURN(std::string mode, db->Pragma("journal_mode=WAL"));
  if (mode != "wal" && !(path == ":memory:" && mode == "memory")) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "database '%s' cannot use write-ahead logging (journal_mode stayed '%s'); put it on a "
        "local filesystem that supports shared memory, not NFS",
        path, mode));
  }
  ASSIGN_OR_RETURN(std::string ignored, db->Pragma("foreign_keys=ON"));
  ASSIGN_OR_RETURN(std::string foreign_keys, db->Pragma("foreign_keys"));
  if (foreign_keys != "1") {
    return absl::FailedPreconditionError(
        "this SQLite library was built without foreign key support; the store requires it");
  }
  // Process crash vs power loss: see the comment at the top of sqlite_store.h.
  ASSIGN_OR_RETURN(ignored, db->Pragma(DurabilityPragma(options.durability)));
  RETURN_IF_ERROR(Migrate(*db, path));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(db)));
}

// ---- Helpers ------------------------------------------------------------------------------

absl::Status SqliteStore::RequireSiteLocked(const std::string& site, std::string_view operation) {
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT 1 FROM sites WHERE name = ?1", operation));
  select.BindText(1, site);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) {
    return absl::NotFoundError(absl::StrFormat(
        "%s: site '%s' does not exist; add it first (veuctl site add)", operation, site));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> SqliteStore::InsertEventLocked(const veu::v1::Event& event,
                                                       std::string_view operation) {
  ASSIGN_OR_RETURN(int64_t at,
                   ToMicros(event.at(), absl::StrCat(std::string(operation), ": event time")));
  veu::v1::Event stored = event;
  stored.clear_id();  // the id is the row's; it is set again when the event is read
  ASSIGN_OR_RETURN(Statement insert,
                   db_->Prepare("INSERT INTO events (kind, agent_id, site, at_micros, record) "
                                "VALUES (?1, ?2, ?3, ?4, ?5)",
                                operation));
  insert.BindInt64(1, event.kind());
  insert.BindText(2, event.agent_id());
  insert.BindText(3, event.site());
  insert.BindInt64(4, at);
  insert.BindBlob(5, stored.SerializeAsString());
  RETURN_IF_ERROR(insert.Run());
  return db_->LastInsertRowId();
}

// ---- Sites, EK allowances, tokens ---------------------------------------------------------

absl::Status SqliteStore::AddSite(const veu::v1::Site& site) {
  if (site.name().empty()) return absl::InvalidArgumentError("AddSite: the site name is empty");
  const std::string op = absl::StrFormat("adding site '%s'", site.name());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement insert,
                   db_->Prepare("INSERT INTO sites (name, record) VALUES (?1, ?2)", op));
  insert.BindText(1, site.name());
  insert.BindBlob(2, site.SerializeAsString());
  return insert.Run();
}

absl::StatusOr<veu::v1::Site> SqliteStore::GetSite(const std::string& name) {
  const std::string op = absl::StrFormat("reading site '%s'", name);
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select, db_->Prepare("SELECT record FROM sites WHERE name = ?1", op));
  select.BindText(1, name);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return absl::NotFoundError(absl::StrFormat("site '%s' does not exist", name));
  return ParseRecord<veu::v1::Site>(select.ColumnBytes(0), absl::StrCat("sites row '", name, "'"));
}

absl::StatusOr<std::vector<veu::v1::Site>> SqliteStore::ListSites() {
  const std::string op = "listing sites";
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT name, record FROM sites ORDER BY name", op));
  std::vector<veu::v1::Site> sites;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(
        veu::v1::Site site,
        ParseRecord<veu::v1::Site>(select.ColumnBytes(1),
                                   absl::StrCat("sites row '", select.ColumnBytes(0), "'")));
    sites.push_back(std::move(site));
  }
  return sites;
}

absl::Status SqliteStore::AddEkAllowance(const veu::v1::EkAllowance& allowance) {
  const std::string op = absl::StrFormat("allowing an EK for site '%s'", allowance.site());
  RETURN_IF_ERROR(
      RequireSha256(allowance.ek_public_sha256(), absl::StrCat(op, ": the EK key hash")));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, op));
  RETURN_IF_ERROR(RequireSiteLocked(allowance.site(), op));
  ASSIGN_OR_RETURN(Statement insert,
                   db_->Prepare("INSERT INTO ek_allowances (site, ek_public_sha256, record) "
                                "VALUES (?1, ?2, ?3)",
                                op));
  insert.BindText(1, allowance.site());
  insert.BindBlob(2, allowance.ek_public_sha256());
  insert.BindBlob(3, allowance.SerializeAsString());
  RETURN_IF_ERROR(insert.Run());
  return tx.Commit();
}

absl::StatusOr<bool> SqliteStore::IsEkAllowed(const std::string& site,
                                              const std::string& ek_public_sha256) {
  const std::string op = absl::StrFormat("checking an EK allowance of site '%s'", site);
  RETURN_IF_ERROR(RequireSha256(ek_public_sha256, absl::StrCat(op, ": the EK key hash")));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select, db_->Prepare("SELECT 1 FROM ek_allowances WHERE site = ?1 AND "
                                                  "ek_public_sha256 = ?2",
                                                  op));
  select.BindText(1, site);
  select.BindBlob(2, ek_public_sha256);
  return select.Step();
}

absl::Status SqliteStore::AddEnrollmentToken(const veu::v1::EnrollmentToken& token) {
  const std::string op = absl::StrFormat("adding an enrolment token for site '%s'", token.site());
  RETURN_IF_ERROR(RequireSha256(token.token_sha256(), absl::StrCat(op, ": the token hash")));
  if (!token.has_expires_at()) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": expires_at is not set"));
  }
  ASSIGN_OR_RETURN(int64_t expires, ToMicros(token.expires_at(), absl::StrCat(op, ": expires_at")));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, op));
  RETURN_IF_ERROR(RequireSiteLocked(token.site(), op));
  ASSIGN_OR_RETURN(Statement insert,
                   db_->Prepare("INSERT INTO enrollment_tokens (token_sha256, site, "
                                "expires_at_micros, used, record) VALUES (?1, ?2, ?3, ?4, ?5)",
                                op));
  insert.BindBlob(1, token.token_sha256());
  insert.BindText(2, token.site());
  insert.BindInt64(3, expires);
  insert.BindInt64(4, token.used() ? 1 : 0);
  insert.BindBlob(5, token.SerializeAsString());
  RETURN_IF_ERROR(insert.Run());
  return tx.Commit();
}

absl::StatusOr<TokenUse> SqliteStore::ConsumeEnrollmentToken(const std::string& token_sha256,
                                                             const std::string& site,
                                                             absl::Time now) {
  const std::string op = absl::StrFormat("using an enrolment token for site '%s'", site);
  RETURN_IF_ERROR(RequireSha256(token_sha256, absl::StrCat(op, ": the token hash")));
  absl::MutexLock lock(&mu_);
  // IMMEDIATE: the check and the mark happen under the write lock, so two verifiers sharing
  // the file cannot both consume one token.
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, op));
  veu::v1::EnrollmentToken token;
  {
    ASSIGN_OR_RETURN(Statement select,
                     db_->Prepare("SELECT site, expires_at_micros, used, record "
                                  "FROM enrollment_tokens WHERE token_sha256 = ?1",
                                  op));
    select.BindBlob(1, token_sha256);
    ASSIGN_OR_RETURN(bool found, select.Step());
    if (!found) return TokenUse::kUnknown;
    if (select.ColumnBytes(0) != site) return TokenUse::kWrongSite;
    if (select.ColumnInt64(2) != 0) return TokenUse::kAlreadyUsed;
    if (absl::ToUnixMicros(now) >= select.ColumnInt64(1)) return TokenUse::kExpired;
    ASSIGN_OR_RETURN(token, ParseRecord<veu::v1::EnrollmentToken>(select.ColumnBytes(3),
                                                                  "an enrollment_tokens row"));
  }
  token.set_used(true);
  ASSIGN_OR_RETURN(Statement update,
                   db_->Prepare("UPDATE enrollment_tokens SET used = 1, record = ?2 "
                                "WHERE token_sha256 = ?1 AND used = 0",
                                op));
  update.BindBlob(1, token_sha256);
  update.BindBlob(2, token.SerializeAsString());
  RETURN_IF_ERROR(update.Run());
  RETURN_IF_ERROR(tx.Commit());
  return TokenUse::kConsumed;
}

// ---- Reference values ----------------------------------------------------------------------

absl::Status SqliteStore::PutReferenceValues(const veu::v1::ReferenceValues& refs) {
  if (refs.name().empty()) {
    return absl::InvalidArgumentError("PutReferenceValues: the set needs a name (its platform class)");
  }
  const std::string op = absl::StrFormat("storing reference values '%s'", refs.name());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement upsert,
                   db_->Prepare("INSERT OR REPLACE INTO reference_values (name, record) "
                                "VALUES (?1, ?2)",
                                op));
  upsert.BindText(1, refs.name());
  upsert.BindBlob(2, refs.SerializeAsString());
  return upsert.Run();
}

absl::StatusOr<veu::v1::ReferenceValues> SqliteStore::GetReferenceValues(const std::string& name) {
  const std::string op = absl::StrFormat("reading reference values '%s'", name);
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT record FROM reference_values WHERE name = ?1", op));
  select.BindText(1, name);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) {
    return absl::NotFoundError(
        absl::StrFormat("no reference values for platform class '%s'", name));
  }
  return ParseRecord<veu::v1::ReferenceValues>(select.ColumnBytes(0),
                                               absl::StrCat("reference_values row '", name, "'"));
}

// ---- Agents -------------------------------------------------------------------------------

absl::StatusOr<veu::v1::AgentRecord> SqliteStore::GetAgent(const std::string& agent_id) {
  const std::string op = absl::StrFormat("reading agent '%s'", agent_id);
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT record FROM agents WHERE agent_id = ?1", op));
  select.BindText(1, agent_id);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) {
    return absl::NotFoundError(absl::StrFormat("agent '%s' has never enrolled", agent_id));
  }
  return ParseRecord<veu::v1::AgentRecord>(select.ColumnBytes(0),
                                           absl::StrCat("agents row '", agent_id, "'"));
}

absl::StatusOr<std::vector<veu::v1::AgentRecord>> SqliteStore::ListAgents(const std::string& site) {
  const std::string op = absl::StrFormat("listing agents of site '%s'", site);
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Statement> select =
      site.empty()
          ? db_->Prepare("SELECT agent_id, record FROM agents ORDER BY site, agent_id", op)
          : db_->Prepare("SELECT agent_id, record FROM agents WHERE site = ?1 ORDER BY agent_id",
                         op);
  if (!select.ok()) return select.status();
  if (!site.empty()) select->BindText(1, site);
  std::vector<veu::v1::AgentRecord> agents;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    ASSIGN_OR_RETURN(
        veu::v1::AgentRecord agent,
        ParseRecord<veu::v1::AgentRecord>(
            select->ColumnBytes(1), absl::StrCat("agents row '", select->ColumnBytes(0), "'")));
    agents.push_back(std::move(agent));
  }
  return agents;
}

absl::Status SqliteStore::PutAgent(const veu::v1::AgentRecord& agent,
                                   const std::vector<veu::v1::Event>& events) {
  const std::string op = absl::StrFormat("storing agent '%s'", agent.agent_id());
  if (agent.agent_id().empty()) return absl::InvalidArgumentError("PutAgent: agent_id is empty");
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, op));
  RETURN_IF_ERROR(RequireSiteLocked(agent.site(), op));
  // An upsert, not INSERT OR REPLACE: REPLACE deletes the row first, which the appraisals'
  // foreign key on agent_id forbids.
  ASSIGN_OR_RETURN(Statement upsert,
                   db_->Prepare("INSERT INTO agents (agent_id, site, record) VALUES (?1, ?2, ?3) "
                                "ON CONFLICT (agent_id) DO UPDATE SET site = excluded.site, "
                                "record = excluded.record",
                                op));
  upsert.BindText(1, agent.agent_id());
  upsert.BindText(2, agent.site());
  upsert.BindBlob(3, agent.SerializeAsString());
  RETURN_IF_ERROR(upsert.Run());
  for (const veu::v1::Event& event : events) {
    RETURN_IF_ERROR(InsertEventLocked(event, op).status());
  }
  return tx.Commit();
}

// ---- Appraisals ---------------------------------------------------------------------------

absl::Status SqliteStore::CommitAppraisal(const AppraisalCommit& commit) {
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

  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, op));
  {
    ASSIGN_OR_RETURN(Statement select,
                     db_->Prepare("SELECT site FROM agents WHERE agent_id = ?1", op));
    select.BindText(1, appraisal.agent_id());
    ASSIGN_OR_RETURN(bool found, select.Step());
    if (!found) {
      return absl::NotFoundError(
          absl::StrFormat("%s: the agent has never enrolled; enrol it before appraising", op));
    }
    if (select.ColumnBytes(0) != appraisal.site()) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%s: the agent is enrolled at site '%s', not '%s'; re-enrol it to move it", op,
          select.ColumnBytes(0), appraisal.site()));
    }
  }
  // The appraisal becomes the next leaf of the transparency log in this same transaction:
  // if anything below fails, neither the appraisal nor its leaf is stored.
  ASSIGN_OR_RETURN(const uint64_t log_index, TreeSizeLocked());
  logged.set_log_index(log_index);
  const std::string record = DeterministicBytes(logged);
  {
    LockedNodeReader reader(db_.get());
    ASSIGN_OR_RETURN(merkle::CompactRange range, merkle::CompactRange::Load(reader, log_index));
    ASSIGN_OR_RETURN(std::vector<merkle::Node> nodes, range.Append(merkle::LeafHash(record)));
    RETURN_IF_ERROR(AppendLeafLocked(log_index, nodes));
  }
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
                     db_->Prepare("UPDATE agents SET record = ?2 WHERE agent_id = ?1", op));
    update.BindText(1, commit.agent.agent_id());
    update.BindBlob(2, commit.agent.SerializeAsString());
    RETURN_IF_ERROR(update.Run());
  }
  for (const veu::v1::Event& event : commit.events) {
    RETURN_IF_ERROR(InsertEventLocked(event, op).status());
  }
  return tx.Commit();
}

absl::StatusOr<std::vector<veu::v1::StoredAppraisal>> SqliteStore::ListAppraisals(
    const std::string& agent_id, uint32_t limit, bool with_evidence) {
  const std::string op = absl::StrFormat("listing appraisals of agent '%s'", agent_id);
  if (limit == 0) limit = kDefaultAppraisalLimit;
  limit = std::min(limit, kMaxAppraisalLimit);
  absl::MutexLock lock(&mu_);
  // Without evidence the large columns are not selected, so their pages are never read.
  absl::StatusOr<Statement> select =
      with_evidence ? db_->Prepare(
                          "SELECT id, record, evidence, challenge FROM appraisals "
                          "WHERE agent_id = ?1 ORDER BY appraised_at_micros DESC, seq DESC "
                          "LIMIT ?2",
                          op)
                    : db_->Prepare(
                          "SELECT id, record FROM appraisals WHERE agent_id = ?1 "
                          "ORDER BY appraised_at_micros DESC, seq DESC LIMIT ?2",
                          op);
  if (!select.ok()) return select.status();
  select->BindText(1, agent_id);
  select->BindInt64(2, limit);
  std::vector<veu::v1::StoredAppraisal> appraisals;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    veu::v1::StoredAppraisal stored;
    ASSIGN_OR_RETURN(
        *stored.mutable_appraisal(),
        ParseRecord<veu::v1::Appraisal>(
            select->ColumnBytes(1), absl::StrCat("appraisals row '", select->ColumnBytes(0), "'")));
    if (with_evidence) {
      stored.set_evidence(select->ColumnBytes(2));
      stored.set_challenge(select->ColumnBytes(3));
    }
    appraisals.push_back(std::move(stored));
  }
  return appraisals;
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

// ---- Events -------------------------------------------------------------------------------

absl::StatusOr<int64_t> SqliteStore::AppendEvent(const veu::v1::Event& event) {
  const std::string op = absl::StrFormat("appending an event of agent '%s'", event.agent_id());
  absl::MutexLock lock(&mu_);
  return InsertEventLocked(event, op);  // one statement: atomic on its own
}

absl::StatusOr<std::vector<veu::v1::Event>> SqliteStore::ListEvents(const EventFilter& filter) {
  const std::string op = "listing events";
  const uint32_t limit =
      filter.limit == 0 ? kDefaultEventLimit : std::min(filter.limit, kMaxEventLimit);
  // One fixed statement per filter combination, so each can use its own index.
  constexpr std::string_view kByTime =
      "SELECT id, record FROM events ORDER BY at_micros DESC, id DESC LIMIT ?3";
  constexpr std::string_view kByAgent =
      "SELECT id, record FROM events WHERE agent_id = ?1 ORDER BY at_micros DESC, id DESC "
      "LIMIT ?3";
  constexpr std::string_view kBySite =
      "SELECT id, record FROM events WHERE site = ?2 ORDER BY at_micros DESC, id DESC LIMIT ?3";
  constexpr std::string_view kByBoth =
      "SELECT id, record FROM events WHERE agent_id = ?1 AND site = ?2 "
      "ORDER BY at_micros DESC, id DESC LIMIT ?3";
  const bool by_agent = !filter.agent_id.empty();
  const bool by_site = !filter.site.empty();
  const std::string_view sql =
      by_agent ? (by_site ? kByBoth : kByAgent) : (by_site ? kBySite : kByTime);

  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select, db_->Prepare(sql, op));
  if (by_agent) select.BindText(1, filter.agent_id);
  if (by_site) select.BindText(2, filter.site);
  select.BindInt64(3, limit);
  std::vector<veu::v1::Event> events;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    const int64_t id = select.ColumnInt64(0);
    ASSIGN_OR_RETURN(
        veu::v1::Event event,
        ParseRecord<veu::v1::Event>(select.ColumnBytes(1), absl::StrCat("events row ", id)));
    event.set_id(id);
    events.push_back(std::move(event));
  }
  return events;
}

// ---- Transparency log ---------------------------------------------------------------------

absl::StatusOr<uint64_t> SqliteStore::TreeSizeLocked() const {
  ASSIGN_OR_RETURN(Statement select, db_->Prepare("SELECT tree_size FROM log_state WHERE id = 1",
                                                  "reading the log size"));
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) {
    return absl::DataLossError(
        "the log_state row is missing; the database is damaged: restore it from a backup");
  }
  return static_cast<uint64_t>(select.ColumnInt64(0));
}

absl::StatusOr<std::string> SqliteStore::ReadNode(uint32_t level, uint64_t index) const {
  absl::MutexLock lock(&mu_);
  return ReadNodeOn(*db_, level, index);
}

absl::StatusOr<uint64_t> SqliteStore::TreeSize() const {
  absl::MutexLock lock(&mu_);
  return TreeSizeLocked();
}

absl::Status SqliteStore::AppendLeafLocked(uint64_t index, absl::Span<const merkle::Node> nodes) {
  const std::string op = absl::StrFormat("appending log leaf %d", index);
  ASSIGN_OR_RETURN(const uint64_t size, TreeSizeLocked());
  RETURN_IF_ERROR(translog::ValidateAppend(size, index, nodes));
  if (index >= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::OutOfRangeError(absl::StrCat(op, ": the log is full"));
  }
  for (const merkle::Node& node : nodes) {
    ASSIGN_OR_RETURN(
        Statement insert,
        db_->Prepare("INSERT INTO log_nodes (level, idx, hash) VALUES (?1, ?2, ?3)", op));
    insert.BindInt64(1, node.level);
    insert.BindInt64(2, static_cast<int64_t>(node.index));
    insert.BindBlob(3, node.hash);
    RETURN_IF_ERROR(insert.Run());
  }
  ASSIGN_OR_RETURN(Statement update,
                   db_->Prepare("UPDATE log_state SET tree_size = ?1 WHERE id = 1", op));
  update.BindInt64(1, static_cast<int64_t>(index + 1));
  return update.Run();
}

absl::Status SqliteStore::AppendLeaf(uint64_t index, absl::Span<const merkle::Node> nodes) {
  const std::string op = absl::StrFormat("appending log leaf %d", index);
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, op));
  RETURN_IF_ERROR(AppendLeafLocked(index, nodes));
  return tx.Commit();
}

absl::Status SqliteStore::PutCheckpoint(const translog::StoredCheckpoint& checkpoint) {
  const translog::Checkpoint& c = checkpoint.checkpoint;
  const std::string op = absl::StrFormat("storing the checkpoint of size %d", c.size);
  if (c.size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
      c.timestamp_unix_seconds > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": size or timestamp out of range"));
  }
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, op));
  {
    ASSIGN_OR_RETURN(Statement latest,
                     db_->Prepare("SELECT tree_size, timestamp_seconds FROM log_checkpoints "
                                  "ORDER BY seq DESC LIMIT 1",
                                  op));
    ASSIGN_OR_RETURN(bool found, latest.Step());
    if (found) {
      const uint64_t size = static_cast<uint64_t>(latest.ColumnInt64(0));
      const uint64_t time = static_cast<uint64_t>(latest.ColumnInt64(1));
      if (c.size < size || c.timestamp_unix_seconds < time) {
        return absl::FailedPreconditionError(absl::StrFormat(
            "checkpoint (size %d, time %d) would go back from the latest (size %d, time %d)",
            c.size, c.timestamp_unix_seconds, size, time));
      }
    }
  }
  ASSIGN_OR_RETURN(Statement insert,
                   db_->Prepare("INSERT INTO log_checkpoints (origin, tree_size, root_hash, "
                                "timestamp_seconds, signed_note) VALUES (?1, ?2, ?3, ?4, ?5)",
                                op));
  insert.BindText(1, c.origin);
  insert.BindInt64(2, static_cast<int64_t>(c.size));
  insert.BindBlob(3, c.root_hash);
  insert.BindInt64(4, static_cast<int64_t>(c.timestamp_unix_seconds));
  insert.BindBlob(5, checkpoint.signed_note);
  RETURN_IF_ERROR(insert.Run());
  return tx.Commit();
}

absl::StatusOr<translog::StoredCheckpoint> SqliteStore::LatestCheckpoint() const {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT origin, tree_size, root_hash, timestamp_seconds, "
                                "signed_note FROM log_checkpoints ORDER BY seq DESC LIMIT 1",
                                "reading the latest checkpoint"));
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return absl::NotFoundError("the log has no checkpoint yet");
  return CheckpointFromRow(select);
}

absl::StatusOr<translog::StoredCheckpoint> SqliteStore::CheckpointWithSize(
    uint64_t tree_size) const {
  if (tree_size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::NotFoundError(absl::StrFormat("no checkpoint of size %d", tree_size));
  }
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT origin, tree_size, root_hash, timestamp_seconds, "
                                "signed_note FROM log_checkpoints WHERE tree_size = ?1 "
                                "ORDER BY seq LIMIT 1",
                                "reading a checkpoint by size"));
  select.BindInt64(1, static_cast<int64_t>(tree_size));
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) {
    return absl::NotFoundError(absl::StrFormat(
        "no checkpoint of tree size %d was published; ask for the latest one instead", tree_size));
  }
  return CheckpointFromRow(select);
}

absl::StatusOr<LogEntry> SqliteStore::LogEntryByAppraisalId(const std::string& appraisal_id) const {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT log_index, record FROM appraisals WHERE id = ?1 AND "
                                "log_index IS NOT NULL",
                                "reading a logged appraisal"));
  select.BindText(1, appraisal_id);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) {
    return absl::NotFoundError(absl::StrFormat(
        "appraisal '%s' is not in the log (unknown id, or stored before the log existed)",
        appraisal_id));
  }
  return LogEntry{static_cast<uint64_t>(select.ColumnInt64(0)), select.ColumnBytes(1)};
}

absl::StatusOr<LogEntry> SqliteStore::LogEntryByIndex(uint64_t index) const {
  if (index > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::NotFoundError(absl::StrFormat("the log has no leaf %d", index));
  }
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT log_index, record FROM appraisals WHERE log_index = ?1",
                                "reading a logged appraisal by index"));
  select.BindInt64(1, static_cast<int64_t>(index));
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return absl::NotFoundError(absl::StrFormat("the log has no leaf %d", index));
  return LogEntry{static_cast<uint64_t>(select.ColumnInt64(0)), select.ColumnBytes(1)};
}

}  // namespace veu::verifier
