// veuctl site add|list|token and veuctl agent allow: the operator's administration.
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/rpc/tls.h"
#include "common/hex.h"
#include "verifier/veuctl/admin_client.h"
#include "verifier/veuctl/agent_revoke.h"
#include "verifier/veuctl/command.h"

namespace veu::veuctl {
namespace {

int RunSiteAdd(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"socket", "org", "country", "address", "authorised-accelerators",
                        "authorised-tpp", "veu-type", "headquarters", "ownership"},
                 {"json"});
  if (!flags.ok() || flags->positional.size() != 1) {
    std::cerr << "veuctl site add: " << (flags.ok() ? "give exactly one site NAME" : flags.status().message()) << "\n";
    return kExitUsage;
  }
  veu::v1::Site site;
  site.set_name(flags->positional[0]);
  site.set_organisation(flags->Get("org").value_or(""));
  site.set_country(flags->Get("country").value_or(""));
  site.set_address(flags->Get("address").value_or(""));
  if (auto v = flags->Get("authorised-accelerators")) {
    uint32_t n;
    if (!absl::SimpleAtoi(*v, &n)) {
      std::cerr << "veuctl site add: --authorised-accelerators needs a number\n";
      return kExitUsage;
    }
    site.set_authorised_accelerators(n);
  }
  if (auto v = flags->Get("authorised-tpp")) {
    uint64_t tpp;
    if (!absl::SimpleAtoi(*v, &tpp)) {
      std::cerr << "veuctl site add: --authorised-tpp needs a number\n";
      return kExitUsage;
    }
    site.set_authorised_tpp(tpp);
  }
  // The organisation's authorisation (Supplement No. 10 para. 6 binds a Universal VEU; its US
  // share a US-headquartered one): unset stays unset, and VEU-06 says not-evaluated.
  if (auto v = flags->Get("veu-type")) {
    if (*v == "universal") {
      site.set_veu_type(veu::v1::VEU_TYPE_UNIVERSAL);
    } else if (*v == "national") {
      site.set_veu_type(veu::v1::VEU_TYPE_NATIONAL);
    } else {
      std::cerr << "veuctl site add: --veu-type is universal or national\n";
      return kExitUsage;
    }
  }
  auto is_country = [](const std::string& c) {
    return c.size() == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z';
  };
  if (auto v = flags->Get("headquarters")) {
    if (!is_country(*v)) {
      std::cerr << "veuctl site add: --headquarters is an ISO 3166-1 alpha-2 code (\"US\")\n";
      return kExitUsage;
    }
    site.set_headquarters_country(*v);
  }
  if (!site.country().empty() && !is_country(site.country())) {
    std::cerr << "veuctl site add: --country is an ISO 3166-1 alpha-2 code (\"DE\")\n";
    return kExitUsage;
  }
  site.set_ownership_note(flags->Get("ownership").value_or(""));
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::Site added;
  grpc::Status s = client.admin->AddSite(CallContext().get(), site, &added);
  if (!s.ok()) return ReportRpcError("add site " + site.name(), s);
  if (flags->Has("json")) std::cout << ToJson(added) << "\n";
  else std::cout << "site " << added.name() << " added\n";
  return kExitAccepted;
}

int RunSiteList(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"socket"}, {"json"});
  if (!flags.ok() || !flags->positional.empty()) {
    std::cerr << "veuctl site list: " << (flags.ok() ? "no positional arguments" : flags.status().message()) << "\n";
    return kExitUsage;
  }
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::ListSitesResponse response;
  grpc::Status s = client.query->ListSites(CallContext().get(), {}, &response);
  if (!s.ok()) return ReportRpcError("list sites", s);
  if (flags->Has("json")) {
    std::cout << ToJson(response) << "\n";
    return kExitAccepted;
  }
  for (const auto& site : response.sites()) {
    std::cout << absl::StrFormat("%-16s %-24s %-3s %s\n", site.name(), site.organisation(),
                                 site.country(), site.address());
  }
  return kExitAccepted;
}

// The site record with its authorisation and the agents enrolled there.
int RunSiteShow(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"socket"}, {"json"});
  if (!flags.ok() || flags->positional.size() != 1) {
    std::cerr << "veuctl site show: " << (flags.ok() ? "give exactly one site NAME" : flags.status().message()) << "\n";
    return kExitUsage;
  }
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::GetSiteStatusRequest request;
  request.set_site(flags->positional[0]);
  veu::v1::SiteStatus status;
  grpc::Status s = client.query->GetSiteStatus(CallContext().get(), request, &status);
  if (!s.ok()) return ReportRpcError("site " + request.site(), s);
  if (flags->Has("json")) {
    std::cout << ToJson(status.site()) << "\n";
    return kExitAccepted;
  }
  const veu::v1::Site& site = status.site();
  std::cout << absl::StrFormat(
      "site %s\n  organisation  %s\n  veu type      %s\n  headquarters  %s\n  ownership     %s\n"
      "  country       %s\n  address       %s\n"
      "  authorised    %s accelerators, %s TPP\n  verdict       %s\n  agents        %d\n",
      site.name(), site.organisation(),
      site.veu_type() == veu::v1::VEU_TYPE_UNIVERSAL  ? "universal"
      : site.veu_type() == veu::v1::VEU_TYPE_NATIONAL ? "national"
                                                      : "not recorded",
      site.headquarters_country().empty() ? "not recorded" : site.headquarters_country(),
      site.ownership_note().empty() ? "-" : site.ownership_note(), site.country(), site.address(),
      site.authorised_accelerators() ? absl::StrCat(site.authorised_accelerators()) : "-",
      site.authorised_tpp() ? absl::StrCat(site.authorised_tpp()) : "-",
      VerdictName(status.verdict()), status.agents_size());
  for (const auto& node : status.agents()) {
    std::cout << "    " << node.agent().agent_id().substr(0, 12) << "  " << node.agent().hostname()
              << "\n";
  }
  return kExitAccepted;
}

// Prints only the token on stdout, so `veuctl site token S > token` works.
int RunSiteToken(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"socket", "ttl"}, {});
  if (!flags.ok() || flags->positional.size() != 1) {
    std::cerr << "veuctl site token: " << (flags.ok() ? "give exactly one SITE" : flags.status().message()) << "\n";
    return kExitUsage;
  }
  uint32_t ttl = 3600;
  if (auto t = flags->Get("ttl"); t && (!absl::SimpleAtoi(*t, &ttl) || ttl == 0)) {
    std::cerr << "veuctl site token: --ttl needs a positive number of seconds\n";
    return kExitUsage;
  }
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::IssueEnrollmentTokenRequest request;
  request.set_site(flags->positional[0]);
  request.set_ttl_seconds(ttl);
  veu::v1::IssueEnrollmentTokenResponse response;
  grpc::Status s = client.admin->IssueEnrollmentToken(CallContext().get(), request, &response);
  if (!s.ok()) return ReportRpcError("token for site " + request.site(), s);
  std::cout << response.token() << "\n";
  std::cerr << "single-use enrolment token for site " << request.site() << ", valid " << ttl
            << " s\n";
  return kExitAccepted;
}

int RunAgentAllow(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"socket", "site", "ek-cert"}, {});
  // `agent allow AGENT`: a revoked agent, allowed again.
  if (flags.ok() && flags->positional.size() == 1 && !flags->Get("site") &&
      !flags->Get("ek-cert")) {
    return RunAgentReinstate(flags->positional[0], *flags);
  }
  if (!flags.ok() || !flags->Get("site") || !flags->Get("ek-cert") || !flags->positional.empty()) {
    std::cerr << "veuctl agent allow: " << (flags.ok() ? "--site and --ek-cert are required" : flags.status().message()) << "\n";
    return kExitUsage;
  }
  absl::StatusOr<std::string> cert = ReadFileToString(*flags->Get("ek-cert"), 64 << 10);
  if (!cert.ok()) {
    std::cerr << "veuctl agent allow: " << cert.status().message() << "\n";
    return kExitUsage;
  }
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::AllowEkRequest request;
  request.set_site(*flags->Get("site"));
  request.set_ek_certificate(*cert);
  veu::v1::AllowEkResponse response;
  grpc::Status s = client.admin->AllowEk(CallContext().get(), request, &response);
  if (!s.ok()) return ReportRpcError("allow EK", s);
  std::cout << "EK " << ToHex(response.ek_public_sha256()) << " allowed for site "
            << request.site() << "\n";
  return kExitAccepted;
}

VEUCTL_COMMAND(kSiteAdd, "site add",
               "site add NAME [--org ORG] [--country CC] [--address TEXT] "
               "[--authorised-accelerators N] [--authorised-tpp TPP] "
               "[--veu-type universal|national] [--headquarters CC] [--ownership TEXT] [--json]",
               RunSiteAdd);
VEUCTL_COMMAND(kSiteList, "site list", "site list [--json]", RunSiteList);
VEUCTL_COMMAND(kSiteShow, "site show", "site show NAME [--json]", RunSiteShow);
VEUCTL_COMMAND(kSiteToken, "site token", "site token SITE [--ttl SECONDS]", RunSiteToken);
VEUCTL_COMMAND(kAgentAllow, "agent allow",
               "agent allow --site SITE --ek-cert FILE | agent allow AGENT (a revoked agent)",
               RunAgentAllow);

}  // namespace
}  // namespace veu::veuctl
