// MetricsServer: serves Metrics::Render() at GET /metrics (Prometheus text exposition) and, when
// given a health function, GET /healthz (200 "SERVING", or 503 "NOT_SERVING: reason": for
// Kubernetes probes and load balancers that speak HTTP, not gRPC health over TLS) over plain HTTP
// on its own thread, with cpp-httplib (Debian's libcpp-httplib-dev). Anything else is 404. It
// exposes counts, latencies and the store's state only, never IDs, evidence or secrets.
#ifndef VEU_VERIFIER_SERVICE_METRICS_SERVER_H_
#define VEU_VERIFIER_SERVICE_METRICS_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "verifier/service/metrics.h"

namespace httplib {
class Server;
}

namespace veu::verifier {

class MetricsServer {
 public:
  // `address` is HOST:PORT (port 0 picks a free one, see port()). Unavailable if it cannot bind.
  // `healthy` returns whether the verifier serves and, if not, sets the reason.
  using Healthy = std::function<bool(std::string* reason)>;
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& address,
                                                              const Metrics* metrics,
                                                              Healthy healthy = nullptr);
  ~MetricsServer();  // stops serving
  int port() const { return port_; }

 private:
  MetricsServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_METRICS_SERVER_H_
