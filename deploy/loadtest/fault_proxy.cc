// veu-faultproxy: a TCP proxy that makes a network worse, for partition tests without tc netem
// (the kernel here lacks it). It forwards every connection to --upstream, delaying each chunk by
// --delay-ms in each direction; with probability --loss-percent a chunk is held --stall-ms more,
// as a lost segment is held until TCP retransmits it (TCP never shows loss to the endpoints as
// anything but delay; order is kept). SIGUSR1 cuts the network: nothing is forwarded either
// way and connections stay open, as with a pulled cable (a closed socket would be a reset,
// which a partition does not send); SIGUSR2 heals it, and what was held is delivered as
// retransmissions would be. SIGTERM/SIGINT stop it. Bounded: at most --max-connections pairs and
// 64 MiB held per direction (the reader stops reading beyond that, as a full window would).
//
//   veu-faultproxy --listen HOST:PORT --upstream HOST:PORT [--port-file FILE] [--delay-ms D]
//                  [--loss-percent P] [--stall-ms S] [--max-connections N] [--seed N]
//
// It prints one line per event on stderr ("partition on", "partition off", connection counts).
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/flags.h"

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
std::atomic<bool> g_partitioned{false};
std::atomic<int> g_signal_note{0};

void OnSignal(int sig) {
  if (sig == SIGUSR1) {
    g_partitioned = true;
  } else if (sig == SIGUSR2) {
    g_partitioned = false;
  } else {
    g_stop = true;
  }
  g_signal_note = sig;
}

struct Options {
  std::string listen, upstream, port_file;
  int delay_ms = 0;
  double loss_percent = 0;
  int stall_ms = 200;
  int max_connections = 256;
  uint64_t seed = 1;
};

bool SplitHostPort(const std::string& address, std::string* host, std::string* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  return !host->empty() && !port->empty();
}

int Connect(const std::string& address) {
  std::string host, port;
  if (!SplitHostPort(address, &host, &port)) return -1;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

// One direction of one connection: a reader that timestamps chunks and a writer that sends
// each when it is due, never while partitioned.
class Pipe {
 public:
  Pipe(int from, int to, const Options& options, uint64_t seed)
      : from_(from), to_(to), options_(options), rng_(seed) {}

  void Run() {
    std::thread writer([this] { Write(); });
    Read();
    writer.join();
  }
  bool failed() const { return failed_; }

 private:
  struct Chunk {
    Clock::time_point due;
    std::string bytes;
  };
  static constexpr size_t kMaxHeld = 64 << 20;

  void Read() {
    std::uniform_real_distribution<double> coin(0, 100);
    char buffer[16384];
    while (!g_stop) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        // A full window: stop reading until the writer catches up (or the run ends).
        cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return held_ < kMaxHeld || done_; });
        if (done_) break;
        if (held_ >= kMaxHeld) continue;
      }
      pollfd p{from_, POLLIN, 0};
      const int ready = poll(&p, 1, 100);
      if (ready == 0) continue;
      if (ready < 0 && errno == EINTR) continue;
      const ssize_t n = ready > 0 ? read(from_, buffer, sizeof buffer) : -1;
      if (n <= 0) break;
      Clock::duration delay = std::chrono::milliseconds(options_.delay_ms);
      if (options_.loss_percent > 0 && coin(rng_) < options_.loss_percent) {
        delay += std::chrono::milliseconds(options_.stall_ms);
      }
      std::lock_guard<std::mutex> lock(mu_);
      Clock::time_point due = Clock::now() + delay;
      if (!queue_.empty() && due < queue_.back().due) due = queue_.back().due;  // keep order
      queue_.push_back(Chunk{due, std::string(buffer, static_cast<size_t>(n))});
      held_ += static_cast<size_t>(n);
      cv_.notify_all();
    }
    std::lock_guard<std::mutex> lock(mu_);
    eof_ = true;
    cv_.notify_all();
  }

  void Write() {
    while (!g_stop) {
      Chunk chunk;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(20), [this] { return !queue_.empty() || eof_; });
        if (queue_.empty()) {
          if (eof_) break;
          continue;
        }
        if (g_partitioned || Clock::now() < queue_.front().due) {
          lock.unlock();
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          continue;
        }
        chunk = std::move(queue_.front());
        queue_.pop_front();
        held_ -= chunk.bytes.size();
        cv_.notify_all();
      }
      size_t sent = 0;
      while (sent < chunk.bytes.size()) {
        const ssize_t n = send(to_, chunk.bytes.data() + sent, chunk.bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
          failed_ = true;
          break;
        }
        sent += static_cast<size_t>(n);
      }
      if (failed_) break;
    }
    // The reader's side ended (or the peer went away): pass the end on, as TCP would.
    shutdown(to_, SHUT_WR);
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    cv_.notify_all();
  }

  const int from_, to_;
  const Options& options_;
  std::mt19937_64 rng_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk> queue_;
  size_t held_ = 0;
  bool eof_ = false;
  bool done_ = false;
  std::atomic<bool> failed_{false};
};

int Listen(const std::string& address, int* bound_port) {
  std::string host, port_text;
  int port = 0;
  if (!SplitHostPort(address, &host, &port_text) || !absl::SimpleAtoi(port_text, &port)) return -1;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 128) != 0) {
    close(fd);
    return -1;
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *bound_port = ntohs(addr.sin_port);
  return fd;
}

int Usage(const std::string& why) {
  std::cerr << "veu-faultproxy: " << why << "\n"
            << "usage: veu-faultproxy --listen HOST:PORT --upstream HOST:PORT [--port-file FILE] "
               "[--delay-ms D] [--loss-percent P] [--stall-ms S] [--max-connections N] [--seed N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<veu::ParsedFlags> flags = veu::ParseFlags(
      std::vector<std::string>(argv + 1, argv + argc),
      {"listen", "upstream", "port-file", "delay-ms", "loss-percent", "stall-ms", "max-connections",
       "seed"},
      {});
  if (!flags.ok()) return Usage(std::string(flags.status().message()));
  Options o;
  if (!flags->Get("listen") || !flags->Get("upstream")) return Usage("--listen and --upstream are needed");
  o.listen = *flags->Get("listen");
  o.upstream = *flags->Get("upstream");
  o.port_file = flags->Get("port-file").value_or("");
  auto number = [&](const char* name, auto* out) {
    if (auto v = flags->Get(name)) {
      if constexpr (std::is_same_v<std::remove_pointer_t<decltype(out)>, double>) {
        return absl::SimpleAtod(*v, out);
      } else {
        return absl::SimpleAtoi(*v, out);
      }
    }
    return true;
  };
  if (!number("delay-ms", &o.delay_ms) || !number("loss-percent", &o.loss_percent) ||
      !number("stall-ms", &o.stall_ms) || !number("max-connections", &o.max_connections) ||
      !number("seed", &o.seed) || o.delay_ms < 0 || o.stall_ms < 0 || o.loss_percent < 0 ||
      o.loss_percent > 100 || o.max_connections < 1) {
    return Usage("a number flag is not a number in range");
  }

  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGUSR1, SIGUSR2, SIGTERM, SIGINT}) sigaction(sig, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);

  int port = 0;
  const int listener = Listen(o.listen, &port);
  if (listener < 0) return Usage(absl::StrCat("cannot listen on ", o.listen, ": ", strerror(errno)));
  if (!o.port_file.empty()) std::ofstream(o.port_file) << port << "\n";
  std::cerr << "veu-faultproxy: :" << port << " -> " << o.upstream << ", delay " << o.delay_ms
            << " ms, loss " << o.loss_percent << " % (stall " << o.stall_ms << " ms)\n";

  std::atomic<int> open{0};
  uint64_t accepted = 0;
  std::vector<std::thread> threads;
  while (!g_stop) {
    if (const int sig = g_signal_note.exchange(0); sig == SIGUSR1 || sig == SIGUSR2) {
      std::cerr << "veu-faultproxy: partition " << (sig == SIGUSR1 ? "on" : "off") << ", "
                << open.load() << " connections open\n";
    }
    pollfd p{listener, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const int client = accept(listener, nullptr, nullptr);
    if (client < 0) continue;
    if (open.load() >= o.max_connections) {
      close(client);
      continue;
    }
    int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++accepted;
    open.fetch_add(1);
    const uint64_t seed = o.seed * 1000003u + accepted;
    threads.emplace_back([client, &o, &open, seed] {
      // While partitioned nothing reaches the upstream, new connections included: the client's
      // handshake waits, as a SYN would go unanswered, until the network heals.
      while (g_partitioned && !g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const int server = g_stop ? -1 : Connect(o.upstream);
      if (server >= 0) {
        Pipe up(client, server, o, seed);
        Pipe down(server, client, o, seed + 1);
        std::thread t([&down] { down.Run(); });
        up.Run();
        t.join();
        close(server);
      }
      close(client);
      open.fetch_sub(1);
    });
  }
  close(listener);
  for (std::thread& t : threads) t.join();
  std::cerr << "veu-faultproxy: stopped after " << accepted << " connections\n";
  return 0;
}
