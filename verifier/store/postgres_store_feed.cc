// PostgresStore, the verdict-change feed (change_feed.h). See postgres_store.cc for the layout.
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "verifier/store/postgres_store.h"
#include "verifier/store/sqlite_records.h"

namespace veu::verifier {
namespace {

using pg::Param;

// The advisory lock that orders appends ("VEUfeed").
constexpr int64_t kFeedLockKey = 0x5645556665656400;

}  // namespace

absl::Status PostgresStore::AppendVerdictChange(const veu::v1::VerdictChange& change) {
  const std::string op = absl::StrCat("appending a verdict change of site '", change.site(), "'");
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(*db, op));
  // nextval() runs after the lock is taken and the lock is held to COMMIT: ids commit in order.
  RETURN_IF_ERROR(
      db->Query("SELECT pg_advisory_xact_lock($1)", {Param::Int(kFeedLockKey)}, op).status());
  RETURN_IF_ERROR(db->Query("INSERT INTO verdict_changes (at_micros, record) VALUES ($1, $2)",
                            {Param::Int(absl::ToUnixMicros(absl::Now())),
                             Param::Bytes(change.SerializeAsString())},
                            op)
                      .status());
  return tx.Commit();
}

absl::StatusOr<std::vector<std::pair<int64_t, veu::v1::VerdictChange>>>
PostgresStore::VerdictChangesAfter(int64_t after, uint32_t limit) {
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result rows,
                   db->Query("SELECT id, record FROM verdict_changes WHERE id > $1 ORDER BY id "
                             "LIMIT $2",
                             {Param::Int(after), Param::Int(limit == 0 ? 1000 : limit)},
                             "reading the verdict-change feed"));
  std::vector<std::pair<int64_t, veu::v1::VerdictChange>> changes;
  for (int i = 0; i < rows.rows(); ++i) {
    ASSIGN_OR_RETURN(veu::v1::VerdictChange change,
                     sqlite::ParseRecord<veu::v1::VerdictChange>(
                         rows.Bytes(i, 1), absl::StrCat("verdict_changes row ", rows.Int(i, 0))));
    changes.emplace_back(rows.Int(i, 0), std::move(change));
  }
  return changes;
}

absl::StatusOr<int64_t> PostgresStore::LatestVerdictChange() {
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result row,
                   db->Query("SELECT COALESCE(MAX(id), 0)::BIGINT FROM verdict_changes", {},
                             "reading the verdict-change feed's end"));
  return row.Int(0, 0);
}

absl::StatusOr<int64_t> PostgresStore::ReadFeedCursor(const std::string& name) {
  const std::string op = absl::StrCat("reading feed cursor '", name, "'");
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result row, db->Query("SELECT position FROM feed_cursors WHERE name = $1",
                                             {Param::Text(name)}, op));
  if (row.rows() == 0) return absl::NotFoundError(absl::StrCat(op, ": never set"));
  return row.Int(0, 0);
}

absl::Status PostgresStore::AdvanceFeedCursor(const std::string& name, int64_t position) {
  const std::string op = absl::StrCat("advancing feed cursor '", name, "'");
  if (name.empty() || position < 0) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": needs a name and a position >= 0"));
  }
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  return db
      ->Query("INSERT INTO feed_cursors (name, position) VALUES ($1, $2) ON CONFLICT (name) DO "
              "UPDATE SET position = GREATEST(feed_cursors.position, excluded.position)",
              {Param::Text(name), Param::Int(position)}, op)
      .status();
}

}  // namespace veu::verifier
