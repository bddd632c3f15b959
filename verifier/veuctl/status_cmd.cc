// veuctl status [SITE] [--json] [--socket PATH]: the verdict of one site or of every site.
// Exit 0 when every shown site is ACCEPT or WARN, 1 otherwise.
#include <iostream>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/proto_time.h"
#include "verifier/reports/ear.h"
#include "verifier/veuctl/admin_client.h"
#include "verifier/veuctl/command.h"

namespace veu::veuctl {
namespace {

bool Acceptable(int verdict) {
  return verdict == veu::v1::VERDICT_ACCEPT || verdict == veu::v1::VERDICT_WARN;
}

void PrintSite(const veu::v1::SiteStatus& status, bool verbose) {
  std::cout << absl::StrFormat("site %s (%s, %s): %s\n", status.site().name(),
                               status.site().organisation().empty() ? "-" : status.site().organisation(),
                               status.site().country().empty() ? "-" : status.site().country(),
                               VerdictName(status.verdict()));
  for (const auto& node : status.agents()) {
    const auto& a = node.agent();
    std::string when = "never";
    if (a.has_last_seen()) {
      when = absl::FormatTime("%Y-%m-%d %H:%M:%SZ", FromProtoTime(a.last_seen()),
                              absl::UTCTimeZone());
    }
    std::cout << absl::StrFormat("  agent %s  %-12s %-8s last seen %s%s\n",
                                 a.agent_id().substr(0, 12),
                                 a.hostname().empty() ? "-" : a.hostname(),
                                 node.has_latest() ? VerdictName(node.latest().verdict()) : "NONE",
                                 when, node.stale() ? " (STALE)" : "");
    if (node.has_latest()) {
      for (const auto& c : node.latest().checks()) {
        std::string check_status = veu::v1::CheckStatus_Name(c.status());
        if (check_status.rfind("CHECK_", 0) == 0) check_status = check_status.substr(6);
        if (c.status() == veu::v1::CHECK_PASS) {
          if (verbose) std::cout << absl::StrFormat("    %-14s %-30s %s\n", check_status, c.check(), c.detail());
          continue;
        }
        std::cout << absl::StrFormat("    %-14s %-30s %s: %s\n", check_status, c.check(),
                                     veu::v1::ReasonCode_Name(c.reason()), c.detail());
      }
    }
  }
}

int RunStatus(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"socket", "format"}, {"json", "verbose"});
  if (!flags.ok() || flags->positional.size() > 1) {
    std::cerr << "veuctl status: " << (flags.ok() ? "at most one SITE" : flags.status().message())
              << "\n";
    return kExitUsage;
  }
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  std::vector<std::string> sites;
  if (!flags->positional.empty()) {
    sites.push_back(flags->positional[0]);
  } else {
    veu::v1::ListSitesResponse list;
    grpc::Status s = client.query->ListSites(CallContext().get(), {}, &list);
    if (!s.ok()) return ReportRpcError("list sites", s);
    for (const auto& site : list.sites()) sites.push_back(site.name());
    if (sites.empty()) {
      std::cerr << "veuctl status: no sites yet (veuctl site add NAME)\n";
      return kExitRejected;
    }
  }
  const std::string format = flags->Get("format").value_or(flags->Has("json") ? "json" : "text");
  if (format != "text" && format != "json" && format != "ear") {
    std::cerr << "veuctl status: --format is text, json or ear\n";
    return kExitUsage;
  }
  bool all_ok = true;
  std::string json_sites;
  for (const std::string& name : sites) {
    veu::v1::GetSiteStatusRequest request;
    request.set_site(name);
    veu::v1::SiteStatus status;
    grpc::Status s = client.query->GetSiteStatus(CallContext().get(), request, &status);
    if (!s.ok()) return ReportRpcError("site " + name, s);
    all_ok = all_ok && Acceptable(status.verdict());
    if (format == "json") {
      // One site: the object itself; several: a JSON array of them.
      json_sites += (json_sites.empty() ? "" : ",\n") + ToJson(status);
    } else if (format == "ear") {
      json_sites += (json_sites.empty() ? "" : ",\n") +
                    veu::verifier::SiteStatusToEarJson(status, absl::Now(), "veuctl 0.1.0");
    } else {
      PrintSite(status, flags->Has("verbose"));
    }
  }
  if (format != "text") {
    std::cout << (sites.size() == 1 && !flags->positional.empty() ? json_sites
                                                                  : "[\n" + json_sites + "]\n");
  }
  return all_ok ? kExitAccepted : kExitRejected;
}

VEUCTL_COMMAND(kStatus, "status", "status [SITE] [--verbose] [--json | --format text|json|ear] [--socket PATH]", RunStatus);

}  // namespace
}  // namespace veu::veuctl
