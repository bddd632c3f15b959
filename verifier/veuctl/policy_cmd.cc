// veuctl policy show: the policy pack an appraisal was made under, as the verifier stored it
// when it started with that pack. An appraisal's policy_version ends in "+id@version".
#include <google/protobuf/text_format.h>

#include <iostream>

#include "verifier/veuctl/admin_client.h"
#include "verifier/veuctl/command.h"

namespace veu::veuctl {
namespace {

int RunPolicyShow(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"socket"}, {"json"});
  if (!flags.ok() || flags->positional.size() != 1) {
    std::cerr << "veuctl policy show: "
              << (flags.ok() ? "give one pack version, id@version (e.g. veu-2025@2025.1)"
                             : flags.status().message())
              << "\n";
    return kExitUsage;
  }
  std::string version = flags->positional[0];
  // Accept an appraisal's whole policy_version ("spine-1+veu-2025@2025.1"): the pack is last.
  if (const size_t plus = version.rfind('+'); plus != std::string::npos) {
    version = version.substr(plus + 1);
  }
  veu::v1::GetPolicyPackRequest request;
  request.set_version(version);
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::PolicyPack pack;
  grpc::Status s = client.query->GetPolicyPack(CallContext().get(), request, &pack);
  if (!s.ok()) return ReportRpcError("policy pack " + version, s);
  if (flags->Has("json")) {
    std::cout << ToJson(pack) << "\n";
  } else {
    std::string text;
    google::protobuf::TextFormat::PrintToString(pack, &text);
    std::cout << text;
  }
  return kExitAccepted;
}

}  // namespace

VEUCTL_COMMAND(kPolicyShow, "policy show", "policy show ID@VERSION [--json]", RunPolicyShow);

}  // namespace veu::veuctl
