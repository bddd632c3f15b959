// A minimal HTTP/1.1 receiver for webhook tests: listens on 127.0.0.1 at an ephemeral port,
// serves one request per connection on its own thread, records every request and answers with
// the status a test-supplied function picks. Not a general HTTP server: no chunked bodies, no
// keep-alive (it answers "Connection: close").
#ifndef VEU_TESTS_VERIFIER_NOTIFY_TEST_HTTP_RECEIVER_H_
#define VEU_TESTS_VERIFIER_NOTIFY_TEST_HTTP_RECEIVER_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace veu::verifier::notify::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lowercased, values trimmed
  std::string body;
  absl::Time received_at;

  // The header's value, or "" if absent. `name` in lower case.
  std::string Header(const std::string& name) const;
};

class TestHttpReceiver {
 public:
  // `respond(request, index)` returns the status for the index-th (0-based) request.
  using Responder = std::function<int(const ReceivedRequest&, size_t index)>;

  explicit TestHttpReceiver(Responder respond);
  ~TestHttpReceiver();
  TestHttpReceiver(const TestHttpReceiver&) = delete;
  TestHttpReceiver& operator=(const TestHttpReceiver&) = delete;

  bool ok() const { return listen_fd_ >= 0; }
  int port() const { return port_; }
  std::string Url(const std::string& path = "/hook") const;

  // Waits until at least `n` requests arrived; false on timeout.
  bool WaitForRequests(size_t n, absl::Duration timeout);
  std::vector<ReceivedRequest> Requests() const;

 private:
  void Serve();
  void HandleConnection(int fd);

  Responder respond_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::vector<ReceivedRequest> requests_ ABSL_GUARDED_BY(mu_);
};

// A 127.0.0.1 port with nothing listening on it (bound then released), for connection errors.
int UnusedLocalPort();

}  // namespace veu::verifier::notify::testing

#endif  // VEU_TESTS_VERIFIER_NOTIFY_TEST_HTTP_RECEIVER_H_
