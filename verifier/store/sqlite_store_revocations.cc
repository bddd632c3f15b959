// SqliteStore, revocations: an operator taking an agent out and allowing it again. The
// revocation lives in its own table (migration 0006), so a record PutAgent or CommitAppraisal
// writes from a read made before the revocation cannot undo it; GetAgent/ListAgents apply it.
#include <string>

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
using sqlite::Transaction;

}  // namespace

absl::Status SqliteStore::RevokeAgent(const veu::v1::Revocation& revocation,
                                      const veu::v1::Event& event) {
  const std::string op = absl::StrFormat("revoking agent '%s'", revocation.agent_id());
  if (revocation.reason().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(op, ": say why (the reason is kept with the revocation and its event)"));
  }
  RETURN_IF_ERROR(ToMicros(revocation.revoked_at(), op + ": revoked_at").status());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, op));
  {
    ASSIGN_OR_RETURN(Statement select,
                     db_->Prepare("UPDATE agents SET version = version + 1 WHERE agent_id = ?1 "
                                  "RETURNING 1",
                                  op));
    // The version moves, so an appraisal that read the record before the revocation fails its
    // commit (compare-and-set) instead of reporting on a revoked agent.
    select.BindText(1, revocation.agent_id());
    ASSIGN_OR_RETURN(bool found, select.Step());
    if (!found) {
      return absl::NotFoundError(
          absl::StrFormat("%s: no agent with this id has ever enrolled", op));
    }
  }
  {
    ASSIGN_OR_RETURN(Statement upsert,
                     db_->Prepare("INSERT INTO revocations (agent_id, record) VALUES (?1, ?2) "
                                  "ON CONFLICT (agent_id) DO UPDATE SET record = excluded.record",
                                  op));
    upsert.BindText(1, revocation.agent_id());
    upsert.BindBlob(2, revocation.SerializeAsString());
    RETURN_IF_ERROR(upsert.Run());
  }
  RETURN_IF_ERROR(InsertEventLocked(event, op).status());
  // The revoked agent's inventory stops counting in its site's totals.
  RETURN_IF_ERROR(StageRollupLocked(revocation.agent_id(), op));
  return CommitLocked(tx);
}

absl::Status SqliteStore::ReinstateAgent(const std::string& agent_id,
                                         const veu::v1::Event& event) {
  const std::string op = absl::StrFormat("allowing revoked agent '%s' again", agent_id);
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_, op));
  veu::v1::AgentRecord agent;
  {
    ASSIGN_OR_RETURN(Statement select,
                     db_->Prepare("SELECT a.record, r.record FROM agents a LEFT JOIN revocations r "
                                  "USING (agent_id) WHERE a.agent_id = ?1",
                                  op));
    select.BindText(1, agent_id);
    ASSIGN_OR_RETURN(bool found, select.Step());
    if (!found) {
      return absl::NotFoundError(
          absl::StrFormat("%s: no agent with this id has ever enrolled", op));
    }
    if (select.ColumnIsNull(1)) {
      return absl::FailedPreconditionError(absl::StrFormat("%s: it is not revoked", op));
    }
    ASSIGN_OR_RETURN(agent, ParseRecord<veu::v1::AgentRecord>(select.ColumnBytes(0), op));
  }
  {
    ASSIGN_OR_RETURN(Statement remove,
                     db_->Prepare("DELETE FROM revocations WHERE agent_id = ?1", op));
    remove.BindText(1, agent_id);
    RETURN_IF_ERROR(remove.Run());
  }
  {
    agent.set_status(veu::v1::AGENT_STATUS_ENROLLED);
    agent.clear_revocation();
    ASSIGN_OR_RETURN(Statement update,
                     db_->Prepare("UPDATE agents SET record = ?2, version = version + 1 "
                                  "WHERE agent_id = ?1",
                                  op));
    update.BindText(1, agent_id);
    update.BindBlob(2, agent.SerializeAsString());
    RETURN_IF_ERROR(update.Run());
  }
  RETURN_IF_ERROR(InsertEventLocked(event, op).status());
  RETURN_IF_ERROR(StageRollupLocked(agent_id, op));
  return CommitLocked(tx);
}

}  // namespace veu::verifier
