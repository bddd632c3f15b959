#include "verifier/appraisal/site_rollup.h"

#include "common/proto_time.h"

namespace veu::verifier {

int VerdictSeverity(veu::v1::Verdict verdict) {
  switch (verdict) {
    case veu::v1::VERDICT_ACCEPT: return 0;
    case veu::v1::VERDICT_NONE: return 1;
    case veu::v1::VERDICT_WARN: return 2;
    case veu::v1::VERDICT_STALE: return 3;
    case veu::v1::VERDICT_REJECT: return 4;
    default: return 4;  // unknown is treated as the worst: fail closed
  }
}

veu::v1::SiteStatus RollUpSite(const veu::v1::Site& site, const std::vector<NodeState>& nodes,
                               absl::Time now, absl::Duration stale_after) {
  veu::v1::SiteStatus status;
  *status.mutable_site() = site;
  *status.mutable_evaluated_at() = ToProtoTime(now);
  veu::v1::Verdict worst = veu::v1::VERDICT_NONE;
  bool any = false;
  for (const NodeState& node : nodes) {
    veu::v1::AgentStatusSummary* summary = status.add_agents();
    *summary->mutable_agent() = node.agent;
    veu::v1::Verdict v = veu::v1::VERDICT_NONE;
    if (node.agent.status() == veu::v1::AGENT_STATUS_REVOKED) continue;
    if (node.latest) {
      *summary->mutable_latest() = *node.latest;
      v = node.latest->verdict();
    }
    const bool seen = node.agent.has_last_seen();
    if (!seen || FromProtoTime(node.agent.last_seen()) + stale_after < now) {
      summary->set_stale(true);
      if (VerdictSeverity(veu::v1::VERDICT_STALE) > VerdictSeverity(v)) v = veu::v1::VERDICT_STALE;
    }
    if (!any || VerdictSeverity(v) > VerdictSeverity(worst)) worst = v;
    any = true;
  }
  status.set_verdict(any ? worst : veu::v1::VERDICT_NONE);
  return status;
}

}  // namespace veu::verifier
