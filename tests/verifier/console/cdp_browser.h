// A headless Chromium (Debian's /usr/bin/chromium) driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: NUL-terminated JSON on fds 3 and 4), for browser tests without a
// WebDriver, a WebSocket library or a browser download. One page; calls are synchronous.
// Not thread-safe.
#ifndef VEU_TESTS_VERIFIER_CONSOLE_CDP_BROWSER_H_
#define VEU_TESTS_VERIFIER_CONSOLE_CDP_BROWSER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"

namespace veu::testing {

// The browser's path ($VEU_CHROMIUM or /usr/bin/chromium), or "" if there is none.
std::string ChromiumPath();

class CdpBrowser {
 public:
  // Starts the browser with a fresh profile under `dir` (its log at dir/chromium.log) and
  // opens one page. Unavailable if it does not start or answer.
  static absl::StatusOr<std::unique_ptr<CdpBrowser>> Launch(const std::string& dir);
  ~CdpBrowser();

  // Sends a command to the page (params: a JSON object) and returns its "result".
  absl::StatusOr<google::protobuf::Struct> Call(const std::string& method,
                                                const std::string& params_json = "{}");
  // Viewport size in CSS pixels (device scale 1).
  absl::Status SetViewport(int width, int height);
  absl::Status Navigate(const std::string& url);
  // Evaluates `expression` in the page (awaiting a promise) and returns JSON.stringify of it.
  absl::StatusOr<std::string> Evaluate(const std::string& expression);
  // Polls `expression` every 50 ms until it is true; false after `timeout`.
  bool WaitFor(const std::string& expression, absl::Duration timeout);
  // The whole page as PNG, at the current viewport width.
  absl::Status Screenshot(const std::string& path);

 private:
  CdpBrowser() = default;
  absl::StatusOr<google::protobuf::Struct> Send(const std::string& method,
                                                const std::string& params_json,
                                                const std::string& session);
  pid_t pid_ = -1;
  int to_browser_ = -1;
  int from_browser_ = -1;
  int next_id_ = 1;
  std::string buffer_;
  std::string session_;
};

// s as a JSON string literal (also a JavaScript one).
std::string JsonQuote(const std::string& s);

}  // namespace veu::testing

#endif  // VEU_TESTS_VERIFIER_CONSOLE_CDP_BROWSER_H_
