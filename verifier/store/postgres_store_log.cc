// PostgresStore, transparency log: the RFC 9162 tree (log_nodes, log_state), its checkpoints,
// and logged appraisals by id or leaf index. Appends take the log_state row lock, which orders
// them across replicas (postgres_store.h). See postgres_store.cc for how the class is split.
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "verifier/store/postgres_store.h"

namespace veu::verifier {
namespace {

using pg::Param;

constexpr uint64_t kMaxInt64 = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

translog::StoredCheckpoint CheckpointFromRow(const pg::Result& row) {
  translog::StoredCheckpoint c;
  c.checkpoint.origin = row.Bytes(0, 0);
  c.checkpoint.size = static_cast<uint64_t>(row.Int(0, 1));
  c.checkpoint.root_hash = row.Bytes(0, 2);
  c.checkpoint.timestamp_unix_seconds = static_cast<uint64_t>(row.Int(0, 3));
  c.signed_note = row.Bytes(0, 4);
  return c;
}

constexpr char kCheckpointColumns[] =
    "SELECT origin, tree_size, root_hash, timestamp_seconds, signed_note FROM log_checkpoints ";

}  // namespace

absl::StatusOr<uint64_t> PostgresStore::LockLog(pg::Connection& db, absl::string_view operation) {
  ASSIGN_OR_RETURN(pg::Result row,
                   db.Query("SELECT tree_size FROM log_state WHERE id = 1 FOR UPDATE", {},
                            absl::StrCat(operation, ": locking the log")));
  if (row.rows() == 0) {
    return absl::DataLossError(
        "the log_state row is missing; the database is damaged: restore it from a backup");
  }
  return static_cast<uint64_t>(row.Int(0, 0));
}

absl::Status PostgresStore::InsertNodes(pg::Connection& db, absl::Span<const merkle::Node> nodes,
                                        absl::string_view operation) {
  for (const merkle::Node& node : nodes) {
    RETURN_IF_ERROR(db.Query("INSERT INTO log_nodes (level, idx, hash) VALUES ($1, $2, $3)",
                             {Param::Int(node.level), Param::Int(static_cast<int64_t>(node.index)),
                              Param::Bytes(node.hash)},
                             operation)
                        .status());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PostgresStore::ReadNode(uint32_t level, uint64_t index) const {
  const std::string op = absl::StrFormat("reading log node (level %d, index %d)", level, index);
  if (index > kMaxInt64) return absl::NotFoundError(absl::StrCat(op, ": no such node"));
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result row,
                   db->Query("SELECT hash FROM log_nodes WHERE level = $1 AND idx = $2",
                             {Param::Int(level), Param::Int(static_cast<int64_t>(index))}, op));
  if (row.rows() == 0) {
    return absl::NotFoundError(
        absl::StrFormat("log node (level %d, index %d) is not stored", level, index));
  }
  return row.Bytes(0, 0);
}

absl::StatusOr<uint64_t> PostgresStore::TreeSize() const {
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result row, db->Query("SELECT tree_size FROM log_state WHERE id = 1", {},
                                             "reading the log size"));
  if (row.rows() == 0) {
    return absl::DataLossError(
        "the log_state row is missing; the database is damaged: restore it from a backup");
  }
  return static_cast<uint64_t>(row.Int(0, 0));
}

absl::Status PostgresStore::AppendLeaf(uint64_t index, absl::Span<const merkle::Node> nodes) {
  const std::string op = absl::StrFormat("appending log leaf %d", index);
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(*db, op));
  ASSIGN_OR_RETURN(const uint64_t size, LockLog(*db, op));
  RETURN_IF_ERROR(translog::ValidateAppend(size, index, nodes));
  if (index >= kMaxInt64) return absl::OutOfRangeError(absl::StrCat(op, ": the log is full"));
  RETURN_IF_ERROR(InsertNodes(*db, nodes, op));
  RETURN_IF_ERROR(db->Query("UPDATE log_state SET tree_size = $1 WHERE id = 1",
                            {Param::Int(static_cast<int64_t>(index + 1))}, op)
                      .status());
  return tx.Commit();
}

absl::Status PostgresStore::PutCheckpoint(const translog::StoredCheckpoint& checkpoint) {
  const translog::Checkpoint& c = checkpoint.checkpoint;
  const std::string op = absl::StrFormat("storing the checkpoint of size %d", c.size);
  if (c.size > kMaxInt64 || c.timestamp_unix_seconds > kMaxInt64) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": size or timestamp out of range"));
  }
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(*db, op));
  // Checkpoints only move forward, whichever replica signs: the check and the insert happen
  // under one lock so two signers cannot interleave.
  RETURN_IF_ERROR(db->Exec("LOCK TABLE log_checkpoints IN SHARE ROW EXCLUSIVE MODE", op));
  ASSIGN_OR_RETURN(pg::Result latest,
                   db->Query("SELECT tree_size, timestamp_seconds FROM log_checkpoints "
                             "ORDER BY seq DESC LIMIT 1",
                             {}, op));
  if (latest.rows() > 0) {
    const uint64_t size = static_cast<uint64_t>(latest.Int(0, 0));
    const uint64_t time = static_cast<uint64_t>(latest.Int(0, 1));
    if (c.size < size || c.timestamp_unix_seconds < time) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "checkpoint (size %d, time %d) would go back from the latest (size %d, time %d)",
          c.size, c.timestamp_unix_seconds, size, time));
    }
  }
  RETURN_IF_ERROR(db->Query("INSERT INTO log_checkpoints (origin, tree_size, root_hash, "
                            "timestamp_seconds, signed_note) VALUES ($1, $2, $3, $4, $5)",
                            {Param::Text(c.origin), Param::Int(static_cast<int64_t>(c.size)),
                             Param::Bytes(c.root_hash),
                             Param::Int(static_cast<int64_t>(c.timestamp_unix_seconds)),
                             Param::Bytes(checkpoint.signed_note)},
                            op)
                      .status());
  return tx.Commit();
}

absl::StatusOr<translog::StoredCheckpoint> PostgresStore::LatestCheckpoint() const {
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result row,
                   db->Query(absl::StrCat(kCheckpointColumns, "ORDER BY seq DESC LIMIT 1"), {},
                             "reading the latest checkpoint"));
  if (row.rows() == 0) return absl::NotFoundError("the log has no checkpoint yet");
  return CheckpointFromRow(row);
}

absl::StatusOr<translog::StoredCheckpoint> PostgresStore::CheckpointWithSize(
    uint64_t tree_size) const {
  if (tree_size > kMaxInt64) {
    return absl::NotFoundError(absl::StrFormat("no checkpoint of size %d", tree_size));
  }
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(
      pg::Result row,
      db->Query(absl::StrCat(kCheckpointColumns, "WHERE tree_size = $1 ORDER BY seq LIMIT 1"),
                {Param::Int(static_cast<int64_t>(tree_size))}, "reading a checkpoint by size"));
  if (row.rows() == 0) {
    return absl::NotFoundError(absl::StrFormat(
        "no checkpoint of tree size %d was published; ask for the latest one instead", tree_size));
  }
  return CheckpointFromRow(row);
}

absl::StatusOr<LogEntry> PostgresStore::LogEntryByAppraisalId(
    const std::string& appraisal_id) const {
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result row,
                   db->Query("SELECT log_index, record FROM appraisals WHERE id = $1",
                             {Param::Text(appraisal_id)}, "reading a logged appraisal"));
  if (row.rows() == 0) {
    return absl::NotFoundError(
        absl::StrFormat("appraisal '%s' is not in the log (unknown id)", appraisal_id));
  }
  return LogEntry{static_cast<uint64_t>(row.Int(0, 0)), row.Bytes(0, 1)};
}

absl::StatusOr<LogEntry> PostgresStore::LogEntryByIndex(uint64_t index) const {
  if (index > kMaxInt64) return absl::NotFoundError(absl::StrFormat("the log has no leaf %d", index));
  ASSIGN_OR_RETURN(pg::Lease db, pool_->Acquire());
  ASSIGN_OR_RETURN(pg::Result row,
                   db->Query("SELECT log_index, record FROM appraisals WHERE log_index = $1",
                             {Param::Int(static_cast<int64_t>(index))},
                             "reading a logged appraisal by index"));
  if (row.rows() == 0) return absl::NotFoundError(absl::StrFormat("the log has no leaf %d", index));
  return LogEntry{static_cast<uint64_t>(row.Int(0, 0)), row.Bytes(0, 1)};
}

}  // namespace veu::verifier
