#include "verifier/store/sqlite_store.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "verifier/store/migrations.h"
#include "verifier/store/sqlite_records.h"

// SqliteStore is one class in several files, one per concept: this one opens the database and
// keeps sites, EK allowances, enrolment tokens, reference values and agents. Appraisals are in
// sqlite_store_appraisals.cc, the transparency log in sqlite_store_log.cc, accelerator sightings
// and diversions in sqlite_store_diversions.cc, events and access records in
// sqlite_store_events.cc.

namespace veu::verifier {
namespace {

using sqlite::ParseRecord;
using sqlite::RequireSha256;
using sqlite::Statement;
using sqlite::ToMicros;
using sqlite::Transaction;

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

}  // namespace

// ---- Opening ------------------------------------------------------------------------------

int SqliteStore::LatestSchemaVersion() { return EmbeddedMigrations().back().version; }

absl::StatusOr<std::string> SqliteStore::PragmaValue(const std::string& name) {
  absl::MutexLock lock(&mu_);
  return db_->Pragma(name);
}

absl::Status SqliteStore::CheckWritable() {
  absl::MutexLock lock(&mu_);
  // Takes the write lock and gives it back: fails if the file became read-only, was removed
  // from under a read-only mount, or another process holds the lock past busy_timeout.
  absl::Status began = db_->Exec("BEGIN IMMEDIATE", "checking the store is writable");
  if (!began.ok()) return absl::UnavailableError(began.message());
  return db_->Exec("ROLLBACK", "checking the store is writable");
}

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
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(db)));
  if (path != ":memory:") {
    ASSIGN_OR_RETURN(store->reader_, sqlite::Connection::Open(path, static_cast<int>(busy_ms)));
    ASSIGN_OR_RETURN(std::string read_only, store->reader_->Pragma("query_only=ON"));
    ASSIGN_OR_RETURN(read_only, store->reader_->Pragma("foreign_keys=ON"));
  }
  {
    absl::MutexLock lock(&store->mu_);
    RETURN_IF_ERROR(store->RebuildRollupLocked());
  }
  return store;
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
  ReadAccess read(this);
  ASSIGN_OR_RETURN(Statement select, read.db->Prepare("SELECT record FROM sites WHERE name = ?1", op));
  select.BindText(1, name);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return absl::NotFoundError(absl::StrFormat("site '%s' does not exist", name));
  return ParseRecord<veu::v1::Site>(select.ColumnBytes(0), absl::StrCat("sites row '", name, "'"));
}

absl::StatusOr<std::vector<veu::v1::Site>> SqliteStore::ListSites() {
  const std::string op = "listing sites";
  ReadAccess read(this);
  ASSIGN_OR_RETURN(Statement select,
                   read.db->Prepare("SELECT name, record FROM sites ORDER BY name", op));
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
  ReadAccess read(this);
  ASSIGN_OR_RETURN(Statement select,
                   read.db->Prepare("SELECT record FROM reference_values WHERE name = ?1", op));
  select.BindText(1, name);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) {
    return absl::NotFoundError(
        absl::StrFormat("no reference values for platform class '%s'", name));
  }
  return ParseRecord<veu::v1::ReferenceValues>(select.ColumnBytes(0),
                                               absl::StrCat("reference_values row '", name, "'"));
}

// ---- Policy packs --------------------------------------------------------------------------

absl::Status SqliteStore::PutPolicyPack(const veu::v1::PolicyPack& pack) {
  const std::string version = PolicyPackVersion(pack);
  if (pack.id().empty() || pack.version().empty()) {
    return absl::InvalidArgumentError("PutPolicyPack: the pack needs an id and a version");
  }
  const std::string op = absl::StrFormat("storing policy pack '%s'", version);
  const std::string record = sqlite::DeterministicBytes(pack);
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, op));
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT record FROM policy_packs WHERE version = ?1", op));
  select.BindText(1, version);
  ASSIGN_OR_RETURN(const bool found, select.Step());
  if (found) {
    if (select.ColumnBytes(0) == record) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: a different pack is already stored as '%s'; appraisals made under it must stay "
        "attributable, so give the changed pack a new version",
        op, version));
  }
  ASSIGN_OR_RETURN(Statement insert,
                   db_->Prepare("INSERT INTO policy_packs (version, record) VALUES (?1, ?2)", op));
  insert.BindText(1, version);
  insert.BindBlob(2, record);
  RETURN_IF_ERROR(insert.Run());
  return tx.Commit();
}

absl::StatusOr<veu::v1::PolicyPack> SqliteStore::GetPolicyPack(const std::string& version) {
  const std::string op = absl::StrFormat("reading policy pack '%s'", version);
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT record FROM policy_packs WHERE version = ?1", op));
  select.BindText(1, version);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return absl::NotFoundError(absl::StrFormat("no policy pack '%s' is stored", version));
  return ParseRecord<veu::v1::PolicyPack>(select.ColumnBytes(0),
                                          absl::StrCat("policy_packs row '", version, "'"));
}

// ---- Agents -------------------------------------------------------------------------------

namespace {

// Sets `agent`'s status and revocation from its revocations row (`revocation`: the row's
// record, empty when there is none). See Store::RevokeAgent.
absl::Status ApplyRevocation(const std::string& revocation, veu::v1::AgentRecord* agent) {
  agent->clear_revocation();
  if (revocation.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(*agent->mutable_revocation(),
                   ParseRecord<veu::v1::Revocation>(
                       revocation, absl::StrCat("revocations row '", agent->agent_id(), "'")));
  agent->set_status(veu::v1::AGENT_STATUS_REVOKED);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<veu::v1::AgentRecord> SqliteStore::GetAgent(const std::string& agent_id) {
  const std::string op = absl::StrFormat("reading agent '%s'", agent_id);
  ReadAccess read(this);
  ASSIGN_OR_RETURN(Statement select,
                   read.db->Prepare("SELECT a.record, r.record, a.version FROM agents a LEFT JOIN "
                                "revocations r USING (agent_id) WHERE a.agent_id = ?1",
                                op));
  select.BindText(1, agent_id);
  ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) {
    return absl::NotFoundError(absl::StrFormat("agent '%s' has never enrolled", agent_id));
  }
  ASSIGN_OR_RETURN(veu::v1::AgentRecord agent,
                   ParseRecord<veu::v1::AgentRecord>(
                       select.ColumnBytes(0), absl::StrCat("agents row '", agent_id, "'")));
  RETURN_IF_ERROR(ApplyRevocation(select.ColumnBytes(1), &agent));
  agent.set_record_version(static_cast<uint64_t>(select.ColumnInt64(2)));
  return agent;
}

absl::StatusOr<std::vector<veu::v1::AgentRecord>> SqliteStore::ListAgents(const std::string& site) {
  const std::string op = absl::StrFormat("listing agents of site '%s'", site);
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Statement> select =
      site.empty()
          ? db_->Prepare("SELECT a.agent_id, a.record, r.record, a.version FROM agents a LEFT JOIN "
                         "revocations r USING (agent_id) ORDER BY a.site, a.agent_id",
                         op)
          : db_->Prepare("SELECT a.agent_id, a.record, r.record, a.version FROM agents a LEFT JOIN "
                         "revocations r USING (agent_id) WHERE a.site = ?1 ORDER BY a.agent_id",
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
    RETURN_IF_ERROR(ApplyRevocation(select->ColumnBytes(2), &agent));
    agent.set_record_version(static_cast<uint64_t>(select->ColumnInt64(3)));
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
                                "record = excluded.record, version = agents.version + 1",
                                op));
  upsert.BindText(1, agent.agent_id());
  upsert.BindText(2, agent.site());
  upsert.BindBlob(3, sqlite::AgentAsStored(agent).SerializeAsString());
  RETURN_IF_ERROR(upsert.Run());
  for (const veu::v1::Event& event : events) {
    RETURN_IF_ERROR(InsertEventLocked(event, op).status());
  }
  RETURN_IF_ERROR(StageRollupLocked(agent.agent_id(), op));
  return CommitLocked(tx);
}

}  // namespace veu::verifier
