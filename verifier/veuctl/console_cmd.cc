// veuctl console: a web console on this machine's loopback over the regulator API, acting with
// the caller's client certificate (verifier/console/console_server.h).
//
//   veuctl console [--listen 127.0.0.1:8080] [--verifier-key PEM] [--policy-pack FILE]
//                  --server H:P --cert C --key K --ca CA
// Prints "console: http://HOST:PORT/" once it serves (port 0 picks a free one), then serves
// until SIGINT or SIGTERM (exit 0). Exit 2 for bad flags, unreadable files, a non-loopback
// --listen or a port it cannot bind.
#include <pthread.h>
#include <signal.h>

#include <iostream>

#include "common/facts/policy_pack.h"
#include "common/rpc/tls.h"
#include "verifier/console/console_server.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/regulator_client.h"

namespace veu::veuctl {
namespace {

int Fail(const std::string& message) {
  std::cerr << "veuctl console: " << message << "\n";
  return kExitUsage;
}

int RunConsole(const std::vector<std::string>& args) {
  std::set<std::string> names = RegulatorFlagNames();
  names.insert({"listen", "verifier-key", "policy-pack"});
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, names, {});
  if (!flags.ok()) return Fail(std::string(flags.status().message()));
  if (!flags->positional.empty()) return Fail("takes no positional arguments");
  absl::StatusOr<console::ListenAddress> listen =
      console::ParseLoopbackListen(flags->Get("listen").value_or("127.0.0.1:8080"));
  if (!listen.ok()) return Fail(std::string(listen.status().message()));
  console::ConsoleOptions options;
  options.listen = *listen;
  if (auto key = flags->Get("verifier-key")) {
    absl::StatusOr<std::string> pem = ReadFileToString(*key, 64 << 10);
    if (!pem.ok()) return Fail(std::string(pem.status().message()));
    options.verifier_key_pem = *pem;
  } else {
    std::cerr << "veuctl console: no --verifier-key: the reports page cannot check reports\n";
  }
  if (auto pack = flags->Get("policy-pack")) {
    absl::StatusOr<veu::v1::PolicyPack> loaded = facts::LoadPolicyPackFile(*pack);
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    options.policy_pack = *loaded;
  }
  absl::StatusOr<std::unique_ptr<veu::v1::Regulator::Stub>> stub = ConnectRegulator(*flags);
  if (!stub.ok()) return Fail(std::string(stub.status().message()));
  console::GrpcRegulatorBackend backend(*std::move(stub));

  // Block the stop signals in every thread the server starts; this thread waits for them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  absl::StatusOr<std::unique_ptr<console::ConsoleServer>> server =
      console::ConsoleServer::Start(options, &backend);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  std::cout << "console: " << (*server)->url() << std::endl;
  std::cerr << "serving on loopback only, acting with " << flags->Get("cert").value_or("$VEU_CLIENT_CERT")
            << "; Ctrl-C to stop\n";
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  server->reset();
  return kExitAccepted;
}

}  // namespace

VEUCTL_COMMAND(kConsole, "console",
               "console [--listen 127.0.0.1:8080] [--verifier-key PEM] [--policy-pack FILE] "
               "--server H:P --cert C --key K --ca CA   (web console on loopback)",
               RunConsole);

}  // namespace veu::veuctl
