// veuctl access-log: who read what through the regulator API, newest first, including the
// calls that were refused (outside scope, no certificate).
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "common/proto_time.h"
#include "verifier/veuctl/admin_client.h"
#include "verifier/veuctl/command.h"

namespace veu::veuctl {
namespace {

int RunAccessLog(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"socket", "limit"}, {"json"});
  if (!flags.ok() || !flags->positional.empty()) {
    std::cerr << "veuctl access-log: "
              << (flags.ok() ? "no positional arguments" : flags.status().message()) << "\n";
    return kExitUsage;
  }
  veu::v1::ListAccessRecordsRequest request;
  if (auto v = flags->Get("limit")) {
    uint32_t n;
    if (!absl::SimpleAtoi(*v, &n)) {
      std::cerr << "veuctl access-log: --limit needs a number\n";
      return kExitUsage;
    }
    request.set_limit(n);
  }
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::ListAccessRecordsResponse response;
  grpc::Status s = client.query->ListAccessRecords(CallContext().get(), request, &response);
  if (!s.ok()) return ReportRpcError("access log", s);
  if (flags->Has("json")) {
    std::cout << ToJson(response) << "\n";
    return kExitAccepted;
  }
  for (const auto& r : response.records()) {
    std::cout << absl::StrFormat("%s  %-7s %-9s %-40s %-12s %s  (%s)\n", FormatProtoTime(r.at()),
                                 r.allowed() ? "allowed" : "DENIED", r.role().empty() ? "-" : r.role(),
                                 r.method(), r.resource().empty() ? "-" : r.resource(),
                                 r.principal().empty() ? "no certificate" : r.principal(),
                                 r.detail());
  }
  return kExitAccepted;
}

}  // namespace

VEUCTL_COMMAND(kAccessLog, "access-log", "access-log [--limit N] [--json]", RunAccessLog);

}  // namespace veu::veuctl
