// The agent's challenge responder: a TCP listener that answers landmarks' timed challenges
// (common/location/challenge_wire.h) with the current epoch key. The path from a frame's last
// byte to the answer's write is one parse and one Ed25519 signature; TCP_NODELAY on every
// connection so the answer is not held back by Nagle. Bounded: at most kMaxConnections at
// once (more are closed at accept), frames over kMaxFrame close the connection, a connection
// idle for 10 s is closed. A frame that does not parse, or names another epoch, closes the
// connection without an answer (the landmark counts it as refused).
// Thread-safe: Start once, Stop once (also from the destructor).
#ifndef VEU_AGENT_LOCATION_RESPONDER_H_
#define VEU_AGENT_LOCATION_RESPONDER_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "agent/location/epoch_key.h"

namespace veu::agent {

class ChallengeResponder {
 public:
  static constexpr int kMaxConnections = 16;

  // Listens on `host:port` (port 0: the OS chooses; port() says which). Unavailable when the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<ChallengeResponder>> Start(const std::string& host,
                                                                   int port,
                                                                   const EpochKeyring* keys);
  ~ChallengeResponder();
  void Stop();
  int port() const { return port_; }
  uint64_t answered() const { return answered_.load(); }

 private:
  ChallengeResponder(int fd, int port, const EpochKeyring* keys)
      : listen_fd_(fd), port_(port), keys_(keys) {}
  void AcceptLoop();
  void Serve(uint64_t id, int fd);
  void ReapFinished();

  const int listen_fd_;
  const int port_;
  const EpochKeyring* const keys_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> live_{0};
  std::atomic<uint64_t> answered_{0};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<int> conns_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, std::thread> workers_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> finished_ ABSL_GUARDED_BY(mu_);  // joined by the acceptor, so a
                                                         // long-lived agent keeps no dead threads
};

}  // namespace veu::agent

#endif  // VEU_AGENT_LOCATION_RESPONDER_H_
