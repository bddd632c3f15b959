// veuctl diversions / veuctl diversion resolve: accelerators reported at two sites.
//
// A case stays open, failing the "chips stay at the authorised site" control for both sites,
// until an operator who has established what happened (a notified relocation, a mislabelled
// board, a real diversion reported onwards) closes it with a note saying so.
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "common/proto_time.h"
#include "verifier/veuctl/admin_client.h"
#include "verifier/veuctl/command.h"

namespace veu::veuctl {
namespace {

int RunDiversions(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"socket", "site", "limit"}, {"all", "json"});
  if (!flags.ok() || !flags->positional.empty()) {
    std::cerr << "veuctl diversions: "
              << (flags.ok() ? "no positional arguments" : flags.status().message()) << "\n";
    return kExitUsage;
  }
  veu::v1::ListDiversionsRequest request;
  request.set_site(flags->Get("site").value_or(""));
  request.set_include_resolved(flags->Has("all"));
  if (auto v = flags->Get("limit")) {
    uint32_t n;
    if (!absl::SimpleAtoi(*v, &n)) {
      std::cerr << "veuctl diversions: --limit needs a number\n";
      return kExitUsage;
    }
    request.set_limit(n);
  }
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::ListDiversionsResponse response;
  grpc::Status s = client.query->ListDiversions(CallContext().get(), request, &response);
  if (!s.ok()) return ReportRpcError("list diversions", s);
  if (flags->Has("json")) {
    std::cout << ToJson(response) << "\n";
  } else if (response.diversions().empty()) {
    std::cout << (request.include_resolved() ? "no diversion cases\n" : "no open diversion cases\n");
  } else {
    for (const auto& d : response.diversions()) {
      std::cout << absl::StrFormat("#%-4d %-8s %s  %s: at '%s' (agent %s), earlier at '%s' "
                                   "(agent %s, last %s)\n",
                                   d.id(), d.resolved() ? "resolved" : "OPEN",
                                   FormatProtoTime(d.detected_at()), d.identity(), d.site(),
                                   d.agent_id().substr(0, 12), d.other_site(),
                                   d.other_agent_id().substr(0, 12),
                                   FormatProtoTime(d.other_last_seen()));
      if (d.resolved()) std::cout << "       resolution: " << d.resolution() << "\n";
    }
  }
  // Exit 1 while any listed case is open, so scripts can page on it.
  for (const auto& d : response.diversions()) {
    if (!d.resolved()) return kExitRejected;
  }
  return kExitAccepted;
}

int RunDiversionResolve(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"socket", "note"}, {"json"});
  int64_t id = 0;
  if (!flags.ok() || flags->positional.size() != 1 || !absl::SimpleAtoi(flags->positional[0], &id) ||
      !flags->Get("note")) {
    std::cerr << "veuctl diversion resolve: "
              << (flags.ok() ? "give one case ID and --note WHY" : flags.status().message())
              << "\n";
    return kExitUsage;
  }
  veu::v1::ResolveDiversionRequest request;
  request.set_id(id);
  request.set_note(*flags->Get("note"));
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::Diversion resolved;
  grpc::Status s = client.admin->ResolveDiversion(CallContext().get(), request, &resolved);
  if (!s.ok()) return ReportRpcError(absl::StrFormat("resolve diversion case %d", id), s);
  if (flags->Has("json")) {
    std::cout << ToJson(resolved) << "\n";
  } else {
    std::cout << absl::StrFormat("case %d (%s) resolved; '%s' is now its only known site\n", id,
                                 resolved.identity(), resolved.site());
  }
  return kExitAccepted;
}

}  // namespace

VEUCTL_COMMAND(kDiversions, "diversions", "diversions [--site S] [--all] [--json]",
               RunDiversions);
VEUCTL_COMMAND(kDiversionResolve, "diversion resolve", "diversion resolve ID --note WHY",
               RunDiversionResolve);

}  // namespace veu::veuctl
