// Where `veuctl console --listen` may listen, and which requests it answers: loopback only.
// The console holds the user's client certificate and acts with its scope, so it must never
// be reachable from another machine, and a web page on another origin must not reach it by
// DNS rebinding (a name that resolves to 127.0.0.1): requests are answered only when their
// Host header names a loopback address or "localhost". Pure.
#ifndef VEU_VERIFIER_CONSOLE_LISTEN_ADDRESS_H_
#define VEU_VERIFIER_CONSOLE_LISTEN_ADDRESS_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace veu::console {

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1" (without brackets)
  int port = 0;      // 0: any free port
};

// "127.0.0.1:8080", "localhost:8080" (as 127.0.0.1), "[::1]:8080". InvalidArgument for
// anything that is not HOST:PORT or whose host is not a loopback address.
absl::StatusOr<ListenAddress> ParseLoopbackListen(absl::string_view address);

// Whether a request's Host header ("127.0.0.1:8080", "localhost:8080", "[::1]:8080", with or
// without the port) names this machine's loopback. Empty: false.
bool IsLoopbackHostHeader(absl::string_view host);

// Whether an Origin header ("http://127.0.0.1:8080") is a loopback origin. Absent (empty): true
// (same-origin GETs carry none); "null" and other origins: false.
bool IsLoopbackOrigin(absl::string_view origin);

}  // namespace veu::console

#endif  // VEU_VERIFIER_CONSOLE_LISTEN_ADDRESS_H_
