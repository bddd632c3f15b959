// SqliteStore, events and the regulator API's access records: append-only journals, listed
// newest first (events can also be listed oldest first within a time range). See
// sqlite_store.cc for how the class is split.
#include <string>
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

constexpr uint32_t kDefaultAccessRecordLimit = 100;

// The events query for a filter. Only the filters in use appear in the text, so each
// combination is its own cached statement and SQLite can pick the matching index
// (events_by_agent, events_by_site or events_by_time). Parameters: ?1 agent, ?2 site,
// ?3 limit, ?4 from (inclusive), ?5 to (exclusive), ?6 and ?7 the page cursor (at_micros, id).
std::string EventsQuery(bool by_agent, bool by_site, bool oldest_first, bool paged) {
  std::string sql = "SELECT id, record FROM events WHERE at_micros >= ?4 AND at_micros < ?5";
  if (by_agent) absl::StrAppend(&sql, " AND agent_id = ?1");
  if (by_site) absl::StrAppend(&sql, " AND site = ?2");
  if (paged) absl::StrAppend(&sql, " AND (at_micros, id) < (?6, ?7)");
  absl::StrAppend(&sql, oldest_first ? " ORDER BY at_micros ASC, id ASC"
                                     : " ORDER BY at_micros DESC, id DESC",
                  " LIMIT ?3");
  return sql;
}

}  // namespace

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

absl::StatusOr<int64_t> SqliteStore::AppendEvent(const veu::v1::Event& event) {
  const std::string op = absl::StrFormat("appending an event of agent '%s'", event.agent_id());
  absl::MutexLock lock(&mu_);
  return InsertEventLocked(event, op);  // one statement: atomic on its own
}

absl::StatusOr<std::vector<veu::v1::Event>> SqliteStore::ListEvents(const EventFilter& filter) {
  const std::string op = "listing events";
  const bool by_agent = !filter.agent_id.empty();
  const bool by_site = !filter.site.empty();
  if (filter.older_than && filter.oldest_first) {
    return absl::InvalidArgumentError("listing events: a page cursor needs newest-first order");
  }
  const std::string sql =
      EventsQuery(by_agent, by_site, filter.oldest_first, filter.older_than.has_value());

  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select, db_->Prepare(sql, op));
  if (by_agent) select.BindText(1, filter.agent_id);
  if (by_site) select.BindText(2, filter.site);
  select.BindInt64(3, sqlite::SqlLimit(filter.limit));
  select.BindInt64(4, sqlite::BoundMicros(filter.from));
  select.BindInt64(5, sqlite::BoundMicros(filter.to));
  if (filter.older_than) {
    select.BindInt64(6, filter.older_than->micros);
    select.BindInt64(7, filter.older_than->seq);
  }
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

// ---- Access records -----------------------------------------------------------------------

absl::StatusOr<int64_t> SqliteStore::AppendAccessRecord(const veu::v1::AccessRecord& record) {
  const std::string op =
      absl::StrFormat("recording an access by '%s' to %s", record.principal(), record.method());
  ASSIGN_OR_RETURN(int64_t at, ToMicros(record.at(), op + ": access time"));
  veu::v1::AccessRecord stored = record;
  stored.clear_id();  // the id is the row's
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement insert,
                   db_->Prepare("INSERT INTO access_records (at_micros, principal, record) "
                                "VALUES (?1, ?2, ?3)",
                                op));
  insert.BindInt64(1, at);
  insert.BindText(2, record.principal());
  insert.BindBlob(3, stored.SerializeAsString());
  RETURN_IF_ERROR(insert.Run());  // one statement: atomic on its own
  return db_->LastInsertRowId();
}

absl::StatusOr<std::vector<veu::v1::AccessRecord>> SqliteStore::ListAccessRecords(uint32_t limit) {
  const std::string op = "listing access records";
  if (limit == 0) limit = kDefaultAccessRecordLimit;
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT id, record FROM access_records "
                                "ORDER BY at_micros DESC, id DESC LIMIT ?1",
                                op));
  select.BindInt64(1, limit);
  std::vector<veu::v1::AccessRecord> records;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    const int64_t id = select.ColumnInt64(0);
    ASSIGN_OR_RETURN(veu::v1::AccessRecord record,
                     ParseRecord<veu::v1::AccessRecord>(select.ColumnBytes(1),
                                                        absl::StrCat("access_records row ", id)));
    record.set_id(id);
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace veu::verifier
