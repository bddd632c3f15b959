// PostgresStore, what appraisals and operators append: accelerator sightings and diversion
// cases, events, and the regulator API's access records. See postgres_store.cc for how the
// class is split.
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "verifier/store/postgres_store.h"
#include "verifier/store/sqlite_records.h"

namespace veu::verifier {
namespace {

using pg::Param;
using sqlite::ParseRecord;
using sqlite::ToMicros;

constexpr uint32_t kDefaultAccessRecordLimit = 100;

// A LIMIT parameter: 0 means no limit.
int64_t Limit(uint32_t limit) {
  return limit == 0 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(limit);
}

// (id, record) rows as diversions; the id lives in its column only.
absl::StatusOr<std::vector<veu::v1::Diversion>> Diversions(const pg::Result& rows) {
  std::vector<veu::v1::Diversion> diversions;
  for (int i = 0; i < rows.rows(); ++i) {
    const int64_t id = rows.Int(i, 0);
    ASSIGN_OR_RETURN(veu::v1::Diversion diversion,
                     ParseRecord<veu::v1::Diversion>(rows.Bytes(i, 1),
                                                     absl::StrCat("diversions row ", id)));
    diversion.set_id(id);
    diversions.push_back(std::move(diversion));
  }
  return diversions;
}

// The events query for a filter; only the filters in use appear, so each combination is its own
// prepared statement with a plan for its index. $1 agent, $2 site, $3 limit, $4 from, $5 to,
// $6 and $7 the page cursor (at_micros, id) when paging.
std::string EventsQuery(bool by_agent, bool by_site, bool oldest_first, bool paged) {
  std::string sql = "SELECT id, record FROM events WHERE at_micros >= $4 AND at_micros < $5";
  if (by_agent) absl::StrAppend(&sql, " AND agent_id = $1");
  if (by_site) absl::StrAppend(&sql, " AND site = $2");
  // Unused parameters must still have a type PostgreSQL can infer.
  if (!by_agent) absl::StrAppend(&sql, " AND $1::text IS NOT NULL");
  if (!by_site) absl::StrAppend(&sql, " AND $2::text IS NOT NULL");
  if (paged) absl::StrAppend(&sql, " AND (at_micros, id) < ($6, $7)");
  absl::StrAppend(&sql, oldest_first ? " ORDER BY at_micros ASC, id ASC"
                                     : " ORDER BY at_micros DESC, id DESC",
                  " LIMIT $3");
  return sql;
}

}  // namespace

// ---- Sightings and diversions -------------------------------------------------------------

absl::Status PostgresStore::UpsertSighting(pg::Connection& db, const std::string& identity,
                                           const veu::v1::Appraisal& appraisal,
                                           absl::string_view operation) {
  const std::string op = absl::StrFormat("%s: recording accelerator '%s' as seen at '%s'",
                                         operation, identity, appraisal.site());
  if (identity.empty()) return absl::InvalidArgumentError(absl::StrCat(op, ": the identity is empty"));
  ASSIGN_OR_RETURN(const int64_t seen, ToMicros(appraisal.appraised_at(), op + ": appraised_at"));
  veu::v1::AcceleratorSighting sighting;
  ASSIGN_OR_RETURN(pg::Result row,
                   db.Query("SELECT record FROM accelerator_sightings WHERE identity = $1 AND "
                            "site = $2 FOR UPDATE",
                            {Param::Text(identity), Param::Text(appraisal.site())}, op));
  if (row.rows() > 0) {
    ASSIGN_OR_RETURN(sighting, ParseRecord<veu::v1::AcceleratorSighting>(
                                   row.Bytes(0, 0), "an accelerator_sightings row"));
  } else {
    sighting.set_identity(identity);
    sighting.set_site(appraisal.site());
    *sighting.mutable_first_seen() = appraisal.appraised_at();
  }
  // first_seen stays; the latest report moves last_seen and names its agent.
  sighting.set_agent_id(appraisal.agent_id());
  *sighting.mutable_last_seen() = appraisal.appraised_at();
  ASSIGN_OR_RETURN(const int64_t first, ToMicros(sighting.first_seen(), op + ": first_seen"));
  return db
      .Query("INSERT INTO accelerator_sightings (identity, site, agent_id, first_seen_micros, "
             "last_seen_micros, record) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (identity, "
             "site) DO UPDATE SET agent_id = excluded.agent_id, last_seen_micros = "
             "excluded.last_seen_micros, record = excluded.record",
             {Param::Text(identity), Param::Text(appraisal.site()), Param::Text(appraisal.agent_id()),
              Param::Int(first), Param::Int(seen), Param::Bytes(sighting.SerializeAsString())},
             op)
      .status();
}

absl::StatusOr<int64_t> PostgresStore::InsertDiversion(pg::Connection& db,
                                                       const veu::v1::Diversion& diversion,
                                                       absl::string_view operation) {
  const std::string op = absl::StrFormat("%s: opening a diversion case for accelerator '%s'",
                                         operation, diversion.identity());
  if (diversion.identity().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": the identity is empty"));
  }
  ASSIGN_OR_RETURN(const int64_t detected, ToMicros(diversion.detected_at(), op + ": detected_at"));
  if (!diversion.resolved()) {
    // Two sites' reports can race and both open the case: keep the one already open.
    ASSIGN_OR_RETURN(pg::Result open,
                     db.Query("SELECT id FROM diversions WHERE identity = $1 AND NOT resolved "
                              "AND ((site = $2 AND other_site = $3) OR (site = $3 AND "
                              "other_site = $2)) LIMIT 1",
                              {Param::Text(diversion.identity()), Param::Text(diversion.site()),
                               Param::Text(diversion.other_site())},
                              op));
    if (open.rows() > 0) return open.Int(0, 0);
  }
  veu::v1::Diversion stored = diversion;
  stored.clear_id();
  ASSIGN_OR_RETURN(pg::Result inserted,
                   db.Query("INSERT INTO diversions (identity, site, other_site, resolved, "
                            "detected_at_micros, record) VALUES ($1, $2, $3, $4, $5, $6) "
                            "RETURNING id",
                            {Param::Text(diversion.identity()), Param::Text(diversion.site()),
                             Param::Text(diversion.other_site()), Param::Bool(diversion.resolved()),
                             Param::Int(detected), Param::Bytes(stored.SerializeAsString())},
                            op));
  return inserted.Int(0, 0);
}

absl::StatusOr<std::vector<veu::v1::AcceleratorSighting>> PostgresStore::ListSightings(
    const std::vector<std::string>& identities) {
  std::vector<veu::v1::AcceleratorSighting> sightings;
  if (identities.empty()) return sightings;
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  for (const std::string& identity : identities) {
    ASSIGN_OR_RETURN(pg::Result rows,
                     db->Query("SELECT record FROM accelerator_sightings WHERE identity = $1 "
                               "ORDER BY site COLLATE \"C\"",
                               {Param::Text(identity)}, "listing accelerator sightings"));
    for (int i = 0; i < rows.rows(); ++i) {
      ASSIGN_OR_RETURN(veu::v1::AcceleratorSighting sighting,
                       ParseRecord<veu::v1::AcceleratorSighting>(
                           rows.Bytes(i, 0),
                           absl::StrCat("accelerator_sightings row of '", identity, "'")));
      sightings.push_back(std::move(sighting));
    }
  }
  return sightings;
}

absl::StatusOr<std::vector<veu::v1::Diversion>> PostgresStore::ListDiversions(
    const DiversionFilter& filter) {
  const std::string op = "listing diversion cases";
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result rows,
                   db->Query("SELECT id, record FROM diversions WHERE ($1 = '' OR site = $1 OR "
                             "other_site = $1) AND (NOT $2 OR NOT resolved) "
                             "ORDER BY detected_at_micros DESC, id DESC LIMIT $3",
                             {Param::Text(filter.site), Param::Bool(filter.open_only),
                              Param::Int(Limit(filter.limit))},
                             op));
  return Diversions(rows);
}

absl::StatusOr<veu::v1::Diversion> PostgresStore::ResolveDiversion(int64_t id,
                                                                   const std::string& note,
                                                                   absl::Time now) {
  const std::string op = absl::StrFormat("resolving diversion case %d", id);
  if (note.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(op, ": give a note saying why the case is closed (it is kept as evidence)"));
  }
  const google::protobuf::Timestamp resolved_at = ToProtoTime(now);
  RETURN_IF_ERROR(ToMicros(resolved_at, op + ": the resolution time").status());
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(*db, op));
  ASSIGN_OR_RETURN(pg::Result row, db->Query("SELECT id, record FROM diversions WHERE id = $1 "
                                             "FOR UPDATE",
                                             {Param::Int(id)}, op));
  ASSIGN_OR_RETURN(std::vector<veu::v1::Diversion> found, Diversions(row));
  if (found.empty()) {
    return absl::NotFoundError(
        absl::StrFormat("%s: there is no such case; list them with veuctl diversions list", op));
  }
  veu::v1::Diversion diversion = std::move(found.front());
  if (diversion.resolved()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: it was already resolved at %s (\"%s\")", op,
        absl::FormatTime(FromProtoTime(diversion.resolved_at())), diversion.resolution()));
  }
  diversion.set_resolved(true);
  *diversion.mutable_resolved_at() = resolved_at;
  diversion.set_resolution(note);
  veu::v1::Diversion stored = diversion;
  stored.clear_id();
  RETURN_IF_ERROR(db->Query("UPDATE diversions SET resolved = TRUE, record = $2 WHERE id = $1",
                            {Param::Int(id), Param::Bytes(stored.SerializeAsString())}, op)
                      .status());
  // The accelerator is where it was reported last: its sightings elsewhere are history that
  // would otherwise open the same case again at the next report.
  RETURN_IF_ERROR(db->Query("DELETE FROM accelerator_sightings WHERE identity = $1 AND site <> $2",
                            {Param::Text(diversion.identity()), Param::Text(diversion.site())}, op)
                      .status());
  const std::pair<std::string, std::string> sites[] = {
      {diversion.site(), diversion.agent_id()},
      {diversion.other_site(), diversion.other_agent_id()}};
  for (const auto& [site, agent_id] : sites) {
    veu::v1::Event event;
    event.set_kind(veu::v1::EVENT_DIVERSION_RESOLVED);
    event.set_agent_id(agent_id);
    event.set_site(site);
    *event.mutable_at() = resolved_at;
    event.set_detail(note);
    RETURN_IF_ERROR(InsertEvent(*db, event, op).status());
  }
  RETURN_IF_ERROR(tx.Commit());
  return diversion;
}

// ---- Events -------------------------------------------------------------------------------

absl::StatusOr<int64_t> PostgresStore::InsertEvent(pg::Connection& db, const veu::v1::Event& event,
                                                   absl::string_view operation) {
  ASSIGN_OR_RETURN(int64_t at, ToMicros(event.at(), absl::StrCat(operation, ": event time")));
  veu::v1::Event stored = event;
  stored.clear_id();  // the id is the row's; it is set again when the event is read
  ASSIGN_OR_RETURN(pg::Result inserted,
                   db.Query("INSERT INTO events (kind, agent_id, site, at_micros, record) "
                            "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                            {Param::Int(event.kind()), Param::Text(event.agent_id()),
                             Param::Text(event.site()), Param::Int(at),
                             Param::Bytes(stored.SerializeAsString())},
                            operation));
  return inserted.Int(0, 0);
}

absl::StatusOr<int64_t> PostgresStore::AppendEvent(const veu::v1::Event& event) {
  const std::string op = absl::StrFormat("appending an event of agent '%s'", event.agent_id());
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  return InsertEvent(*db, event, op);  // one statement: atomic on its own
}

absl::StatusOr<std::vector<veu::v1::Event>> PostgresStore::ListEvents(const EventFilter& filter) {
  if (filter.older_than && filter.oldest_first) {
    return absl::InvalidArgumentError("listing events: a page cursor needs newest-first order");
  }
  const std::string sql = EventsQuery(!filter.agent_id.empty(), !filter.site.empty(),
                                      filter.oldest_first, filter.older_than.has_value());
  std::vector<Param> params = {Param::Text(filter.agent_id), Param::Text(filter.site),
                               Param::Int(Limit(filter.limit)),
                               Param::Int(sqlite::BoundMicros(filter.from)),
                               Param::Int(sqlite::BoundMicros(filter.to))};
  if (filter.older_than) {
    params.push_back(Param::Int(filter.older_than->micros));
    params.push_back(Param::Int(filter.older_than->seq));
  }
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result rows,
                   db->Query(sql, params,
                             "listing events"));
  std::vector<veu::v1::Event> events;
  events.reserve(rows.rows());
  for (int i = 0; i < rows.rows(); ++i) {
    const int64_t id = rows.Int(i, 0);
    ASSIGN_OR_RETURN(veu::v1::Event event,
                     ParseRecord<veu::v1::Event>(rows.Bytes(i, 1), absl::StrCat("events row ", id)));
    event.set_id(id);
    events.push_back(std::move(event));
  }
  return events;
}

// ---- Access records -----------------------------------------------------------------------

absl::StatusOr<int64_t> PostgresStore::AppendAccessRecord(const veu::v1::AccessRecord& record) {
  const std::string op =
      absl::StrFormat("recording an access by '%s' to %s", record.principal(), record.method());
  ASSIGN_OR_RETURN(int64_t at, ToMicros(record.at(), op + ": access time"));
  veu::v1::AccessRecord stored = record;
  stored.clear_id();
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result inserted,
                   db->Query("INSERT INTO access_records (at_micros, principal, record) "
                             "VALUES ($1, $2, $3) RETURNING id",
                             {Param::Int(at), Param::Text(record.principal()),
                              Param::Bytes(stored.SerializeAsString())},
                             op));
  return inserted.Int(0, 0);
}

absl::StatusOr<std::vector<veu::v1::AccessRecord>> PostgresStore::ListAccessRecords(
    uint32_t limit) {
  if (limit == 0) limit = kDefaultAccessRecordLimit;
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result rows,
                   db->Query("SELECT id, record FROM access_records "
                             "ORDER BY at_micros DESC, id DESC LIMIT $1",
                             {Param::Int(limit)}, "listing access records"));
  std::vector<veu::v1::AccessRecord> records;
  for (int i = 0; i < rows.rows(); ++i) {
    const int64_t id = rows.Int(i, 0);
    ASSIGN_OR_RETURN(veu::v1::AccessRecord record,
                     ParseRecord<veu::v1::AccessRecord>(rows.Bytes(i, 1),
                                                        absl::StrCat("access_records row ", id)));
    record.set_id(id);
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace veu::verifier
