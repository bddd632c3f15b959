#include "tests/verifier/console/cdp_browser.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"

namespace veu::testing {
namespace {

constexpr absl::Duration kCallTimeout = absl::Seconds(30);

const google::protobuf::Value* Field(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? nullptr : &it->second;
}

}  // namespace

std::string ChromiumPath() {
  if (const char* env = std::getenv("VEU_CHROMIUM"); env != nullptr && *env != '\0') return env;
  return access("/usr/bin/chromium", X_OK) == 0 ? "/usr/bin/chromium" : "";
}

std::string JsonQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += "\"";
  // U+2028/2029 are valid in JSON strings but ended JavaScript strings before ES2019.
  return out;
}

absl::StatusOr<std::unique_ptr<CdpBrowser>> CdpBrowser::Launch(const std::string& dir) {
  const std::string chromium = ChromiumPath();
  if (chromium.empty()) return absl::UnavailableError("no chromium (apt-get install chromium)");
  int to_child[2], from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) return absl::InternalError("pipe failed");
  std::vector<std::string> args = {chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                                   "--remote-debugging-pipe", "--no-first-run",
                                   "--no-default-browser-check", "--hide-scrollbars",
                                   "--force-device-scale-factor=1", "--disable-extensions",
                                   "--disable-background-networking",
                                   absl::StrCat("--user-data-dir=", dir, "/chromium-profile"),
                                   "about:blank"};
  const std::string log = dir + "/chromium.log";
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log_fd >= 0) {
      dup2(log_fd, 1);
      dup2(log_fd, 2);
    }
    // The browser reads commands on fd 3 and writes answers on fd 4.
    const int in = fcntl(to_child[0], F_DUPFD, 10), out = fcntl(from_child[1], F_DUPFD, 10);
    dup2(in, 3);
    dup2(out, 4);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  std::unique_ptr<CdpBrowser> b(new CdpBrowser());
  b->pid_ = pid;
  b->to_browser_ = to_child[1];
  b->from_browser_ = from_child[0];
  absl::StatusOr<google::protobuf::Struct> target =
      b->Send("Target.createTarget", "{\"url\":\"about:blank\"}", "");
  if (!target.ok()) return target.status();
  const google::protobuf::Value* id = Field(*target, "targetId");
  if (id == nullptr) return absl::UnavailableError("Target.createTarget gave no targetId");
  absl::StatusOr<google::protobuf::Struct> attached = b->Send(
      "Target.attachToTarget",
      absl::StrCat("{\"targetId\":", JsonQuote(id->string_value()), ",\"flatten\":true}"), "");
  if (!attached.ok()) return attached.status();
  const google::protobuf::Value* session = Field(*attached, "sessionId");
  if (session == nullptr) return absl::UnavailableError("Target.attachToTarget gave no sessionId");
  b->session_ = session->string_value();
  if (absl::StatusOr<google::protobuf::Struct> s = b->Call("Page.enable"); !s.ok()) return s.status();
  return b;
}

CdpBrowser::~CdpBrowser() {
  if (to_browser_ >= 0) close(to_browser_);
  if (from_browser_ >= 0) close(from_browser_);
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

absl::StatusOr<google::protobuf::Struct> CdpBrowser::Send(const std::string& method,
                                                          const std::string& params_json,
                                                          const std::string& session) {
  const int id = next_id_++;
  std::string message = absl::StrCat("{\"id\":", id, ",\"method\":", JsonQuote(method),
                                     ",\"params\":", params_json);
  if (!session.empty()) absl::StrAppend(&message, ",\"sessionId\":", JsonQuote(session));
  message += "}";
  message.push_back('\0');
  for (size_t done = 0; done < message.size();) {
    const ssize_t n = write(to_browser_, message.data() + done, message.size() - done);
    if (n <= 0) return absl::UnavailableError(absl::StrCat(method, ": the browser went away"));
    done += static_cast<size_t>(n);
  }
  const absl::Time deadline = absl::Now() + kCallTimeout;
  const std::string want = absl::StrCat("{\"id\":", id, ",");
  while (true) {
    // Every complete message in the buffer: events are skipped, our answer returned.
    for (size_t end; (end = buffer_.find('\0')) != std::string::npos;) {
      const std::string one = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      if (one.rfind(want, 0) != 0) continue;
      google::protobuf::Struct reply;
      if (!google::protobuf::util::JsonStringToMessage(one, &reply).ok()) {
        return absl::InternalError(absl::StrCat(method, ": unreadable answer ", one.substr(0, 200)));
      }
      if (const google::protobuf::Value* error = Field(reply, "error")) {
        std::string text;
        (void)google::protobuf::util::MessageToJsonString(*error, &text);
        return absl::FailedPreconditionError(absl::StrCat(method, ": ", text));
      }
      const google::protobuf::Value* result = Field(reply, "result");
      return result == nullptr ? google::protobuf::Struct() : result->struct_value();
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat(method, ": no answer in ", absl::FormatDuration(kCallTimeout)));
    }
    pollfd p{from_browser_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) continue;
    char chunk[65536];
    const ssize_t n = read(from_browser_, chunk, sizeof chunk);
    if (n <= 0) return absl::UnavailableError(absl::StrCat(method, ": the browser went away"));
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

absl::StatusOr<google::protobuf::Struct> CdpBrowser::Call(const std::string& method,
                                                          const std::string& params_json) {
  return Send(method, params_json, session_);
}

absl::Status CdpBrowser::SetViewport(int width, int height) {
  return Call("Emulation.setDeviceMetricsOverride",
              absl::StrCat("{\"width\":", width, ",\"height\":", height,
                           ",\"deviceScaleFactor\":1,\"mobile\":false}"))
      .status();
}

absl::Status CdpBrowser::Navigate(const std::string& url) {
  absl::StatusOr<google::protobuf::Struct> r =
      Call("Page.navigate", absl::StrCat("{\"url\":", JsonQuote(url), "}"));
  if (!r.ok()) return r.status();
  if (const google::protobuf::Value* e = Field(*r, "errorText")) {
    return absl::UnavailableError(absl::StrCat("navigate ", url, ": ", e->string_value()));
  }
  if (!WaitFor("document.readyState === 'complete'", absl::Seconds(20))) {
    return absl::DeadlineExceededError(absl::StrCat(url, " did not finish loading"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CdpBrowser::Evaluate(const std::string& expression) {
  absl::StatusOr<google::protobuf::Struct> r = Call(
      "Runtime.evaluate",
      absl::StrCat("{\"expression\":",
                   JsonQuote(absl::StrCat("(async () => JSON.stringify(await (async () => (",
                                          expression, "))()))()")),
                   ",\"awaitPromise\":true,\"returnByValue\":true}"));
  if (!r.ok()) return r.status();
  if (const google::protobuf::Value* e = Field(*r, "exceptionDetails")) {
    std::string text;
    (void)google::protobuf::util::MessageToJsonString(*e, &text);
    return absl::InvalidArgumentError(absl::StrCat("page threw: ", text.substr(0, 500)));
  }
  const google::protobuf::Value* result = Field(*r, "result");
  if (result == nullptr) return absl::InternalError("Runtime.evaluate gave no result");
  const google::protobuf::Value* value = Field(result->struct_value(), "value");
  return value == nullptr ? std::string("undefined") : value->string_value();
}

bool CdpBrowser::WaitFor(const std::string& expression, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  do {
    absl::StatusOr<std::string> v = Evaluate(absl::StrCat("!!(", expression, ")"));
    if (v.ok() && *v == "true") return true;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < deadline);
  return false;
}

absl::Status CdpBrowser::Screenshot(const std::string& path) {
  absl::StatusOr<google::protobuf::Struct> r =
      Call("Page.captureScreenshot", "{\"format\":\"png\",\"captureBeyondViewport\":true}");
  if (!r.ok()) return r.status();
  const google::protobuf::Value* data = Field(*r, "data");
  std::string png;
  if (data == nullptr || !absl::Base64Unescape(data->string_value(), &png)) {
    return absl::InternalError("Page.captureScreenshot gave no PNG");
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << png;
  return absl::OkStatus();
}

}  // namespace veu::testing
