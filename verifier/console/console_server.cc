#include "verifier/console/console_server.h"

#include <httplib.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "verifier/console/assets.h"
#include "verifier/console/timeline.h"
#include "verifier/console/views.h"
#include "verifier/reports/any_report_verifier.h"

namespace veu::console {
namespace {

constexpr size_t kKeptReports = 8;
constexpr size_t kMaxUploadBytes = 64u << 20;
constexpr char kJson[] = "application/json; charset=utf-8";

int HttpStatusOf(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated: return 403;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kFailedPrecondition: return 409;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kDataLoss: return 502;
    default: return 500;
  }
}

void SendError(httplib::Response& res, const absl::Status& s) {
  res.status = HttpStatusOf(s);
  res.set_content(ErrorJson(s), kJson);
}

// "2026-07-01", "2026-07-01T12:00" (from <input type=datetime-local>, read as UTC) or RFC 3339.
absl::StatusOr<absl::Time> ParseUtc(const std::string& name, const std::string& value) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, value, &t, &err)) return t;
  if (absl::ParseTime("%Y-%m-%dT%H:%M", value, absl::UTCTimeZone(), &t, &err)) return t;
  if (absl::ParseTime("%Y-%m-%dT%H:%M:%S", value, absl::UTCTimeZone(), &t, &err)) return t;
  if (absl::ParseTime("%Y-%m-%d", value, absl::UTCTimeZone(), &t, &err)) return t;
  return absl::InvalidArgumentError(absl::StrCat(
      name, " '", value, "' is not a UTC date (2026-07-01), date and time or RFC 3339 time"));
}

// A report ID as a file name: letters, digits, '-', '_' and '.' only.
std::string SafeName(const std::string& id) {
  std::string out;
  for (char c : id) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') {
      out += c;
    }
  }
  return out.empty() ? "report" : out;
}

std::vector<veu::v1::SiteStatus> Statuses(RegulatorBackend& backend,
                                          const std::vector<veu::v1::Site>& sites,
                                          std::vector<UnreadableSite>* unreadable) {
  std::vector<veu::v1::SiteStatus> out;
  for (const veu::v1::Site& site : sites) {
    absl::StatusOr<veu::v1::SiteStatus> s = backend.GetSiteStatus(site.name());
    if (s.ok()) {
      out.push_back(*std::move(s));
    } else {
      unreadable->push_back({site.name(), s.status()});
    }
  }
  return out;
}

}  // namespace

ConsoleServer::ConsoleServer(ConsoleOptions options, RegulatorBackend* backend)
    : options_(std::move(options)), backend_(backend) {}

absl::StatusOr<std::unique_ptr<ConsoleServer>> ConsoleServer::Start(ConsoleOptions options,
                                                                     RegulatorBackend* backend) {
  std::unique_ptr<ConsoleServer> console(new ConsoleServer(std::move(options), backend));
  console->server_ = std::make_unique<httplib::Server>();
  // Each live page holds a worker for as long as it is open; the default pool has as few as
  // eight, so pages and API calls get their own generous pool.
  console->server_->new_task_queue = [] { return new httplib::ThreadPool(48); };
  console->server_->set_payload_max_length(kMaxUploadBytes);
  console->Routes();
  const ListenAddress& listen = console->options_.listen;
  if (listen.port == 0) {
    console->port_ = console->server_->bind_to_any_port(listen.host.c_str());
  } else if (console->server_->bind_to_port(listen.host.c_str(), listen.port)) {
    console->port_ = listen.port;
  }
  if (console->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen.host, ":", listen.port,
                                               " (in use, or not an address of this machine)"));
  }
  httplib::Server* raw = console->server_.get();
  console->serving_ = std::thread([raw] { raw->listen_after_bind(); });
  ConsoleServer* self = console.get();
  console->watching_ = std::thread([self] { self->WatchLoop(); });
  return console;
}

ConsoleServer::~ConsoleServer() {
  stopping_.Notify();
  backend_->CancelWatch();
  feed_.Close();
  if (server_) server_->stop();
  if (serving_.joinable()) serving_.join();
  if (watching_.joinable()) watching_.join();
}

std::string ConsoleServer::url() const {
  const std::string host =
      options_.listen.host.find(':') != std::string::npos ? absl::StrCat("[", options_.listen.host, "]")
                                                          : options_.listen.host;
  return absl::StrCat("http://", host, ":", port_, "/");
}

void ConsoleServer::WatchLoop() {
  while (!stopping_.HasBeenNotified()) {
    absl::Status s = backend_->Watch(
        [this] { feed_.SetConnected(true, "following WatchVerdicts"); },
        [this](const veu::v1::VerdictChange& change) {
          feed_.Publish(VerdictChangeJson(change, absl::Now()));
        });
    if (stopping_.HasBeenNotified()) break;
    feed_.SetConnected(false, absl::StrCat("WatchVerdicts: ", s.message(),
                                           "; reconnecting every second"));
    stopping_.WaitForNotificationWithTimeout(absl::Seconds(1));
  }
}

std::string ConsoleServer::Keep(const std::string& report_id, const std::string& json) {
  absl::MutexLock lock(&mu_);
  for (auto it = kept_.begin(); it != kept_.end(); ++it) {
    if (it->first == report_id) {
      kept_.erase(it);
      break;
    }
  }
  kept_.emplace_back(report_id, json);
  while (kept_.size() > kKeptReports) kept_.pop_front();
  return absl::StrCat("/api/report/file?id=", SafeName(report_id));
}

std::optional<std::string> ConsoleServer::Kept(const std::string& report_id) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [id, json] : kept_) {
    if (SafeName(id) == report_id) return json;
  }
  return std::nullopt;
}

void ConsoleServer::Routes() {
  httplib::Server& s = *server_;
  s.set_default_headers({
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-store"},
  });
  s.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!IsLoopbackHostHeader(req.get_header_value("Host"))) {
      SendError(res, absl::PermissionDeniedError(
                         "the console answers only requests addressed to a loopback host "
                         "(127.0.0.1, [::1], localhost)"));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method != "GET" && req.method != "HEAD" &&
        !IsLoopbackOrigin(req.get_header_value("Origin"))) {
      SendError(res, absl::PermissionDeniedError("request from another origin refused"));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  s.Get("/api/fleet", [this](const httplib::Request&, httplib::Response& res) {
    absl::StatusOr<std::vector<veu::v1::Site>> sites = backend_->ListSites();
    if (!sites.ok()) return SendError(res, sites.status());
    std::vector<UnreadableSite> unreadable;
    std::vector<veu::v1::SiteStatus> statuses = Statuses(*backend_, *sites, &unreadable);
    res.set_content(FleetJson(statuses, unreadable, absl::Now()), kJson);
  });

  s.Get("/api/site", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.get_param_value("name");
    if (name.empty()) return SendError(res, absl::InvalidArgumentError("give ?name=SITE"));
    absl::StatusOr<veu::v1::SiteStatus> status = backend_->GetSiteStatus(name);
    if (!status.ok()) return SendError(res, status.status());
    res.set_content(SiteJson(*status, absl::Now()), kJson);
  });

  s.Get("/api/organisation", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.get_param_value("name");
    if (name.empty()) return SendError(res, absl::InvalidArgumentError("give ?name=ORGANISATION"));
    absl::StatusOr<std::vector<veu::v1::Site>> sites = backend_->ListSites();
    if (!sites.ok()) return SendError(res, sites.status());
    std::vector<veu::v1::Site> mine;
    for (const auto& site : *sites) {
      if (site.organisation() == name) mine.push_back(site);
    }
    if (mine.empty()) {
      return SendError(res, absl::PermissionDeniedError(absl::StrCat(
                                "no site of organisation '", name,
                                "' is within your certificate's scope")));
    }
    std::vector<UnreadableSite> unreadable;
    std::vector<veu::v1::SiteStatus> statuses = Statuses(*backend_, mine, &unreadable);
    if (!unreadable.empty()) return SendError(res, unreadable.front().status);
    res.set_content(OrganisationJson(name, statuses,
                                     options_.policy_pack ? &*options_.policy_pack : nullptr,
                                     absl::Now()),
                    kJson);
  });

  s.Get("/api/report", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string site = req.get_param_value("site");
    if (site.empty() || !req.has_param("from")) {
      return SendError(res, absl::InvalidArgumentError("give ?site=SITE&from=DATE[&to=DATE]"));
    }
    absl::StatusOr<absl::Time> from = ParseUtc("from", req.get_param_value("from"));
    if (!from.ok()) return SendError(res, from.status());
    std::optional<absl::Time> to;
    if (const std::string v = req.get_param_value("to"); !v.empty()) {
      absl::StatusOr<absl::Time> t = ParseUtc("to", v);
      if (!t.ok()) return SendError(res, t.status());
      to = *t;
    }
    if (options_.verifier_key_pem.empty()) {
      return SendError(res, absl::FailedPreconditionError(
                                "start the console with --verifier-key PEM (the verifier's "
                                "public key) to fetch and check reports"));
    }
    absl::StatusOr<veu::v1::ReportFile> file = backend_->GetComplianceReport(site, *from, to);
    if (!file.ok()) return SendError(res, file.status());
    absl::StatusOr<verifier::ReportVerification> v =
        verifier::VerifyAnyReport(file->json(), options_.verifier_key_pem);
    if (!v.ok()) return SendError(res, v.status());
    res.set_content(ReportCheckJson(*v, Keep(file->report_id(), file->json())), kJson);
  });

  // The site's verdict timeline over the last day or week, drawn from a compliance report of
  // that period that the console has verified first: no unsigned history reaches the page.
  s.Get("/api/timeline", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string site = req.get_param_value("site");
    int hours = 24;
    if (site.empty() || (req.has_param("hours") &&
                         (!absl::SimpleAtoi(req.get_param_value("hours"), &hours) || hours < 1 ||
                          hours > 24 * 31))) {
      return SendError(res, absl::InvalidArgumentError("give ?site=SITE[&hours=1..744]"));
    }
    if (options_.verifier_key_pem.empty()) {
      return SendError(res, absl::FailedPreconditionError(
                                "start the console with --verifier-key PEM to draw timelines "
                                "from verified reports"));
    }
    const absl::Time now = absl::Now();
    absl::StatusOr<veu::v1::ReportFile> file =
        backend_->GetComplianceReport(site, now - absl::Hours(hours), now);
    if (!file.ok()) return SendError(res, file.status());
    absl::StatusOr<verifier::ReportVerification> v =
        verifier::VerifyAnyReport(file->json(), options_.verifier_key_pem);
    if (!v.ok()) return SendError(res, v.status());
    if (!v->holds()) {
      return SendError(res, absl::DataLossError(absl::StrCat(
                                "the verifier's report for the period does not verify (",
                                v->findings.front(), "); no timeline drawn")));
    }
    veu::v1::SignedComplianceReport signed_report;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    if (!google::protobuf::util::JsonStringToMessage(file->json(), &signed_report, options).ok()) {
      return SendError(res, absl::InternalError("the verified report did not parse as a message"));
    }
    res.set_content(TimelineJson(signed_report.report(), file->report_id()), kJson);
  });

  s.Get("/api/report/file", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.get_param_value("id");
    std::optional<std::string> json = Kept(id);
    if (!json) {
      return SendError(res, absl::NotFoundError(
                                "no such report fetched in this console session; fetch it again"));
    }
    res.set_header("Content-Disposition",
                   absl::StrCat("attachment; filename=\"report-", SafeName(id), ".json\""));
    res.set_content(*json, "application/json");
  });

  s.Post("/api/verify", [this](const httplib::Request& req, httplib::Response& res) {
    if (options_.verifier_key_pem.empty()) {
      return SendError(res, absl::FailedPreconditionError(
                                "start the console with --verifier-key PEM to check reports"));
    }
    absl::StatusOr<verifier::ReportVerification> v =
        verifier::VerifyAnyReport(req.body, options_.verifier_key_pem);
    if (!v.ok()) return SendError(res, v.status());
    res.set_content(ReportCheckJson(*v, ""), kJson);
  });

  s.Get("/api/events", [this](const httplib::Request& req, httplib::Response& res) {
    uint64_t cursor = 0;
    if (const std::string last = req.get_header_value("Last-Event-ID"); !last.empty()) {
      if (!absl::SimpleAtoi(last, &cursor)) cursor = 0;
    }
    res.set_header("X-Accel-Buffering", "no");
    auto first = std::make_shared<bool>(true);
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, cursor, first](size_t, httplib::DataSink& sink) mutable {
          if (*first) {
            *first = false;
            std::string reason;
            const bool up = feed_.connected(&reason);
            const std::string hello = absl::StrCat(
                "retry: 1000\n", FormatSseEvent(0, "status", FeedStatusJson(up, reason)));
            if (!sink.write(hello.data(), hello.size())) return false;
          }
          std::vector<VerdictFeed::Item> items = feed_.WaitAfter(cursor, options_.keepalive);
          if (stopping_.HasBeenNotified()) return false;
          std::string out;
          if (items.empty()) {
            out = ": keep-alive\n\n";
          }
          for (const VerdictFeed::Item& item : items) {
            out += FormatSseEvent(item.seq, "change", item.json);
            cursor = item.seq;
          }
          return sink.is_writable() && sink.write(out.data(), out.size());
        });
  });

  s.Get(R"(/[A-Za-z0-9_.\-]*)", [](const httplib::Request& req, httplib::Response& res) {
    std::optional<Asset> asset = FindAsset(req.path);
    if (!asset) {
      res.status = 404;
      res.set_content("not found\n", "text/plain; charset=utf-8");
      return;
    }
    res.set_content(std::string(asset->body), asset->content_type);
  });
}

}  // namespace veu::console
