// veuctl agents / history / events: what the verifier knows of its agents.
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "common/proto_time.h"
#include "verifier/veuctl/admin_client.h"
#include "verifier/veuctl/command.h"

namespace veu::veuctl {
namespace {

// A reply stops adding records before the admin API's message limit; say so, on stderr so
// that scripts reading stdout see only records.
void NoteOmitted(uint32_t omitted, const char* what) {
  if (omitted == 0) return;
  std::cerr << "veuctl: " << omitted << " older " << what
            << " did not fit in this reply (the admin API's message limit); the next page "
               "holds them\n";
}

// Where to go on from a page: the same command with --page TOKEN, or nothing if it was the last.
void NotePage(const std::string& next_token, const std::string& command) {
  if (next_token.empty()) return;
  std::cerr << "veuctl: more follow: " << command << " --page " << next_token << "\n";
}

std::string Time(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%SZ", FromProtoTime(t), absl::UTCTimeZone());
}

int RunAgents(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"socket", "site"}, {"json"});
  if (!flags.ok() || !flags->positional.empty()) {
    std::cerr << "veuctl agents: " << (flags.ok() ? "no positional arguments" : flags.status().message()) << "\n";
    return kExitUsage;
  }
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::ListAgentsRequest request;
  request.set_site(flags->Get("site").value_or(""));
  veu::v1::ListAgentsResponse response;
  grpc::Status s = client.query->ListAgents(CallContext().get(), request, &response);
  if (!s.ok()) return ReportRpcError("list agents", s);
  if (flags->Has("json")) {
    std::cout << ToJson(response) << "\n";
    return kExitAccepted;
  }
  std::cout << absl::StrFormat("%-14s %-12s %-16s %-8s %-21s %s\n", "AGENT", "SITE", "HOST",
                               "VERDICT", "LAST SEEN", "EK CHAIN");
  for (const auto& a : response.agents()) {
    std::cout << absl::StrFormat("%-14s %-12s %-16s %-8s %-21s %s\n", a.agent_id().substr(0, 12),
                                 a.site(), a.hostname(), VerdictName(a.last_verdict()),
                                 a.has_last_seen() ? Time(a.last_seen()) : "never", a.ek_chain());
  }
  return kExitAccepted;
}

int RunHistory(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"socket", "limit", "page"}, {"json", "evidence"});
  if (!flags.ok() || flags->positional.size() != 1) {
    std::cerr << "veuctl history: " << (flags.ok() ? "give exactly one AGENT (id or unique prefix)" : flags.status().message()) << "\n";
    return kExitUsage;
  }
  uint32_t limit = 20;
  if (auto l = flags->Get("limit"); l && !absl::SimpleAtoi(*l, &limit)) {
    std::cerr << "veuctl history: --limit needs a number\n";
    return kExitUsage;
  }
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::ListAppraisalsRequest request;
  request.set_agent_id(flags->positional[0]);
  request.set_limit(limit);
  request.set_include_evidence(flags->Has("evidence"));
  request.set_page_token(flags->Get("page").value_or(""));
  veu::v1::ListAppraisalsResponse response;
  grpc::Status s = client.query->ListAppraisals(CallContext().get(), request, &response);
  if (!s.ok()) return ReportRpcError("history", s);
  veu::v1::ListEventsRequest events_request;
  events_request.set_agent_id(flags->positional[0]);
  events_request.set_limit(limit);
  veu::v1::ListEventsResponse events;
  s = client.query->ListEvents(CallContext().get(), events_request, &events);
  if (!s.ok()) return ReportRpcError("events", s);
  if (flags->Has("json")) {
    std::cout << "{\"appraisals\": " << ToJson(response) << ",\n \"events\": " << ToJson(events)
              << "}\n";
    return kExitAccepted;
  }
  std::cout << "appraisals (newest first):\n";
  for (const auto& stored : response.appraisals()) {
    const auto& a = stored.appraisal();
    std::cout << absl::StrFormat("  %s  #%-5d %-7s clock %d reset %d restart %d\n",
                                 Time(a.appraised_at()), a.challenge_sequence(),
                                 VerdictName(a.verdict()), a.quote().clock(),
                                 a.quote().reset_count(), a.quote().restart_count());
    for (const auto& c : a.checks()) {
      if (c.status() == veu::v1::CHECK_PASS) continue;
      std::cout << absl::StrFormat("      %-24s %s: %s\n", c.check(),
                                   veu::v1::ReasonCode_Name(c.reason()), LogField(c.detail(), 4096));
    }
  }
  NoteOmitted(response.omitted(), "appraisals");
  NotePage(response.next_page_token(),
           absl::StrCat("veuctl history ", flags->positional[0], flags->Has("evidence") ? " --evidence" : "",
                        " --limit ", limit));
  std::cout << "events (newest first):\n";
  for (const auto& e : events.events()) {
    std::cout << absl::StrFormat("  %s  %-28s %s\n", Time(e.at()),
                                 veu::v1::EventKind_Name(e.kind()), LogField(e.detail(), 4096));
  }
  NoteOmitted(events.omitted(), "events");
  if (!events.next_page_token().empty()) {
    std::cerr << "veuctl: older events follow: veuctl events --agent " << flags->positional[0]
              << " --limit " << limit << " --page " << events.next_page_token() << "\n";
  }
  return kExitAccepted;
}

int RunEvents(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"socket", "site", "agent", "limit", "page"}, {"json", "all"});
  if (!flags.ok() || !flags->positional.empty()) {
    std::cerr << "veuctl events: " << (flags.ok() ? "no positional arguments" : flags.status().message()) << "\n";
    return kExitUsage;
  }
  uint32_t limit = 50;
  if (auto l = flags->Get("limit"); l && !absl::SimpleAtoi(*l, &limit)) {
    std::cerr << "veuctl events: --limit needs a number\n";
    return kExitUsage;
  }
  AdminClient client = ConnectAdmin(AdminSocketPath(*flags));
  veu::v1::ListEventsRequest request;
  request.set_site(flags->Get("site").value_or(""));
  request.set_agent_id(flags->Get("agent").value_or(""));
  request.set_limit(limit);
  request.set_page_token(flags->Get("page").value_or(""));
  // --all follows every page, newest to oldest; --json then prints one object per page, one
  // per line, so a script reads them as they come instead of holding the whole history.
  const bool all = flags->Has("all");
  while (true) {
    veu::v1::ListEventsResponse response;
    grpc::Status s = client.query->ListEvents(CallContext().get(), request, &response);
    if (!s.ok()) return ReportRpcError("events", s);
    if (flags->Has("json")) {
      std::cout << ToJson(response) << "\n";
    } else {
      // Sites and details can hold what a peer sent: one line per event, control bytes escaped.
      for (const auto& e : response.events()) {
        std::cout << absl::StrFormat("%s  %-12s %-14s %-28s %s\n", Time(e.at()), LogField(e.site()),
                                     LogField(e.agent_id().substr(0, 12)),
                                     veu::v1::EventKind_Name(e.kind()), LogField(e.detail(), 4096));
      }
    }
    if (!all || response.next_page_token().empty()) {
      NoteOmitted(response.omitted(), "events");
      if (!flags->Has("json")) {
        NotePage(response.next_page_token(), absl::StrCat("veuctl events --limit ", limit,
                                                          request.site().empty() ? "" : " --site ",
                                                          request.site(),
                                                          request.agent_id().empty() ? "" : " --agent ",
                                                          request.agent_id()));
      }
      return kExitAccepted;
    }
    request.set_page_token(response.next_page_token());
  }
}

VEUCTL_COMMAND(kAgents, "agents", "agents [--site SITE] [--json]", RunAgents);
VEUCTL_COMMAND(kHistory, "history", "history AGENT [--limit N] [--page TOKEN] [--evidence] [--json]",
               RunHistory);
VEUCTL_COMMAND(kEvents, "events",
               "events [--site SITE] [--agent AGENT] [--limit N] [--page TOKEN | --all] [--json]",
               RunEvents);

}  // namespace
}  // namespace veu::veuctl
