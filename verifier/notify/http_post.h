// One HTTP(S) POST through libcurl: the thin I/O adapter under the webhook notifier.
// Thread-safe (one curl handle per call). Redirects are not followed: a signed delivery goes
// only where it was configured to go. TLS peers are verified against the system CA store.
#ifndef VEU_VERIFIER_NOTIFY_HTTP_POST_H_
#define VEU_VERIFIER_NOTIFY_HTTP_POST_H_

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace veu::verifier::notify {

struct HttpResponse {
  long status = 0;  // NOLINT(runtime/int): libcurl's type
  absl::Duration retry_after = absl::ZeroDuration();  // from a Retry-After header, if any
};

// POSTs `body` with `headers` ("Name: value" each) to `url`, giving up after `timeout` for the
// whole exchange. Any HTTP status is a response (ok); a transport failure (DNS, connect, TLS,
// timeout) is Unavailable, or DeadlineExceeded for a timeout; a malformed or unsupported URL is
// InvalidArgument. If `*abort` becomes true the transfer stops within about a second and
// Cancelled is returned. Messages name the failure, never headers or the body. `ca_file`
// (PEM), when not empty, replaces the system CA store for verifying an https peer.
absl::StatusOr<HttpResponse> HttpPost(const std::string& url,
                                      const std::vector<std::string>& headers,
                                      const std::string& body, absl::Duration timeout,
                                      const std::atomic<bool>* abort,
                                      const std::string& ca_file = "");

}  // namespace veu::verifier::notify

#endif  // VEU_VERIFIER_NOTIFY_HTTP_POST_H_
