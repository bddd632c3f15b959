// PostgresStore, leases (lease_store.h): one upsert that takes a free or expired lease or renews
// the holder's own, judged by the database's clock. See postgres_store.cc for the class's layout.
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "verifier/store/postgres_store.h"

namespace veu::verifier {

using pg::Param;

absl::StatusOr<bool> PostgresStore::HoldLease(const std::string& name, const std::string& holder,
                                              absl::Duration ttl) {
  const std::string op = absl::StrFormat("holding lease '%s'", name);
  if (name.empty() || holder.empty() || ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": needs a name, a holder and a ttl"));
  }
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(
      pg::Result row,
      db->Query("INSERT INTO leases AS l (name, holder, acquired_at, expires_at) VALUES ($1, $2, "
                "now(), now() + $3 * interval '1 millisecond') ON CONFLICT (name) DO UPDATE SET "
                "holder = excluded.holder, expires_at = excluded.expires_at, acquired_at = CASE "
                "WHEN l.holder = excluded.holder THEN l.acquired_at ELSE now() END "
                "WHERE l.holder = excluded.holder OR l.expires_at < now() RETURNING holder",
                {Param::Text(name), Param::Text(holder),
                 Param::Int(absl::ToInt64Milliseconds(ttl))},
                op));
  return row.rows() == 1;
}

absl::Status PostgresStore::ReleaseLease(const std::string& name, const std::string& holder) {
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  return db->Query("DELETE FROM leases WHERE name = $1 AND holder = $2",
                   {Param::Text(name), Param::Text(holder)},
                   absl::StrFormat("releasing lease '%s'", name))
      .status();
}

}  // namespace veu::verifier
