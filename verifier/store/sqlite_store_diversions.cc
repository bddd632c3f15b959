// SqliteStore, accelerator sightings and diversion cases: where each accelerator identity was
// reported (written by CommitAppraisal), the cases opened when one turns up at a second site,
// and their resolution by an operator. See sqlite_store.cc for how the class is split.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "verifier/store/sqlite_records.h"
#include "verifier/store/sqlite_store.h"

namespace veu::verifier {
namespace {

using sqlite::ParseRecord;
using sqlite::Statement;
using sqlite::ToMicros;
using sqlite::Transaction;

// Reads the (id, record) rows of `select` as diversions; the id lives in its column only.
absl::StatusOr<std::vector<veu::v1::Diversion>> ReadDiversions(Statement& select) {
  std::vector<veu::v1::Diversion> diversions;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    const int64_t id = select.ColumnInt64(0);
    ASSIGN_OR_RETURN(veu::v1::Diversion diversion,
                     ParseRecord<veu::v1::Diversion>(select.ColumnBytes(1),
                                                     absl::StrCat("diversions row ", id)));
    diversion.set_id(id);
    diversions.push_back(std::move(diversion));
  }
  return diversions;
}

}  // namespace

absl::Status SqliteStore::UpsertSightingLocked(const std::string& identity,
                                               const veu::v1::Appraisal& appraisal,
                                               std::string_view operation) {
  const std::string op = absl::StrFormat("%s: recording accelerator '%s' as seen at '%s'",
                                         operation, identity, appraisal.site());
  if (identity.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": the identity is empty"));
  }
  ASSIGN_OR_RETURN(const int64_t seen, ToMicros(appraisal.appraised_at(), op + ": appraised_at"));
  veu::v1::AcceleratorSighting sighting;
  {
    ASSIGN_OR_RETURN(Statement select,
                     db_->Prepare("SELECT record FROM accelerator_sightings WHERE identity = ?1 "
                                  "AND site = ?2",
                                  op));
    select.BindText(1, identity);
    select.BindText(2, appraisal.site());
    ASSIGN_OR_RETURN(bool found, select.Step());
    if (found) {
      ASSIGN_OR_RETURN(sighting, ParseRecord<veu::v1::AcceleratorSighting>(
                                     select.ColumnBytes(0), "an accelerator_sightings row"));
    } else {
      sighting.set_identity(identity);
      sighting.set_site(appraisal.site());
      *sighting.mutable_first_seen() = appraisal.appraised_at();
    }
  }
  // first_seen stays; the latest report moves last_seen and names its agent.
  sighting.set_agent_id(appraisal.agent_id());
  *sighting.mutable_last_seen() = appraisal.appraised_at();
  ASSIGN_OR_RETURN(const int64_t first, ToMicros(sighting.first_seen(), op + ": first_seen"));
  ASSIGN_OR_RETURN(
      Statement upsert,
      db_->Prepare("INSERT INTO accelerator_sightings (identity, site, agent_id, "
                   "first_seen_micros, last_seen_micros, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                   "ON CONFLICT (identity, site) DO UPDATE SET agent_id = excluded.agent_id, "
                   "last_seen_micros = excluded.last_seen_micros, record = excluded.record",
                   op));
  upsert.BindText(1, identity);
  upsert.BindText(2, appraisal.site());
  upsert.BindText(3, appraisal.agent_id());
  upsert.BindInt64(4, first);
  upsert.BindInt64(5, seen);
  upsert.BindBlob(6, sighting.SerializeAsString());
  return upsert.Run();
}

absl::StatusOr<int64_t> SqliteStore::InsertDiversionLocked(const veu::v1::Diversion& diversion,
                                                           std::string_view operation) {
  const std::string op = absl::StrFormat("%s: opening a diversion case for accelerator '%s'",
                                         operation, diversion.identity());
  if (diversion.identity().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": the identity is empty"));
  }
  ASSIGN_OR_RETURN(const int64_t detected,
                   ToMicros(diversion.detected_at(), op + ": detected_at"));
  if (!diversion.resolved()) {
    // Two sites' reports can race and both open the case: keep the one already open.
    ASSIGN_OR_RETURN(Statement open,
                     db_->Prepare("SELECT id FROM diversions WHERE identity = ?1 AND resolved = 0 "
                                  "AND ((site = ?2 AND other_site = ?3) OR "
                                  "(site = ?3 AND other_site = ?2)) LIMIT 1",
                                  op));
    open.BindText(1, diversion.identity());
    open.BindText(2, diversion.site());
    open.BindText(3, diversion.other_site());
    ASSIGN_OR_RETURN(const bool found, open.Step());
    if (found) return open.ColumnInt64(0);
  }
  veu::v1::Diversion stored = diversion;
  stored.clear_id();  // the id is the row's; it is set again when the case is read
  ASSIGN_OR_RETURN(Statement insert,
                   db_->Prepare("INSERT INTO diversions (identity, site, other_site, resolved, "
                                "detected_at_micros, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                op));
  insert.BindText(1, diversion.identity());
  insert.BindText(2, diversion.site());
  insert.BindText(3, diversion.other_site());
  insert.BindInt64(4, diversion.resolved() ? 1 : 0);
  insert.BindInt64(5, detected);
  insert.BindBlob(6, stored.SerializeAsString());
  RETURN_IF_ERROR(insert.Run());
  return db_->LastInsertRowId();
}

absl::StatusOr<std::vector<veu::v1::AcceleratorSighting>> SqliteStore::ListSightings(
    const std::vector<std::string>& identities) {
  const std::string op = "listing accelerator sightings";
  std::vector<veu::v1::AcceleratorSighting> sightings;
  if (identities.empty()) return sightings;
  ReadAccess read(this);
  // One indexed lookup per identity (a report names a handful), in the caller's order.
  for (const std::string& identity : identities) {
    ASSIGN_OR_RETURN(Statement select,
                     read.db->Prepare("SELECT record FROM accelerator_sightings WHERE identity = ?1 "
                                  "ORDER BY site",
                                  op));
    select.BindText(1, identity);
    while (true) {
      ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(veu::v1::AcceleratorSighting sighting,
                       ParseRecord<veu::v1::AcceleratorSighting>(
                           select.ColumnBytes(0),
                           absl::StrCat("accelerator_sightings row of '", identity, "'")));
      sightings.push_back(std::move(sighting));
    }
  }
  return sightings;
}

absl::StatusOr<std::vector<veu::v1::Diversion>> SqliteStore::ListDiversions(
    const DiversionFilter& filter) {
  const std::string op = "listing diversion cases";
  ReadAccess read(this);
  absl::StatusOr<Statement> select =
      filter.site.empty()
          ? read.db->Prepare("SELECT id, record FROM diversions WHERE (?2 = 0 OR resolved = 0) "
                         "ORDER BY detected_at_micros DESC, id DESC LIMIT ?3",
                         op)
          : read.db->Prepare("SELECT id, record FROM diversions WHERE (site = ?1 OR other_site = ?1) "
                         "AND (?2 = 0 OR resolved = 0) "
                         "ORDER BY detected_at_micros DESC, id DESC LIMIT ?3",
                         op);
  if (!select.ok()) return select.status();
  if (!filter.site.empty()) select->BindText(1, filter.site);
  select->BindInt64(2, filter.open_only ? 1 : 0);
  select->BindInt64(3, sqlite::SqlLimit(filter.limit));
  return ReadDiversions(*select);
}

absl::StatusOr<veu::v1::Diversion> SqliteStore::ResolveDiversion(int64_t id,
                                                                 const std::string& note,
                                                                 absl::Time now) {
  const std::string op = absl::StrFormat("resolving diversion case %d", id);
  if (note.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(op, ": give a note saying why the case is closed (it is kept as evidence)"));
  }
  const google::protobuf::Timestamp resolved_at = ToProtoTime(now);
  RETURN_IF_ERROR(ToMicros(resolved_at, op + ": the resolution time").status());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, op));
  veu::v1::Diversion diversion;
  {
    ASSIGN_OR_RETURN(Statement select,
                     db_->Prepare("SELECT id, record FROM diversions WHERE id = ?1", op));
    select.BindInt64(1, id);
    ASSIGN_OR_RETURN(std::vector<veu::v1::Diversion> found, ReadDiversions(select));
    if (found.empty()) {
      return absl::NotFoundError(absl::StrFormat(
          "%s: there is no such case; list them with veuctl diversions list", op));
    }
    diversion = std::move(found.front());
  }
  if (diversion.resolved()) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: it was already resolved at %s (\"%s\")", op,
        absl::FormatTime(FromProtoTime(diversion.resolved_at())), diversion.resolution()));
  }
  diversion.set_resolved(true);
  *diversion.mutable_resolved_at() = resolved_at;
  diversion.set_resolution(note);
  {
    veu::v1::Diversion stored = diversion;
    stored.clear_id();
    ASSIGN_OR_RETURN(
        Statement update,
        db_->Prepare("UPDATE diversions SET resolved = 1, record = ?2 WHERE id = ?1", op));
    update.BindInt64(1, id);
    update.BindBlob(2, stored.SerializeAsString());
    RETURN_IF_ERROR(update.Run());
  }
  // The accelerator is where it was reported last: its sightings elsewhere are history that
  // would otherwise open the same case again at the next report.
  {
    ASSIGN_OR_RETURN(Statement forget,
                     db_->Prepare("DELETE FROM accelerator_sightings WHERE identity = ?1 AND "
                                  "site <> ?2",
                                  op));
    forget.BindText(1, diversion.identity());
    forget.BindText(2, diversion.site());
    RETURN_IF_ERROR(forget.Run());
  }
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
    RETURN_IF_ERROR(InsertEventLocked(event, op).status());
  }
  RETURN_IF_ERROR(tx.Commit());
  return diversion;
}

}  // namespace veu::verifier
