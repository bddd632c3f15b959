#include "tests/verifier/notify/test_http_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"

namespace veu::verifier::notify::testing {
namespace {

constexpr size_t kMaxRequestBytes = 1 << 20;

int BindLoopback(int* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

// Reads until `pred(buffer)` holds, the peer closes, or the limit; false on error/limit.
template <typename Pred>
bool ReadUntil(int fd, std::string* buf, Pred pred) {
  char chunk[4096];
  while (!pred(*buf)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf->append(chunk, static_cast<size_t>(n));
    if (buf->size() > kMaxRequestBytes) return false;
  }
  return true;
}

}  // namespace

std::string ReceivedRequest::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

TestHttpReceiver::TestHttpReceiver(Responder respond) : respond_(std::move(respond)) {
  listen_fd_ = BindLoopback(&port_);
  if (listen_fd_ >= 0 && ::listen(listen_fd_, 16) != 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  if (listen_fd_ >= 0) thread_ = std::thread([this] { Serve(); });
}

TestHttpReceiver::~TestHttpReceiver() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::string TestHttpReceiver::Url(const std::string& path) const {
  return absl::StrCat("http://127.0.0.1:", port_, path);
}

bool TestHttpReceiver::WaitForRequests(size_t n, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return requests_.size() >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

std::vector<ReceivedRequest> TestHttpReceiver::Requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

void TestHttpReceiver::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    HandleConnection(fd);
    ::close(fd);
  }
}

void TestHttpReceiver::HandleConnection(int fd) {
  std::string buf;
  if (!ReadUntil(fd, &buf, [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; })) {
    return;
  }
  const size_t head_end = buf.find("\r\n\r\n");
  ReceivedRequest req;
  std::vector<std::string> lines = absl::StrSplit(buf.substr(0, head_end), "\r\n");
  if (lines.empty()) return;
  std::vector<std::string> start = absl::StrSplit(lines[0], ' ');
  if (start.size() != 3) return;
  req.method = start[0];
  req.target = start[1];
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    req.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  size_t length = 0;
  if (!req.Header("content-length").empty() && !absl::SimpleAtoi(req.Header("content-length"), &length)) {
    return;
  }
  if (length > kMaxRequestBytes) return;
  const size_t body_start = head_end + 4;
  if (!ReadUntil(fd, &buf, [&](const std::string& b) { return b.size() >= body_start + length; })) return;
  req.body = buf.substr(body_start, length);
  req.received_at = absl::Now();

  size_t index;
  {
    absl::MutexLock lock(&mu_);
    index = requests_.size();
  }
  const int status = respond_(req, index);
  const std::string reply =
      absl::StrCat("HTTP/1.1 ", status, " Test\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  size_t sent = 0;
  while (sent < reply.size()) {
    const ssize_t n = ::send(fd, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  // Record after answering, so a test that saw N requests also sees their answers sent.
  absl::MutexLock lock(&mu_);
  requests_.push_back(std::move(req));
}

int UnusedLocalPort() {
  int port = 0;
  const int fd = BindLoopback(&port);
  if (fd < 0) return 0;
  ::close(fd);
  return port;
}

}  // namespace veu::verifier::notify::testing
