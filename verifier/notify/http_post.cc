#include "verifier/notify/http_post.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace veu::verifier::notify {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// curl_global_init is not guaranteed thread-safe on every build; do it once.
bool GlobalInit() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return ok;
}

// The response body is of no interest (status decides); read and discard it so the
// connection completes normally.
size_t DiscardBody(char*, size_t size, size_t nmemb, void*) { return size * nmemb; }

int AbortCheck(void* clientp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* abort = static_cast<const std::atomic<bool>*>(clientp);
  return abort != nullptr && abort->load(std::memory_order_relaxed) ? 1 : 0;
}

}  // namespace

absl::StatusOr<HttpResponse> HttpPost(const std::string& url,
                                      const std::vector<std::string>& headers,
                                      const std::string& body, absl::Duration timeout,
                                      const std::atomic<bool>* abort,
                                      const std::string& ca_file) {
  if (!GlobalInit()) return absl::InternalError("libcurl failed to initialise");
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return absl::ResourceExhaustedError("libcurl could not create a handle");
  std::unique_ptr<curl_slist, SlistDeleter> list;
  for (const auto& h : headers) {
    curl_slist* next = curl_slist_append(list.get(), h.c_str());
    if (next == nullptr) return absl::ResourceExhaustedError("libcurl could not add a header");
    (void)list.release();
    list.reset(next);
  }
  // "Expect: 100-continue" would add a round trip for bodies over 1 KiB; receivers don't need it.
  curl_slist* next = curl_slist_append(list.get(), "Expect:");
  if (next == nullptr) return absl::ResourceExhaustedError("libcurl could not add a header");
  (void)list.release();
  list.reset(next);

  const long timeout_ms = static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(timeout)));
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // we are multi-threaded; no SIGALRM for DNS timeouts
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &DiscardBody);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &AbortCheck);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(abort));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "veu-verifier-webhook/1");
  if (!ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, ca_file.c_str());

  const CURLcode rc = curl_easy_perform(c);
  switch (rc) {
    case CURLE_OK:
      break;
    case CURLE_ABORTED_BY_CALLBACK:
      return absl::CancelledError("delivery abandoned at shutdown");
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(
          absl::StrCat("no response within ", absl::FormatDuration(timeout)));
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::InvalidArgumentError(absl::StrCat("unusable URL: ", curl_easy_strerror(rc)));
    default:
      return absl::UnavailableError(curl_easy_strerror(rc));
  }
  HttpResponse response;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  curl_off_t retry_after = 0;
  if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0) {
    response.retry_after = absl::Seconds(retry_after);
  }
  return response;
}

}  // namespace veu::verifier::notify
