#include "verifier/service/metrics_server.h"

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace veu::verifier {

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& address,
                                                                    const Metrics* metrics,
                                                                    Healthy healthy) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address '", address, "' is not HOST:PORT"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->server_ = std::make_unique<httplib::Server>();
  server->server_->Get("/metrics", [metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics->Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  if (healthy) {
    server->server_->Get("/healthz", [healthy](const httplib::Request&, httplib::Response& res) {
      std::string reason;
      const bool serving = healthy(&reason);
      // One line, whatever the store's error text holds (libpq's messages span several).
      for (char& c : reason) {
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
      }
      if (serving) {
        res.set_content("SERVING\n", "text/plain; charset=utf-8");
      } else {
        res.status = 503;
        res.set_content(absl::StrCat("NOT_SERVING: ", reason, "\n"), "text/plain; charset=utf-8");
      }
    });
  }
  if (port == 0) {
    server->port_ = server->server_->bind_to_any_port(host.c_str());
  } else if (server->server_->bind_to_port(host.c_str(), port)) {
    server->port_ = port;
  }
  if (server->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for metrics on ", address));
  }
  httplib::Server* raw = server->server_.get();
  server->thread_ = std::thread([raw] { raw->listen_after_bind(); });
  return server;
}

MetricsServer::~MetricsServer() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace veu::verifier
