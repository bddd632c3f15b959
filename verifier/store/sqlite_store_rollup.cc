// SqliteStore, inventory roll-up: per-site totals of the agents' last verified inventories,
// kept in memory so that appraising one report costs O(sites), not a read of every agent
// record (which made a fleet's appraisal work grow with the square of its size). See
// sqlite_store.h for the staging rule; sqlite_store.cc for how the class is split.
#include <utility>

#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "verifier/store/inventory_share.h"
#include "verifier/store/sqlite_records.h"
#include "verifier/store/sqlite_store.h"

namespace veu::verifier {
namespace {

using sqlite::ParseRecord;
using sqlite::Statement;

// The shared counting rule (inventory_share.h) as this file's three fields.
void Count(const veu::v1::AgentRecord& agent, bool revoked, uint32_t* nodes,
           uint64_t* accelerators, uint64_t* tpp) {
  const InventoryShare share = ShareOf(agent, revoked);
  *nodes = share.nodes;
  *accelerators = share.accelerators;
  *tpp = share.tpp;
}

}  // namespace

absl::Status SqliteStore::RebuildRollupLocked() {
  const std::string op = "summing the agents' inventories per site";
  agent_rollup_.clear();
  {
    absl::MutexLock rollup(&rollup_mu_);
    site_rollup_.clear();
  }
  staged_rollup_.clear();
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT a.agent_id, a.site, a.record, r.agent_id IS NOT NULL "
                                "FROM agents a LEFT JOIN revocations r USING (agent_id)",
                                op));
  while (true) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(veu::v1::AgentRecord agent,
                     ParseRecord<veu::v1::AgentRecord>(select.ColumnBytes(2), op));
    staged_rollup_.emplace_back(select.ColumnBytes(0), AgentContribution{select.ColumnBytes(1)});
    AgentContribution& c = staged_rollup_.back().second;
    Count(agent, select.ColumnInt64(3) != 0, &c.nodes, &c.accelerators, &c.tpp);
  }
  ApplyStagedRollupLocked();
  return absl::OkStatus();
}

absl::Status SqliteStore::StageRollupLocked(const std::string& agent_id,
                                            std::string_view operation) {
  ASSIGN_OR_RETURN(Statement select,
                   db_->Prepare("SELECT a.site, a.record, r.agent_id IS NOT NULL FROM agents a "
                                "LEFT JOIN revocations r USING (agent_id) WHERE a.agent_id = ?1",
                                operation));
  select.BindText(1, agent_id);
  ASSIGN_OR_RETURN(bool found, select.Step());
  AgentContribution c;
  if (found) {
    c.site = select.ColumnBytes(0);
    ASSIGN_OR_RETURN(veu::v1::AgentRecord agent,
                     ParseRecord<veu::v1::AgentRecord>(select.ColumnBytes(1), operation));
    Count(agent, select.ColumnInt64(2) != 0, &c.nodes, &c.accelerators, &c.tpp);
  }
  staged_rollup_.emplace_back(agent_id, std::move(c));
  return absl::OkStatus();
}

void SqliteStore::ApplyStagedRollupLocked() {
  absl::MutexLock rollup(&rollup_mu_);
  auto add = [this](const AgentContribution& c, int sign) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (c.nodes == 0) return;
    SiteInventoryTotals& t = site_rollup_[c.site];
    t.site = c.site;
    t.nodes = static_cast<uint32_t>(static_cast<int64_t>(t.nodes) + sign);
    t.accelerators = static_cast<uint64_t>(static_cast<int64_t>(t.accelerators) +
                                           sign * static_cast<int64_t>(c.accelerators));
    t.tpp = static_cast<uint64_t>(static_cast<int64_t>(t.tpp) + sign * static_cast<int64_t>(c.tpp));
    if (t.nodes == 0) site_rollup_.erase(c.site);
  };
  for (auto& [agent_id, next] : staged_rollup_) {
    AgentContribution& current = agent_rollup_[agent_id];
    add(current, -1);
    add(next, +1);
    current = std::move(next);
  }
  staged_rollup_.clear();
}

absl::Status SqliteStore::CommitLocked(sqlite::Transaction& tx) {
  absl::Status committed = tx.Commit();
  if (committed.ok()) {
    ApplyStagedRollupLocked();
  } else {
    staged_rollup_.clear();  // rolled back: nothing it staged happened
  }
  return committed;
}

absl::StatusOr<std::vector<SiteInventoryTotals>> SqliteStore::ListSiteInventoryTotals() {
  absl::MutexLock lock(&rollup_mu_);
  std::vector<SiteInventoryTotals> out;
  out.reserve(site_rollup_.size());
  for (const auto& [site, totals] : site_rollup_) out.push_back(totals);
  return out;
}

}  // namespace veu::verifier
