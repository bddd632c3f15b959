// veuctl agent revoke: take a node out (decommissioned, or its EK or AK leaked). Its EK's
// enrolments and its reports are refused with AGENT_REVOKED from then on, until
// `veuctl agent allow AGENT` (site_cmd.cc) lets it back.
#include <iostream>

#include "common/rpc/tls.h"
#include "verifier/veuctl/admin_client.h"
#include "verifier/veuctl/agent_revoke.h"
#include "verifier/veuctl/command.h"

namespace veu::veuctl {

int RunAgentReinstate(const std::string& agent, const ParsedFlags& flags) {
  AdminClient client = ConnectAdmin(AdminSocketPath(flags));
  veu::v1::ReinstateAgentRequest request;
  request.set_agent_id(agent);
  veu::v1::AgentRecord record;
  grpc::Status s = client.admin->ReinstateAgent(CallContext().get(), request, &record);
  if (!s.ok()) return ReportRpcError("allow agent " + agent, s);
  std::cout << "agent " << record.agent_id() << " allowed again\n";
  return kExitAccepted;
}

namespace {

int RunAgentRevoke(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"socket", "reason"}, {});
  if (!flags.ok() || flags->positional.size() != 1 || !flags->Get("reason") ||
      flags->Get("reason")->empty()) {
    std::cerr << "veuctl agent revoke: "
              << (flags.ok() ? "give AGENT (id or unique prefix) and --reason TEXT"
                             : flags.status().message())
              << "\n";
    return kExitUsage;
  }
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::RevokeAgentRequest request;
  request.set_agent_id(flags->positional[0]);
  request.set_reason(*flags->Get("reason"));
  veu::v1::AgentRecord record;
  grpc::Status s = client.admin->RevokeAgent(CallContext().get(), request, &record);
  if (!s.ok()) return ReportRpcError("revoke agent " + request.agent_id(), s);
  std::cout << "agent " << record.agent_id() << " revoked: " << record.revocation().reason()
            << "\n";
  return kExitAccepted;
}

}  // namespace

VEUCTL_COMMAND(kAgentRevoke, "agent revoke", "agent revoke AGENT --reason TEXT", RunAgentRevoke);

}  // namespace veu::veuctl
