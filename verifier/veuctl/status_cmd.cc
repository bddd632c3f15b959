// veuctl status [SITE] [--verbose] [--json | --format text|json|ear] [--socket PATH]: the verdict
// of one site or of every site. Exit 0 when every shown site is ACCEPT or WARN, 1 otherwise.
// --verbose also lists passed checks, each control's text source (PRIMARY / SECONDARY, and
// "proxy" when the check only approximates its clause), and the regulation block of every pack
// the shown appraisals were made under: the rule, its status (e.g. rescinded, replacement
// pending), the source of that status, the sources, and which paragraphs rest on primary text.
// --format ear carries the same block as the "veu_regulation" claim (verifier/reports/ear.h).
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/facts/policy_pack.h"
#include "common/proto_time.h"
#include "verifier/reports/ear.h"
#include "verifier/veuctl/admin_client.h"
#include "verifier/veuctl/command.h"

namespace veu::veuctl {
namespace {

bool Acceptable(int verdict) {
  return verdict == veu::v1::VERDICT_ACCEPT || verdict == veu::v1::VERDICT_WARN;
}

// "id@version" of the pack an appraisal's policy_version names ("...+veu-2025@2025.1.0"), or
// empty when it names none.
std::string PackOf(const std::string& policy_version) {
  const size_t plus = policy_version.rfind('+');
  const std::string last = plus == std::string::npos ? policy_version : policy_version.substr(plus + 1);
  return last.find('@') == std::string::npos ? "" : last;
}

std::string SourceName(veu::v1::TextSource s) {
  return s == veu::v1::TEXT_SOURCE_UNSPECIFIED ? "UNSPECIFIED" : veu::v1::TextSource_Name(s);
}

// Regulation statements by pack "id@version", fetched once each; a pack the verifier does not
// hold maps to its error.
struct Statements {
  std::map<std::string, veu::v1::RegulationStatement> found;
  std::map<std::string, std::string> missing;

  const veu::v1::ControlBasis* Basis(const std::string& pack, const std::string& control) const {
    auto it = found.find(pack);
    if (it == found.end()) return nullptr;
    for (const auto& b : it->second.controls()) {
      if (b.control() == control) return &b;
    }
    return nullptr;
  }
};

void Fetch(AdminClient& client, const veu::v1::SiteStatus& status, Statements* out) {
  for (const auto& node : status.agents()) {
    const std::string pack = PackOf(node.latest().policy_version());
    if (pack.empty() || out->found.count(pack) || out->missing.count(pack)) continue;
    veu::v1::GetPolicyPackRequest request;
    request.set_version(pack);
    veu::v1::PolicyPack p;
    grpc::Status s = client.query->GetPolicyPack(CallContext().get(), request, &p);
    if (s.ok()) {
      out->found[pack] = facts::RegulationStatementOf(p);
    } else {
      out->missing[pack] = s.error_message();
    }
  }
}

void PrintRegulation(const Statements& statements) {
  if (statements.found.empty() && statements.missing.empty()) {
    std::cout << "policy pack: none named by these appraisals, so no rule or status is stated\n";
  }
  for (const auto& [pack, st] : statements.found) {
    const veu::v1::Regulation& r = st.regulation();
    std::cout << absl::StrFormat("policy pack %s\n  rule:   %s\n  status: %s\n          (%s)\n", pack,
                                 r.citation().empty() ? "none stated by this pack" : r.citation(),
                                 r.status().empty() ? "not stated" : r.status(),
                                 r.status_source().empty() ? "no source" : r.status_source());
    for (const auto& s : r.sources()) {
      std::cout << absl::StrFormat("  source %-10s %s\n", SourceName(s.kind()), s.citation());
    }
    for (const auto& p : r.paragraphs()) {
      std::cout << absl::StrFormat("  %-10s %s%s%s\n", SourceName(p.text_source()), p.paragraph(),
                                   p.note().empty() ? "" : ": " + p.note(),
                                   p.unconfirmed() ? " (unconfirmed)" : "");
    }
  }
  for (const auto& [pack, error] : statements.missing) {
    std::cout << absl::StrFormat("policy pack %s: regulation block not available (%s)\n", pack,
                                 error);
  }
}

void PrintSite(const veu::v1::SiteStatus& status, bool verbose, const Statements& statements) {
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
      const std::string pack = PackOf(node.latest().policy_version());
      for (const auto& c : node.latest().checks()) {
        std::string check_status = veu::v1::CheckStatus_Name(c.status());
        if (check_status.rfind("CHECK_", 0) == 0) check_status = check_status.substr(6);
        // With --verbose, each control says what its wording rests on.
        std::string basis;
        if (verbose) {
          if (const veu::v1::ControlBasis* b = statements.Basis(pack, c.check())) {
            basis = absl::StrFormat(" [%s%s]", SourceName(b->text_source()),
                                    b->proxy() ? ", proxy" : "");
          }
        }
        if (c.status() == veu::v1::CHECK_PASS) {
          if (verbose) {
            std::cout << absl::StrFormat("    %-14s %-30s %s%s\n", check_status, c.check(),
                                         c.detail(), basis);
          }
          continue;
        }
        std::cout << absl::StrFormat("    %-14s %-30s %s: %s%s\n", check_status, c.check(),
                                     veu::v1::ReasonCode_Name(c.reason()), c.detail(), basis);
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
  const bool verbose = flags->Has("verbose");
  bool all_ok = true;
  std::string json_sites;
  Statements statements;
  for (const std::string& name : sites) {
    veu::v1::GetSiteStatusRequest request;
    request.set_site(name);
    veu::v1::SiteStatus status;
    grpc::Status s = client.query->GetSiteStatus(CallContext().get(), request, &status);
    if (!s.ok()) return ReportRpcError("site " + name, s);
    all_ok = all_ok && Acceptable(status.verdict());
    if ((verbose && format == "text") || format == "ear") Fetch(client, status, &statements);
    if (format == "json") {
      // One site: the object itself; several: a JSON array of them.
      json_sites += (json_sites.empty() ? "" : ",\n") + ToJson(status);
    } else if (format == "ear") {
      // The statement of the pack the site's first appraised node was made under.
      const veu::v1::RegulationStatement* regulation = nullptr;
      for (const auto& node : status.agents()) {
        auto it = statements.found.find(PackOf(node.latest().policy_version()));
        if (it != statements.found.end()) {
          regulation = &it->second;
          break;
        }
      }
      json_sites += (json_sites.empty() ? "" : ",\n") +
                    veu::verifier::SiteStatusToEarJson(status, absl::Now(), "veuctl 0.1.0",
                                                       regulation);
    } else {
      PrintSite(status, verbose, statements);
    }
  }
  if (format == "text" && verbose) PrintRegulation(statements);
  if (format != "text") {
    std::cout << (sites.size() == 1 && !flags->positional.empty() ? json_sites
                                                                  : "[\n" + json_sites + "]\n");
  }
  return all_ok ? kExitAccepted : kExitRejected;
}

VEUCTL_COMMAND(kStatus, "status", "status [SITE] [--verbose] [--json | --format text|json|ear] [--socket PATH]", RunStatus);

}  // namespace
}  // namespace veu::veuctl
