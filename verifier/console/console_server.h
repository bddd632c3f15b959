// ConsoleServer: `veuctl console`'s web server on loopback. It serves the embedded pages
// (assets.h) and a small JSON API the pages read, each answer made from the regulator API with
// the user's own client certificate (RegulatorBackend), so the browser never holds a credential
// and sees exactly the certificate's scope:
//   GET  /api/fleet                      sites in scope with their verdicts (views.h FleetJson)
//   GET  /api/site?name=S                one site (403 outside the scope or unknown, alike)
//   GET  /api/organisation?name=O        compute by country against the UVEU shares
//   GET  /api/events                     verdict changes as server-sent events ("change",
//                                        and "status" for the watch stream's state)
//   GET  /api/report?site=S&from=T[&to=T]  fetch a compliance report, verify it here with the
//                                        verifier's public key; the signed file then at
//   GET  /api/report/file?id=ID          exactly as signed, as a download
//   GET  /api/timeline?site=S&hours=24   verdicts per node over the period, from a verified
//                                        compliance report (timeline.h)
//   POST /api/verify                     verify a report file the user holds (the body)
// Requests whose Host header is not loopback are refused (DNS rebinding), POSTs from another
// origin too; pages carry a strict Content-Security-Policy (no inline script, nothing from
// elsewhere). One thread follows WatchVerdicts for every page (VerdictFeed), reconnecting
// after a second when the stream ends. Thread-safe; the destructor stops serving and waits.
#ifndef VEU_VERIFIER_CONSOLE_CONSOLE_SERVER_H_
#define VEU_VERIFIER_CONSOLE_CONSOLE_SERVER_H_

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "verifier/console/listen_address.h"
#include "verifier/console/regulator_backend.h"
#include "verifier/console/verdict_feed.h"
#include "veu/v1/policy.pb.h"

namespace httplib {
class Server;
}

namespace veu::console {

struct ConsoleOptions {
  ListenAddress listen;               // loopback (ParseLoopbackListen)
  std::string verifier_key_pem;       // the verifier's public key; empty: reports not checked
  std::optional<veu::v1::PolicyPack> policy_pack;  // for the organisation page's limits
  // How long an SSE response waits for a change before it sends a keep-alive (which also
  // notices a page that went away).
  absl::Duration keepalive = absl::Seconds(10);
};

class ConsoleServer {
 public:
  // Unavailable if it cannot bind. `backend` must outlive the server.
  static absl::StatusOr<std::unique_ptr<ConsoleServer>> Start(ConsoleOptions options,
                                                              RegulatorBackend* backend);
  ~ConsoleServer();
  int port() const { return port_; }
  // "http://127.0.0.1:PORT/"
  std::string url() const;

 private:
  ConsoleServer(ConsoleOptions options, RegulatorBackend* backend);
  void Routes();
  void WatchLoop();
  // Keeps the last few fetched files for download; returns the download path.
  std::string Keep(const std::string& report_id, const std::string& json);
  std::optional<std::string> Kept(const std::string& report_id) const;

  const ConsoleOptions options_;
  RegulatorBackend* const backend_;
  std::unique_ptr<httplib::Server> server_;
  std::thread serving_;
  std::thread watching_;
  VerdictFeed feed_;
  absl::Notification stopping_;
  int port_ = 0;
  mutable absl::Mutex mu_;
  std::deque<std::pair<std::string, std::string>> kept_ ABSL_GUARDED_BY(mu_);
};

}  // namespace veu::console

#endif  // VEU_VERIFIER_CONSOLE_CONSOLE_SERVER_H_
