// The console server over HTTP against a fake regulator backend: what it serves, whom it
// answers, that a site the backend refuses is refused to the page too, that a published change
// reaches an event stream, and that reports are checked with the key it was given.
#include "verifier/console/console_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"

namespace veu::console {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class FakeBackend : public RegulatorBackend {
 public:
  absl::StatusOr<std::vector<veu::v1::Site>> ListSites() override {
    veu::v1::Site fra1;
    fra1.set_name("fra1");
    fra1.set_country("DE");
    fra1.set_organisation("Acme");
    return std::vector<veu::v1::Site>{fra1};
  }
  absl::StatusOr<veu::v1::SiteStatus> GetSiteStatus(const std::string& site) override {
    if (site != "fra1") {
      return absl::PermissionDeniedError(absl::StrCat("site ", site, " is outside your certificate's scope"));
    }
    veu::v1::SiteStatus s;
    *s.mutable_site() = (*ListSites())[0];
    s.set_verdict(veu::v1::VERDICT_WARN);
    return s;
  }
  absl::StatusOr<veu::v1::ReportFile> GetComplianceReport(const std::string&, absl::Time,
                                                          std::optional<absl::Time>) override {
    return absl::UnavailableError("not in this test");
  }
  absl::Status Watch(const std::function<void()>& subscribed,
                     const std::function<void(const veu::v1::VerdictChange&)>& on_change) override {
    subscribed();
    while (!cancelled_) {
      if (send_.exchange(false)) {
        veu::v1::VerdictChange c;
        c.set_site("fra1");
        c.set_verdict(veu::v1::VERDICT_REJECT);
        *c.mutable_at() = ToProtoTime(absl::Now());
        on_change(c);
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return absl::OkStatus();
  }
  void CancelWatch() override { cancelled_ = true; }

  std::atomic<bool> send_{false};
  std::atomic<bool> cancelled_{false};
};

class ConsoleServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ConsoleOptions options;
    options.listen = *ParseLoopbackListen("127.0.0.1:0");
    options.keepalive = absl::Milliseconds(200);
    absl::StatusOr<std::unique_ptr<ConsoleServer>> s = ConsoleServer::Start(options, &backend_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
  }
  httplib::Client Client() {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(5, 0);
    return c;
  }
  FakeBackend backend_;
  std::unique_ptr<ConsoleServer> server_;
};

TEST_F(ConsoleServerTest, ServesThePagesWithAStrictContentSecurityPolicy) {
  EXPECT_EQ(server_->url(), absl::StrCat("http://127.0.0.1:", server_->port(), "/"));
  httplib::Client c = Client();
  auto res = c.Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->body, HasSubstr("data-page=\"fleet\""));
  EXPECT_THAT(res->get_header_value("Content-Security-Policy"), HasSubstr("script-src 'self'"));
  EXPECT_THAT(res->get_header_value("Content-Security-Policy"), HasSubstr("frame-ancestors 'none'"));
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(c.Get("/reports")->status, 200);
  EXPECT_EQ(c.Get("/nothing")->status, 404);
}

TEST_F(ConsoleServerTest, RefusesRequestsAddressedToAnotherHost) {
  httplib::Client c = Client();
  auto res = c.Get("/api/fleet", {{"Host", "rebound.evil.example:8080"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_THAT(res->body, HasSubstr("loopback host"));
  auto post = c.Post("/api/verify", {{"Origin", "https://evil.example"}}, "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 403);
  EXPECT_THAT(post->body, HasSubstr("another origin"));
}

TEST_F(ConsoleServerTest, TheFleetAndASiteComeFromTheBackendAndItsRefusalsPassThrough) {
  httplib::Client c = Client();
  auto fleet = c.Get("/api/fleet");
  ASSERT_TRUE(fleet);
  EXPECT_EQ(fleet->status, 200);
  EXPECT_THAT(fleet->body, HasSubstr("\"name\":\"fra1\""));
  EXPECT_THAT(fleet->body, HasSubstr("\"verdict\":\"WARN\""));
  auto foreign = c.Get("/api/site?name=dxb1");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 403);
  EXPECT_THAT(foreign->body, HasSubstr("outside your certificate's scope"));
  EXPECT_EQ(c.Get("/api/site")->status, 400);
}

TEST_F(ConsoleServerTest, ReportsNeedTheVerifiersKey) {
  httplib::Client c = Client();
  auto res = c.Post("/api/verify", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 409);
  EXPECT_THAT(res->body, HasSubstr("--verifier-key"));
  auto bad_date = c.Get("/api/report?site=fra1&from=yesterday");
  ASSERT_TRUE(bad_date);
  EXPECT_EQ(bad_date->status, 400);
  EXPECT_THAT(bad_date->body, HasSubstr("not a UTC date"));
}

TEST_F(ConsoleServerTest, AChangeReachesAnOpenEventStream) {
  httplib::Client c = Client();
  std::string received;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    c.Get("/api/events", [&](const char* data, size_t n) {
      received.append(data, n);
      if (received.find("event: change") != std::string::npos) {
        done = true;
        return false;
      }
      return true;
    });
  });
  absl::SleepFor(absl::Milliseconds(300));
  backend_.send_ = true;
  for (int i = 0; i < 50 && !done; ++i) absl::SleepFor(absl::Milliseconds(100));
  reader.join();
  ASSERT_TRUE(done) << received;
  EXPECT_THAT(received, HasSubstr("event: status\ndata: {\"connected\":true"));
  EXPECT_THAT(received, HasSubstr("\"site\":\"fra1\""));
  EXPECT_THAT(received, HasSubstr("\"verdict\":\"REJECT\""));
  EXPECT_THAT(received, Not(HasSubstr("dxb1")));
}

}  // namespace
}  // namespace veu::console
