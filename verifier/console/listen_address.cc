#include "verifier/console/listen_address.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace veu::console {
namespace {

// 127.0.0.0/8 in dotted decimal, exactly four parts of 0..255.
bool IsIpv4Loopback(absl::string_view host) {
  std::vector<absl::string_view> parts = absl::StrSplit(host, '.');
  if (parts.size() != 4) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    int v = -1;
    if (parts[i].empty() || parts[i].size() > 3 || !absl::SimpleAtoi(parts[i], &v) || v < 0 ||
        v > 255) {
      return false;
    }
    for (char c : parts[i]) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    }
    if (i == 0 && v != 127) return false;
  }
  return true;
}

bool IsLoopbackHost(absl::string_view host) {
  return IsIpv4Loopback(host) || host == "::1" || absl::AsciiStrToLower(host) == "localhost";
}

// Splits "host:port" / "[v6]:port" / "host" / "[v6]"; false if malformed.
bool SplitHostPort(absl::string_view in, absl::string_view* host, absl::string_view* port) {
  *port = "";
  if (!in.empty() && in.front() == '[') {
    const size_t close = in.find(']');
    if (close == absl::string_view::npos) return false;
    *host = in.substr(1, close - 1);
    absl::string_view rest = in.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    *port = rest.substr(1);
    return true;
  }
  const size_t colon = in.rfind(':');
  if (colon == absl::string_view::npos) {
    *host = in;
    return true;
  }
  if (in.find(':') != colon) return false;  // a bare IPv6 address needs brackets
  *host = in.substr(0, colon);
  *port = in.substr(colon + 1);
  return true;
}

bool ValidPort(absl::string_view port, int* out) {
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(port, out) && *out >= 0 && *out <= 65535;
}

}  // namespace

absl::StatusOr<ListenAddress> ParseLoopbackListen(absl::string_view address) {
  absl::string_view host, port;
  int number = -1;
  if (!SplitHostPort(address, &host, &port) || !ValidPort(port, &number)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen '", address, "' is not HOST:PORT (e.g. 127.0.0.1:8080)"));
  }
  if (!IsLoopbackHost(host)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen '", address,
        "': the console acts with your client certificate and listens on loopback only "
        "(127.0.0.1, [::1] or localhost); reach it from elsewhere through an SSH tunnel"));
  }
  ListenAddress out;
  out.host = absl::AsciiStrToLower(host) == "localhost" ? "127.0.0.1" : std::string(host);
  out.port = number;
  return out;
}

bool IsLoopbackHostHeader(absl::string_view header) {
  absl::string_view host, port;
  int number = 0;
  if (header.empty() || !SplitHostPort(header, &host, &port)) return false;
  if (!port.empty() && !ValidPort(port, &number)) return false;
  return IsLoopbackHost(host);
}

bool IsLoopbackOrigin(absl::string_view origin) {
  if (origin.empty()) return true;
  if (!absl::ConsumePrefix(&origin, "http://")) return false;
  return IsLoopbackHostHeader(origin);
}

}  // namespace veu::console
