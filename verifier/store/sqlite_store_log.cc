// SqliteStore, transparency log: the RFC 9162 tree (log_nodes, log_state), its checkpoints,
// and reading logged appraisals back by id or leaf index. See sqlite_store.cc for the layout.
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/merkle/compact_range.h"
#include "common/merkle/hasher.h"
#include "common/status_macros.h"
#include "verifier/store/sqlite_records.h"
#include "verifier/store/sqlite_store.h"

namespace veu::verifier {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

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

absl::Status SqliteStore::AppendLeafDataLocked(uint64_t index, const std::string& leaf_data) {
  LockedNodeReader reader(db_.get());
  ASSIGN_OR_RETURN(merkle::CompactRange range, merkle::CompactRange::Load(reader, index));
  ASSIGN_OR_RETURN(std::vector<merkle::Node> nodes, range.Append(merkle::LeafHash(leaf_data)));
  return AppendLeafLocked(index, nodes);
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
