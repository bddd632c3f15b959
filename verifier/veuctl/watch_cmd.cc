// veuctl watch: follows verdict changes in the caller's scope as the verifier commits them
// (the regulator API's WatchVerdicts stream), one line per change.
//
//   veuctl watch [SITE ...] [--json] [--count N] --server H:P --cert C --key K --ca CA
// Exits 0 after N changes (with --count) or when the verifier ends the stream; 2 if it cannot
// connect or the scope is refused.
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/proto_time.h"
#include "verifier/veuctl/admin_client.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/regulator_client.h"

namespace veu::veuctl {
namespace {

int RunWatch(const std::vector<std::string>& args) {
  std::set<std::string> names = RegulatorFlagNames();
  names.insert("count");
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, names, {"json"});
  if (!flags.ok()) {
    std::cerr << "veuctl watch: " << flags.status().message() << "\n";
    return kExitUsage;
  }
  uint64_t count = 0;
  if (auto v = flags->Get("count"); v && (!absl::SimpleAtoi(*v, &count) || count == 0)) {
    std::cerr << "veuctl watch: --count needs a positive number\n";
    return kExitUsage;
  }
  absl::StatusOr<std::unique_ptr<veu::v1::Regulator::Stub>> stub = ConnectRegulator(*flags);
  if (!stub.ok()) {
    std::cerr << "veuctl watch: " << stub.status().message() << "\n";
    return kExitUsage;
  }
  veu::v1::WatchVerdictsRequest request;
  for (const auto& site : flags->positional) request.add_sites(site);
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReader<veu::v1::VerdictChange>> reader =
      (*stub)->WatchVerdicts(&ctx, request);
  veu::v1::VerdictChange change;
  uint64_t seen = 0;
  while (reader->Read(&change)) {
    if (flags->Has("json")) {
      std::cout << ToJson(change) << std::endl;
    } else {
      std::cout << absl::StrFormat(
                       "%s  %-16s node %s  %s -> %s  (site %s)%s%s",
                       FormatProtoTime(change.at()), change.site(), change.agent_id().substr(0, 12),
                       VerdictName(change.previous()), VerdictName(change.verdict()),
                       VerdictName(change.site_verdict()), change.failed().empty() ? "" : "  failed: ",
                       absl::StrJoin(change.failed(), ","))
                << std::endl;
    }
    if (count > 0 && ++seen >= count) {
      ctx.TryCancel();
      return kExitAccepted;
    }
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) return ReportRpcError("watch", s);
  return kExitAccepted;
}

}  // namespace

VEUCTL_COMMAND(kWatch, "watch",
               "watch [SITE ...] [--json] [--count N] --server H:P --cert C --key K --ca CA",
               RunWatch);

}  // namespace veu::veuctl
