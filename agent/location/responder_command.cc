#include "agent/location/responder_command.h"

#include <signal.h>

#include <fstream>
#include <iostream>

#include "absl/time/clock.h"
#include "agent/location/startup.h"
#include "common/flags.h"
#include "common/hex.h"

namespace veu::agent {

int RunLocationResponderCommand(const std::vector<std::string>& args) {
  auto f = ParseFlags(args, {"listen", "port-file"}, {});
  if (!f.ok() || !f->Get("listen")) {
    std::cerr << "usage: veu-agent location-responder --listen IPV4:PORT [--port-file FILE]\n";
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread starts
  absl::StatusOr<LocationResponderHandle> h = StartLocationResponder(*f->Get("listen"), absl::Now());
  if (!h.ok()) {
    std::cerr << "veu-agent location-responder: " << h.status().message() << "\n";
    return 2;
  }
  const veu::v1::LocationKey k = h->keys->FactsEntry();
  std::cout << "epoch " << k.epoch() << " key " << ToHex(k.ed25519_public()) << " port "
            << h->responder->port() << std::endl;
  if (auto pf = f->Get("port-file")) std::ofstream(*pf) << h->responder->port() << "\n";
  int sig = 0;
  sigwait(&set, &sig);
  h->responder->Stop();
  return 0;
}

}  // namespace veu::agent
