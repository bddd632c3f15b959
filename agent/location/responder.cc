#include "agent/location/responder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/location/challenge_wire.h"
#include "common/location/frame_io.h"

namespace veu::agent {
namespace {
constexpr int kIdleTimeoutMs = 10'000;
}  // namespace

absl::StatusOr<std::unique_ptr<ChallengeResponder>> ChallengeResponder::Start(
    const std::string& host, int port, const EpochKeyring* keys) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat("responder address '", host, "' is not an IPv4 address"));
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 16) != 0) {
    const std::string err = std::strerror(errno);
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot listen on ", host, ":", port, ": ", err));
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::unique_ptr<ChallengeResponder> r(new ChallengeResponder(fd, ntohs(addr.sin_port), keys));
  r->acceptor_ = std::thread([p = r.get()] { p->AcceptLoop(); });
  return r;
}

ChallengeResponder::~ChallengeResponder() { Stop(); }

void ChallengeResponder::Stop() {
  if (stopping_.exchange(true)) return;
  shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  close(listen_fd_);
  std::map<uint64_t, std::thread> workers;
  {
    absl::MutexLock lock(&mu_);
    for (int fd : conns_) shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  for (auto& [id, t] : workers) t.join();
}

void ChallengeResponder::ReapFinished() {
  std::vector<std::thread> done;
  {
    absl::MutexLock lock(&mu_);
    for (uint64_t id : finished_) {
      auto it = workers_.find(id);
      if (it == workers_.end()) continue;
      done.push_back(std::move(it->second));
      workers_.erase(it);
    }
    finished_.clear();
  }
  for (std::thread& t : done) t.join();
}

void ChallengeResponder::AcceptLoop() {
  while (!stopping_.load()) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    ReapFinished();
    if (fd < 0) {
      if (errno == EINTR) continue;
      return;  // shut down
    }
    if (live_.load() >= kMaxConnections || stopping_.load()) {
      close(fd);
      continue;
    }
    location::SetNoDelay(fd);
    live_.fetch_add(1);
    absl::MutexLock lock(&mu_);
    conns_.push_back(fd);
    const uint64_t id = next_id_++;
    workers_.emplace(id, std::thread([this, id, fd] { Serve(id, fd); }));
  }
}

void ChallengeResponder::Serve(uint64_t id, int fd) {
  while (!stopping_.load()) {
    absl::StatusOr<std::string> frame = location::ReadFrame(fd, kIdleTimeoutMs);
    if (!frame.ok()) break;
    // The answer path the landmark times: from here to the write.
    std::shared_ptr<const EpochKey> k = keys_->Current();
    absl::StatusOr<std::string> answer = location::AnswerChallenge(k->key, k->epoch, *frame);
    if (!answer.ok() || !location::WriteFrame(fd, *answer).ok()) break;
    answered_.fetch_add(1);
  }
  {
    absl::MutexLock lock(&mu_);
    conns_.erase(std::remove(conns_.begin(), conns_.end(), fd), conns_.end());
    finished_.push_back(id);
  }
  close(fd);
  live_.fetch_sub(1);
}

}  // namespace veu::agent
