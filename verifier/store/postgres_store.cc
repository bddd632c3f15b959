#include "verifier/store/postgres_store.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "verifier/store/inventory_share.h"
#include "verifier/store/migrations.h"
#include "verifier/store/sqlite_records.h"

// PostgresStore is one class in several files, one per concept: this one connects, migrates,
// and keeps sites, EK allowances, enrolment tokens, reference values, policy packs, agents and
// revocations. Appraisals and the site totals are in postgres_store_appraisals.cc, the
// transparency log in postgres_store_log.cc, sightings, diversions, events and access records
// in postgres_store_journals.cc. The row helpers of sqlite_records.h (timestamps as micros,
// record parsing, deterministic bytes) are the same for both stores.

namespace veu::verifier {
namespace {

using pg::Param;
using sqlite::ParseRecord;
using sqlite::RequireSha256;
using sqlite::ToMicros;

// The advisory lock key under which a replica migrates (any constant; "VEUmigr").
constexpr int64_t kMigrationLockKey = 0x5645556d69677200;

absl::Status Migrate(pg::Connection& db) {
  const std::string op = absl::StrCat("migrating the schema of ", db.where());
  const std::span<const Migration> migrations = EmbeddedPostgresMigrations();
  const int latest = migrations.back().version;
  ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(db, op));
  // Replicas starting together: the first migrates, the others wait here and find it done.
  RETURN_IF_ERROR(
      db.Query("SELECT pg_advisory_xact_lock($1)", {Param::Int(kMigrationLockKey)}, op).status());
  ASSIGN_OR_RETURN(pg::Result probe,
                   db.Query("SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = "
                            "current_schema() AND tablename = 'schema_version'), (SELECT count(*) "
                            "FROM pg_tables WHERE schemaname = current_schema())",
                            {}, op));
  if (probe.Int(0, 0) == 0 && probe.Int(0, 1) > 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "database %s holds tables of another application (it has no schema_version); give the "
        "verifier a database of its own",
        db.where()));
  }
  RETURN_IF_ERROR(db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT "
      "NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
      op));
  ASSIGN_OR_RETURN(pg::Result version,
                   db.Query("SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_version", {}, op));
  const int64_t current = version.Int(0, 0);
  if (current > latest) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "database %s has schema version %d but this verifier knows versions up to %d; it was "
        "written by a newer release: run that release (schemas are never downgraded)",
        db.where(), current, latest));
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    RETURN_IF_ERROR(db.Exec(std::string(m.sql), absl::StrCat(op, ": applying ", std::string(m.name))));
    RETURN_IF_ERROR(db.Query("INSERT INTO schema_version (version, name) VALUES ($1, $2)",
                             {Param::Int(m.version), Param::Text(std::string(m.name))}, op)
                        .status());
  }
  return tx.Commit();
}

// Sets `agent`'s status and revocation from its revocations row (empty: none), as SqliteStore.
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

// ---- Opening ------------------------------------------------------------------------------

bool PostgresStore::IsPostgresUrl(const std::string& database) {
  return absl::StartsWith(database, "postgresql://") || absl::StartsWith(database, "postgres://") ||
         absl::StartsWith(database, "host=") || absl::StartsWith(database, "dbname=");
}

int PostgresStore::LatestSchemaVersion() { return EmbeddedPostgresMigrations().back().version; }

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& conninfo) {
  return Open(conninfo, Options());
}

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& conninfo,
                                                                   const Options& options) {
  RETURN_IF_ERROR(ValidateMigrations(EmbeddedPostgresMigrations()));
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError("PostgresStore: the pool needs at least one connection");
  }
  auto pool = std::make_unique<pg::Pool>(
      conninfo, pg::Pool::Options{options.pool_size, options.connect_timeout,
                                  options.acquire_timeout});
  {
    ASSIGN_OR_RETURN(pg::Lease db, pool->Acquire());
    // An acknowledged appraisal must survive a crash of the database server.
    ASSIGN_OR_RETURN(pg::Result sync,
                     db->Query("SELECT current_setting('synchronous_commit') <> 'off' AND "
                               "current_setting('fsync') = 'on'",
                               {}, "checking the database's durability"));
    if (sync.Int(0, 0) == 0) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "PostgreSQL at %s runs with fsync or synchronous_commit off, so an acknowledged "
          "appraisal could be lost in a crash; turn both on for the verifier's database",
          db->where()));
    }
    RETURN_IF_ERROR(Migrate(*db));
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(pool)));
}

// ---- Helpers ------------------------------------------------------------------------------

absl::Status PostgresStore::RequireSite(pg::Connection& db, const std::string& site,
                                        absl::string_view operation) {
  ASSIGN_OR_RETURN(pg::Result found,
                   db.Query("SELECT 1 FROM sites WHERE name = $1", {Param::Text(site)}, operation));
  if (found.rows() == 0) {
    return absl::NotFoundError(absl::StrFormat(
        "%s: site '%s' does not exist; add it first (veuctl site add)", operation, site));
  }
  return absl::OkStatus();
}

absl::StatusOr<PostgresStore::LockedAgent> PostgresStore::LockAgent(pg::Connection& db,
                                                                    const std::string& agent_id,
                                                                    absl::string_view operation) {
  ASSIGN_OR_RETURN(
      pg::Result row,
      db.Query("SELECT a.site, a.record, r.agent_id IS NOT NULL, a.counted_nodes, "
               "a.counted_accelerators, a.counted_tpp, a.version FROM agents a "
               "LEFT JOIN revocations r "
               "USING (agent_id) WHERE a.agent_id = $1 FOR UPDATE OF a",
               {Param::Text(agent_id)}, operation));
  if (row.rows() == 0) {
    return absl::NotFoundError(
        absl::StrFormat("%s: the agent has never enrolled; enrol it first", operation));
  }
  LockedAgent locked;
  locked.site = row.Bytes(0, 0);
  locked.record = row.Bytes(0, 1);
  locked.revoked = row.Int(0, 2) != 0;
  locked.share = Share{locked.site, row.Int(0, 3), row.Int(0, 4), row.Int(0, 5)};
  locked.version = static_cast<uint64_t>(row.Int(0, 6));
  return locked;
}

absl::Status PostgresStore::WriteAgent(pg::Connection& db, const veu::v1::AgentRecord& record,
                                       bool revoked, LockedAgent& locked, SiteDeltas& deltas,
                                       absl::string_view operation) {
  const InventoryShare share = ShareOf(record, revoked);
  const Share next{record.site(), share.nodes, static_cast<int64_t>(share.accelerators),
                   static_cast<int64_t>(share.tpp)};
  const std::string bytes = sqlite::AgentAsStored(record).SerializeAsString();
  ASSIGN_OR_RETURN(pg::Result updated,
                   db.Query("UPDATE agents SET site = $2, record = $3, version = version + 1, "
                            "counted_nodes = $4, counted_accelerators = $5, counted_tpp = $6 "
                            "WHERE agent_id = $1",
                            {Param::Text(record.agent_id()), Param::Text(record.site()),
                             Param::Bytes(bytes), Param::Int(next.nodes),
                             Param::Int(next.accelerators), Param::Int(next.tpp)},
                            operation));
  if (updated.affected() != 1) {
    return absl::InternalError(absl::StrCat(operation, ": the locked agent row is gone"));
  }
  ++locked.version;  // as the row now says: a later commit of this group compares with it
  auto add = [&deltas](const Share& s, int64_t sign) {
    if (s.nodes == 0) return;
    Share& d = deltas[s.site];
    d.site = s.site;
    d.nodes += sign * s.nodes;
    d.accelerators += sign * s.accelerators;
    d.tpp += sign * s.tpp;
  };
  add(locked.share, -1);
  add(next, +1);
  locked.share = next;
  locked.site = record.site();
  locked.record = bytes;
  locked.revoked = revoked;
  return absl::OkStatus();
}

absl::Status PostgresStore::ApplySiteDeltas(pg::Connection& db, const SiteDeltas& deltas,
                                            absl::string_view operation) {
  for (const auto& [site, d] : deltas) {  // std::map: site order, the lock order
    if (d.nodes == 0 && d.accelerators == 0 && d.tpp == 0) continue;
    // AddSite made the row; the CHECKs refuse totals that would go negative (a share
    // subtracted twice), which fails the transaction instead of storing a wrong total.
    ASSIGN_OR_RETURN(pg::Result updated,
                     db.Query("UPDATE site_inventory_totals SET nodes = nodes + $2, "
                              "accelerators = accelerators + $3, tpp = tpp + $4 WHERE site = $1",
                              {Param::Text(site), Param::Int(d.nodes), Param::Int(d.accelerators),
                               Param::Int(d.tpp)},
                              operation));
    if (updated.affected() != 1) {
      return absl::DataLossError(absl::StrFormat(
          "%s: site '%s' has no site_inventory_totals row; the database was changed behind the "
          "verifier's back",
          operation, site));
    }
  }
  return absl::OkStatus();
}

// ---- Sites, EK allowances, tokens ---------------------------------------------------------

absl::Status PostgresStore::CheckWritable() {
  const char* const op = "checking the database takes writes";
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  // A server in recovery (a standby after a failover the operator has not finished) is
  // reachable but refuses writes.
  ASSIGN_OR_RETURN(pg::Result r, db->Query("SELECT (CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END)::BIGINT", {}, op));
  if (r.rows() != 1 || r.Int(0, 0) != 0) {
    return absl::UnavailableError(absl::StrCat(op, ": ", db->where(), " is in recovery (read-only)"));
  }
  return absl::OkStatus();
}

absl::Status PostgresStore::AddSite(const veu::v1::Site& site) {
  if (site.name().empty()) return absl::InvalidArgumentError("AddSite: the site name is empty");
  const std::string op = absl::StrFormat("adding site '%s'", site.name());
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(*db, op));
  RETURN_IF_ERROR(db->Query("INSERT INTO sites (name, record) VALUES ($1, $2)",
                            {Param::Text(site.name()), Param::Bytes(site.SerializeAsString())}, op)
                      .status());
  // The site's totals row exists from the start, so agents' writes only ever update it.
  RETURN_IF_ERROR(db->Query("INSERT INTO site_inventory_totals (site, nodes, accelerators, tpp) "
                            "VALUES ($1, 0, 0, 0)",
                            {Param::Text(site.name())}, op)
                      .status());
  return tx.Commit();
}

absl::StatusOr<veu::v1::Site> PostgresStore::GetSite(const std::string& name) {
  const std::string op = absl::StrFormat("reading site '%s'", name);
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result row, db->Query("SELECT record FROM sites WHERE name = $1",
                                             {Param::Text(name)}, op));
  if (row.rows() == 0) return absl::NotFoundError(absl::StrFormat("site '%s' does not exist", name));
  return ParseRecord<veu::v1::Site>(row.Bytes(0, 0), absl::StrCat("sites row '", name, "'"));
}

absl::StatusOr<std::vector<veu::v1::Site>> PostgresStore::ListSites() {
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
  ASSIGN_OR_RETURN(pg::Result rows, db->Query("SELECT name, record FROM sites ORDER BY name "
                                              "COLLATE \"C\"",
                                              {}, "listing sites"));
  std::vector<veu::v1::Site> sites;
  for (int i = 0; i < rows.rows(); ++i) {
    ASSIGN_OR_RETURN(veu::v1::Site site,
                     ParseRecord<veu::v1::Site>(rows.Bytes(i, 1),
                                                absl::StrCat("sites row '", rows.Bytes(i, 0), "'")));
    sites.push_back(std::move(site));
  }
  return sites;
}

absl::Status PostgresStore::AddEkAllowance(const veu::v1::EkAllowance& allowance) {
  const std::string op = absl::StrFormat("allowing an EK for site '%s'", allowance.site());
  RETURN_IF_ERROR(
      RequireSha256(allowance.ek_public_sha256(), absl::StrCat(op, ": the EK key hash")));
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(*db, op));
  RETURN_IF_ERROR(RequireSite(*db, allowance.site(), op));
  RETURN_IF_ERROR(db->Query("INSERT INTO ek_allowances (site, ek_public_sha256, record) "
                            "VALUES ($1, $2, $3)",
                            {Param::Text(allowance.site()),
                             Param::Bytes(allowance.ek_public_sha256()),
                             Param::Bytes(allowance.SerializeAsString())},
                            op)
                      .status());
  return tx.Commit();
}

absl::StatusOr<bool> PostgresStore::IsEkAllowed(const std::string& site,
                                                const std::string& ek_public_sha256) {
  const std::string op = absl::StrFormat("checking an EK allowance of site '%s'", site);
  RETURN_IF_ERROR(RequireSha256(ek_public_sha256, absl::StrCat(op, ": the EK key hash")));
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result row,
                   db->Query("SELECT 1 FROM ek_allowances WHERE site = $1 AND "
                             "ek_public_sha256 = $2",
                             {Param::Text(site), Param::Bytes(ek_public_sha256)}, op));
  return row.rows() > 0;
}

absl::Status PostgresStore::AddEnrollmentToken(const veu::v1::EnrollmentToken& token) {
  const std::string op = absl::StrFormat("adding an enrolment token for site '%s'", token.site());
  RETURN_IF_ERROR(RequireSha256(token.token_sha256(), absl::StrCat(op, ": the token hash")));
  if (!token.has_expires_at()) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": expires_at is not set"));
  }
  ASSIGN_OR_RETURN(int64_t expires, ToMicros(token.expires_at(), absl::StrCat(op, ": expires_at")));
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(*db, op));
  RETURN_IF_ERROR(RequireSite(*db, token.site(), op));
  RETURN_IF_ERROR(db->Query("INSERT INTO enrollment_tokens (token_sha256, site, "
                            "expires_at_micros, used, record) VALUES ($1, $2, $3, $4, $5)",
                            {Param::Bytes(token.token_sha256()), Param::Text(token.site()),
                             Param::Int(expires), Param::Bool(token.used()),
                             Param::Bytes(token.SerializeAsString())},
                            op)
                      .status());
  return tx.Commit();
}

absl::StatusOr<TokenUse> PostgresStore::ConsumeEnrollmentToken(const std::string& token_sha256,
                                                               const std::string& site,
                                                               absl::Time now) {
  const std::string op = absl::StrFormat("using an enrolment token for site '%s'", site);
  RETURN_IF_ERROR(RequireSha256(token_sha256, absl::StrCat(op, ": the token hash")));
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(*db, op));
  // FOR UPDATE: the check and the mark happen under the row lock, so two replicas cannot both
  // consume one token.
  ASSIGN_OR_RETURN(pg::Result row,
                   db->Query("SELECT site, expires_at_micros, used, record FROM "
                             "enrollment_tokens WHERE token_sha256 = $1 FOR UPDATE",
                             {Param::Bytes(token_sha256)}, op));
  if (row.rows() == 0) return TokenUse::kUnknown;
  if (row.Bytes(0, 0) != site) return TokenUse::kWrongSite;
  if (row.Int(0, 2) != 0) return TokenUse::kAlreadyUsed;
  if (absl::ToUnixMicros(now) >= row.Int(0, 1)) return TokenUse::kExpired;
  ASSIGN_OR_RETURN(veu::v1::EnrollmentToken token,
                   ParseRecord<veu::v1::EnrollmentToken>(row.Bytes(0, 3),
                                                         "an enrollment_tokens row"));
  token.set_used(true);
  RETURN_IF_ERROR(db->Query("UPDATE enrollment_tokens SET used = TRUE, record = $2 "
                            "WHERE token_sha256 = $1 AND NOT used",
                            {Param::Bytes(token_sha256), Param::Bytes(token.SerializeAsString())},
                            op)
                      .status());
  RETURN_IF_ERROR(tx.Commit());
  return TokenUse::kConsumed;
}

// ---- Reference values and policy packs ----------------------------------------------------

absl::Status PostgresStore::PutReferenceValues(const veu::v1::ReferenceValues& refs) {
  if (refs.name().empty()) {
    return absl::InvalidArgumentError("PutReferenceValues: the set needs a name (its platform class)");
  }
  const std::string op = absl::StrFormat("storing reference values '%s'", refs.name());
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  return db->Query("INSERT INTO reference_values (name, record) VALUES ($1, $2) "
                   "ON CONFLICT (name) DO UPDATE SET record = excluded.record",
                   {Param::Text(refs.name()), Param::Bytes(refs.SerializeAsString())}, op)
      .status();
}

absl::StatusOr<veu::v1::ReferenceValues> PostgresStore::GetReferenceValues(
    const std::string& name) {
  const std::string op = absl::StrFormat("reading reference values '%s'", name);
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result row, db->Query("SELECT record FROM reference_values WHERE name = $1",
                                             {Param::Text(name)}, op));
  if (row.rows() == 0) {
    return absl::NotFoundError(
        absl::StrFormat("no reference values for platform class '%s'", name));
  }
  return ParseRecord<veu::v1::ReferenceValues>(row.Bytes(0, 0),
                                               absl::StrCat("reference_values row '", name, "'"));
}

absl::Status PostgresStore::PutPolicyPack(const veu::v1::PolicyPack& pack) {
  const std::string version = PolicyPackVersion(pack);
  if (pack.id().empty() || pack.version().empty()) {
    return absl::InvalidArgumentError("PutPolicyPack: the pack needs an id and a version");
  }
  const std::string op = absl::StrFormat("storing policy pack '%s'", version);
  const std::string record = sqlite::DeterministicBytes(pack);
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  // Two replicas storing the same pack at start-up: the second insert does nothing.
  RETURN_IF_ERROR(db->Query("INSERT INTO policy_packs (version, record) VALUES ($1, $2) "
                            "ON CONFLICT (version) DO NOTHING",
                            {Param::Text(version), Param::Bytes(record)}, op)
                      .status());
  ASSIGN_OR_RETURN(pg::Result row, db->Query("SELECT record FROM policy_packs WHERE version = $1",
                                             {Param::Text(version)}, op));
  if (row.rows() == 1 && row.Bytes(0, 0) == record) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrFormat(
      "%s: a different pack is already stored as '%s'; appraisals made under it must stay "
      "attributable, so give the changed pack a new version",
      op, version));
}

absl::StatusOr<veu::v1::PolicyPack> PostgresStore::GetPolicyPack(const std::string& version) {
  const std::string op = absl::StrFormat("reading policy pack '%s'", version);
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result row, db->Query("SELECT record FROM policy_packs WHERE version = $1",
                                             {Param::Text(version)}, op));
  if (row.rows() == 0) {
    return absl::NotFoundError(absl::StrFormat("no policy pack '%s' is stored", version));
  }
  return ParseRecord<veu::v1::PolicyPack>(row.Bytes(0, 0),
                                          absl::StrCat("policy_packs row '", version, "'"));
}

// ---- Agents and revocations ---------------------------------------------------------------

absl::StatusOr<veu::v1::AgentRecord> PostgresStore::GetAgent(const std::string& agent_id) {
  const std::string op = absl::StrFormat("reading agent '%s'", agent_id);
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result row,
                   db->Query("SELECT a.record, r.record, a.version FROM agents a LEFT JOIN "
                             "revocations r USING (agent_id) WHERE a.agent_id = $1",
                             {Param::Text(agent_id)}, op));
  if (row.rows() == 0) {
    return absl::NotFoundError(absl::StrFormat("agent '%s' has never enrolled", agent_id));
  }
  ASSIGN_OR_RETURN(veu::v1::AgentRecord agent,
                   ParseRecord<veu::v1::AgentRecord>(row.Bytes(0, 0),
                                                     absl::StrCat("agents row '", agent_id, "'")));
  RETURN_IF_ERROR(ApplyRevocation(row.Bytes(0, 1), &agent));
  agent.set_record_version(static_cast<uint64_t>(row.Int(0, 2)));
  return agent;
}

absl::StatusOr<std::vector<veu::v1::AgentRecord>> PostgresStore::ListAgents(
    const std::string& site) {
  const std::string op = absl::StrFormat("listing agents of site '%s'", site);
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  absl::StatusOr<pg::Result> rows =
      site.empty()
          ? db->Query("SELECT a.agent_id, a.record, r.record, a.version FROM agents a LEFT JOIN "
                      "revocations r USING (agent_id) ORDER BY a.site COLLATE \"C\", "
                      "a.agent_id COLLATE \"C\"",
                      {}, op)
          : db->Query("SELECT a.agent_id, a.record, r.record, a.version FROM agents a LEFT JOIN "
                      "revocations r USING (agent_id) WHERE a.site = $1 ORDER BY "
                      "a.agent_id COLLATE \"C\"",
                      {Param::Text(site)}, op);
  if (!rows.ok()) return rows.status();
  std::vector<veu::v1::AgentRecord> agents;
  agents.reserve(rows->rows());
  for (int i = 0; i < rows->rows(); ++i) {
    ASSIGN_OR_RETURN(veu::v1::AgentRecord agent,
                     ParseRecord<veu::v1::AgentRecord>(
                         rows->Bytes(i, 1), absl::StrCat("agents row '", rows->Bytes(i, 0), "'")));
    RETURN_IF_ERROR(ApplyRevocation(rows->Bytes(i, 2), &agent));
    agent.set_record_version(static_cast<uint64_t>(rows->Int(i, 3)));
    agents.push_back(std::move(agent));
  }
  return agents;
}

absl::Status PostgresStore::PutAgent(const veu::v1::AgentRecord& agent,
                                     const std::vector<veu::v1::Event>& events) {
  const std::string op = absl::StrFormat("storing agent '%s'", agent.agent_id());
  if (agent.agent_id().empty()) return absl::InvalidArgumentError("PutAgent: agent_id is empty");
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(*db, op));
  RETURN_IF_ERROR(RequireSite(*db, agent.site(), op));
  // A new agent gets an empty row first, so that every write below goes through the one locked
  // path (WriteAgent) and the site totals move by the difference.
  RETURN_IF_ERROR(db->Query("INSERT INTO agents (agent_id, site, record) VALUES ($1, $2, ''::bytea) "
                            "ON CONFLICT (agent_id) DO NOTHING",
                            {Param::Text(agent.agent_id()), Param::Text(agent.site())}, op)
                      .status());
  ASSIGN_OR_RETURN(LockedAgent locked, LockAgent(*db, agent.agent_id(), op));
  SiteDeltas deltas;
  RETURN_IF_ERROR(WriteAgent(*db, agent, locked.revoked, locked, deltas, op));
  for (const veu::v1::Event& event : events) RETURN_IF_ERROR(InsertEvent(*db, event, op).status());
  RETURN_IF_ERROR(ApplySiteDeltas(*db, deltas, op));
  return tx.Commit();
}

absl::Status PostgresStore::RevokeAgent(const veu::v1::Revocation& revocation,
                                        const veu::v1::Event& event) {
  const std::string op = absl::StrFormat("revoking agent '%s'", revocation.agent_id());
  if (revocation.reason().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(op, ": say why (the reason is kept with the revocation and its event)"));
  }
  RETURN_IF_ERROR(ToMicros(revocation.revoked_at(), op + ": revoked_at").status());
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(*db, op));
  absl::StatusOr<LockedAgent> locked = LockAgent(*db, revocation.agent_id(), op);
  if (absl::IsNotFound(locked.status())) {
    return absl::NotFoundError(absl::StrFormat("%s: no agent with this id has ever enrolled", op));
  }
  if (!locked.ok()) return locked.status();
  RETURN_IF_ERROR(db->Query("INSERT INTO revocations (agent_id, record) VALUES ($1, $2) "
                            "ON CONFLICT (agent_id) DO UPDATE SET record = excluded.record",
                            {Param::Text(revocation.agent_id()),
                             Param::Bytes(revocation.SerializeAsString())},
                            op)
                      .status());
  RETURN_IF_ERROR(InsertEvent(*db, event, op).status());
  // The revoked agent's inventory stops counting in its site's totals.
  ASSIGN_OR_RETURN(veu::v1::AgentRecord agent,
                   ParseRecord<veu::v1::AgentRecord>(locked->record, op));
  SiteDeltas deltas;
  RETURN_IF_ERROR(WriteAgent(*db, agent, /*revoked=*/true, *locked, deltas, op));
  RETURN_IF_ERROR(ApplySiteDeltas(*db, deltas, op));
  return tx.Commit();
}

absl::Status PostgresStore::ReinstateAgent(const std::string& agent_id,
                                           const veu::v1::Event& event) {
  const std::string op = absl::StrFormat("allowing revoked agent '%s' again", agent_id);
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(*db, op));
  absl::StatusOr<LockedAgent> locked = LockAgent(*db, agent_id, op);
  if (absl::IsNotFound(locked.status())) {
    return absl::NotFoundError(absl::StrFormat("%s: no agent with this id has ever enrolled", op));
  }
  if (!locked.ok()) return locked.status();
  if (!locked->revoked) return absl::FailedPreconditionError(absl::StrCat(op, ": it is not revoked"));
  RETURN_IF_ERROR(
      db->Query("DELETE FROM revocations WHERE agent_id = $1", {Param::Text(agent_id)}, op)
          .status());
  ASSIGN_OR_RETURN(veu::v1::AgentRecord agent,
                   ParseRecord<veu::v1::AgentRecord>(locked->record, op));
  agent.set_status(veu::v1::AGENT_STATUS_ENROLLED);
  agent.clear_revocation();
  SiteDeltas deltas;
  RETURN_IF_ERROR(WriteAgent(*db, agent, /*revoked=*/false, *locked, deltas, op));
  RETURN_IF_ERROR(InsertEvent(*db, event, op).status());
  RETURN_IF_ERROR(ApplySiteDeltas(*db, deltas, op));
  return tx.Commit();
}

}  // namespace veu::verifier
