// veuctl refvalues load and veuctl agent class: keep measured-boot reference values per
// platform class in the verifier, and say which class an agent belongs to.
#include <iostream>

#include "common/eventlog/reference_values.h"
#include "common/rpc/tls.h"
#include "verifier/veuctl/admin_client.h"
#include "verifier/veuctl/command.h"

namespace veu::veuctl {
namespace {

int RunRefvaluesLoad(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"socket", "name"}, {});
  if (!flags.ok() || flags->positional.size() != 1) {
    std::cerr << "veuctl refvalues load: "
              << (flags.ok() ? "give exactly one FILE (as `veuctl refvalues learn` prints)"
                             : flags.status().message())
              << "\n";
    return kExitUsage;
  }
  absl::StatusOr<std::string> text = ReadFileToString(flags->positional[0], 16 << 20);
  if (!text.ok()) {
    std::cerr << "veuctl refvalues load: " << text.status().message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<veu::v1::ReferenceValues> refs = eventlog::ParseReferenceValues(*text);
  if (!refs.ok()) {
    std::cerr << "veuctl refvalues load: " << flags->positional[0] << ": "
              << refs.status().message() << "\n";
    return kExitUsage;
  }
  if (auto name = flags->Get("name")) refs->set_name(*name);
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::ReferenceValues stored;
  grpc::Status s = client.admin->PutReferenceValues(CallContext().get(), *refs, &stored);
  if (!s.ok()) return ReportRpcError("load reference values", s);
  std::cout << "reference values for platform class '" << stored.name() << "' stored ("
            << stored.allowed_size() << " digest sets)\n";
  return kExitAccepted;
}

int RunAgentClass(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"socket"}, {});
  if (!flags.ok() || flags->positional.size() != 2) {
    std::cerr << "veuctl agent class: "
              << (flags.ok() ? "give AGENT and CLASS ('' for the verifier's default)"
                             : flags.status().message())
              << "\n";
    return kExitUsage;
  }
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::SetPlatformClassRequest request;
  request.set_agent_id(flags->positional[0]);
  request.set_platform_class(flags->positional[1]);
  veu::v1::AgentRecord agent;
  grpc::Status s = client.admin->SetPlatformClass(CallContext().get(), request, &agent);
  if (!s.ok()) return ReportRpcError("agent class", s);
  std::cout << "agent " << agent.agent_id().substr(0, 12) << " platform class '"
            << agent.platform_class() << "'\n";
  return kExitAccepted;
}

VEUCTL_COMMAND(kRefvaluesLoad, "refvalues load", "refvalues load FILE [--name CLASS]",
               RunRefvaluesLoad);
VEUCTL_COMMAND(kAgentClass, "agent class", "agent class AGENT CLASS", RunAgentClass);

}  // namespace
}  // namespace veu::veuctl
