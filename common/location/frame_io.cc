#include "common/location/frame_io.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/location/challenge_wire.h"

namespace veu::location {
namespace {

absl::Status ReadExactly(int fd, char* out, size_t n,
                         std::chrono::steady_clock::time_point deadline) {
  size_t got = 0;
  while (got < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return absl::DeadlineExceededError("no answer in time");
    pollfd p{fd, POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return absl::UnavailableError(absl::StrCat("poll: ", std::strerror(errno)));
    if (r == 0) return absl::DeadlineExceededError("no answer in time");
    const ssize_t k = recv(fd, out + got, n - got, 0);
    if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (k <= 0) return absl::UnavailableError("the peer closed the connection");
    got += static_cast<size_t>(k);
  }
  return absl::OkStatus();
}

}  // namespace

void SetNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

absl::Status WriteFrame(int fd, absl::string_view frame) {
  if (frame.size() > kMaxFrame) {
    return absl::InvalidArgumentError(absl::StrCat("frame of ", frame.size(), " bytes is over ", kMaxFrame));
  }
  std::string buf;
  buf.push_back(static_cast<char>(frame.size() >> 8));
  buf.push_back(static_cast<char>(frame.size() & 0xff));
  buf.append(frame.data(), frame.size());
  size_t sent = 0;
  while (sent < buf.size()) {
    const ssize_t k = send(fd, buf.data() + sent, buf.size() - sent, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return absl::UnavailableError(absl::StrCat("send: ", std::strerror(errno)));
    sent += static_cast<size_t>(k);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFrame(int fd, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char len[2];
  absl::Status s = ReadExactly(fd, len, 2, deadline);
  if (!s.ok()) return s;
  const size_t n = (static_cast<size_t>(static_cast<uint8_t>(len[0])) << 8) | static_cast<uint8_t>(len[1]);
  if (n > kMaxFrame) {
    return absl::InvalidArgumentError(absl::StrCat("frame of ", n, " bytes announced; at most ", kMaxFrame));
  }
  std::string out(n, '\0');
  s = ReadExactly(fd, out.data(), n, deadline);
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<int> ConnectTcp(const std::string& address, int timeout_ms) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("'", address, "' is not host:port"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = address.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", address));
  }
  int fd = -1;
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot connect to ", address, ": ", std::strerror(errno)));
  SetNoDelay(fd);
  return fd;
}

}  // namespace veu::location
