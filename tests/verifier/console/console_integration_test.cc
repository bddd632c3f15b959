// veuctl console against a real verifier, real agents (swtpm) and a regulator certificate
// scoped to Germany, over HTTP and in headless Chromium (Debian's, over the DevTools pipe):
// the fleet shows the German site with the verdict the verifier holds, and never the site in
// the Emirates; a real agent's first verdict reaches the live page within 2 s; a real report
// verifies on the reports page and an edited one shows its finding. Screenshots of each page
// go to <build>/console-screenshots/ for a reviewer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/rpc/tls.h"
#include "tests/integration/deployment.h"
#include "tests/support/status_matchers.h"
#include "tests/verifier/console/cdp_browser.h"

namespace veu::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ScreenshotDir() {
  const std::string dir = BinaryPath("/console-screenshots");
  mkdir(dir.c_str(), 0755);
  return dir;
}

class ConsoleIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Deployment>> created = Deployment::Create();
    ASSERT_OK(created.status());
    d_ = *std::move(created);
    VerifierOptions options;
    options.policy_pack = PolicyPackPath();
    options.regulator_api = true;
    options.extra_args = {"--checkpoint-interval", "1"};
    ASSERT_OK(d_->StartVerifier(options));
    ASSERT_OK(d_->MakeClientCertificate("reg-de", "regulator", {"country:DE"}));
    ASSERT_EQ(d_->Veuctl({"site", "add", "fra1", "--country", "DE", "--org", "Acme",
                          "--authorised-accelerators", "8"}).exit_code, 0);
    ASSERT_EQ(d_->Veuctl({"site", "add", "dxb1", "--country", "AE", "--org", "Gulf AI"}).exit_code,
              0);
    std::vector<std::string> argv = {VeuctlBinary(), "console", "--listen", "127.0.0.1:0",
                                      "--verifier-key", d_->log_public_key(),
                                      "--policy-pack", PolicyPackPath()};
    for (const std::string& f : d_->RegulatorFlags("reg-de")) argv.push_back(f);
    absl::StatusOr<Process> console = Process::Start(argv, d_->dir() + "/console.log");
    ASSERT_OK(console.status());
    console_.emplace(*std::move(console));
    ASSERT_TRUE(WaitFor([&] { return console_->Output().find("console: http://") != std::string::npos; },
                        absl::Seconds(10)))
        << console_->Output();
    const std::string out = console_->Output();
    const size_t at = out.find("console: http://127.0.0.1:") + std::string("console: http://127.0.0.1:").size();
    ASSERT_TRUE(absl::SimpleAtoi(out.substr(at, out.find('/', at) - at), &port_)) << out;
    url_ = absl::StrCat("http://127.0.0.1:", port_);
    if (!ChromiumPath().empty()) {
      absl::StatusOr<std::unique_ptr<CdpBrowser>> b = CdpBrowser::Launch(d_->dir());
      ASSERT_OK(b.status());
      browser_ = *std::move(b);
      ASSERT_OK(browser_->SetViewport(1280, 900));
    }
  }

  httplib::Client Http() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    return c;
  }

  absl::Status StartNode(const std::string& site, const std::vector<std::string>& extra = {}) {
    RunResult token = d_->Veuctl({"site", "token", site});
    if (token.exit_code != 0) return absl::InternalError(token.err);
    const std::string t(absl::StripAsciiWhitespace(token.out));
    if (site == "fra1") return d_->StartAgent(site, t, extra);
    return d_->StartExtraAgent("node-" + site, site, t);
  }

  // The verdict the verifier itself holds for the site (`veuctl site show`, admin socket).
  std::string VerdictHeld(const std::string& site) {
    RunResult shown = d_->Veuctl({"site", "show", site});
    const size_t at = shown.out.find("verdict");
    if (at == std::string::npos) return "";
    const size_t end = shown.out.find('\n', at);
    return std::string(absl::StripAsciiWhitespace(shown.out.substr(at + 7, end - at - 7)));
  }

  void Shoot(const std::string& name) {
    if (!browser_) return;
    EXPECT_OK(browser_->Screenshot(absl::StrCat(ScreenshotDir(), "/", name, ".png")));
  }

  std::unique_ptr<Deployment> d_;
  std::optional<Process> console_;
  std::unique_ptr<CdpBrowser> browser_;
  int port_ = 0;
  std::string url_;
};

TEST_F(ConsoleIntegrationTest, TheFleetShowsTheSiteInScopeWithItsVerdictAndNeverTheOther) {
  // The demo node: two H100 PCIe boards and a measured boot that replays (WARN, not REJECT), so
  // the site and organisation pages have an inventory to show.
  ASSERT_OK(d_->UseDemoNodeTree());
  ASSERT_OK(d_->PrepareMeasuredBoot());
  ASSERT_OK(StartNode("fra1", {"--data-path", "/srv/model-weights"}));
  ASSERT_OK(StartNode("dxb1"));
  ASSERT_TRUE(WaitFor([&] { return d_->AppraisalCount() >= 2; }, absl::Seconds(30)))
      << d_->VerifierLog();
  const std::string held = VerdictHeld("fra1");
  ASSERT_FALSE(held.empty());
  ASSERT_NE(held, "NONE");

  httplib::Client http = Http();
  auto fleet = http.Get("/api/fleet");
  ASSERT_TRUE(fleet);
  ASSERT_EQ(fleet->status, 200) << fleet->body;
  EXPECT_THAT(fleet->body, HasSubstr(absl::StrCat("\"name\":\"fra1\",\"nodes\":1,\"organisation\":\"Acme\",\"stale_nodes\":0,\"verdict\":\"", held, "\"")));
  EXPECT_THAT(fleet->body, Not(HasSubstr("dxb1")));
  EXPECT_THAT(fleet->body, Not(HasSubstr("Gulf AI")));
  auto foreign = http.Get("/api/site?name=dxb1");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 403) << foreign->body;
  auto site = http.Get("/api/site?name=fra1");
  ASSERT_TRUE(site);
  EXPECT_EQ(site->status, 200);
  EXPECT_THAT(site->body, HasSubstr("\"authorised_accelerators\":8"));
  EXPECT_THAT(site->body, HasSubstr("\"model\":\"H100 PCIe\""));
  auto org = http.Get("/api/organisation?name=Acme");
  ASSERT_TRUE(org);
  EXPECT_EQ(org->status, 200) << org->body;
  EXPECT_THAT(org->body, HasSubstr("\"country\":\"DE\""));
  EXPECT_THAT(org->body, HasSubstr("\"judged\":true"));
  EXPECT_EQ(http.Get("/api/organisation?name=Gulf%20AI")->status, 403);
  // The timeline comes from a compliance report the console verified first.
  auto timeline = http.Get("/api/timeline?site=fra1&hours=1");
  ASSERT_TRUE(timeline);
  ASSERT_EQ(timeline->status, 200) << timeline->body;
  EXPECT_THAT(timeline->body, HasSubstr(absl::StrCat("\"verdict\":\"", held, "\"")));
  EXPECT_EQ(http.Get("/api/timeline?site=dxb1&hours=1")->status, 403);
  // A request addressed to another name (DNS rebinding) is refused.
  auto rebound = http.Get("/api/fleet", {{"Host", "attacker.example:80"}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403);

  // A missing browser fails, like every missing tool (deploy/install-deps.sh installs it).
  ASSERT_TRUE(browser_) << "no /usr/bin/chromium: the browser half cannot run; run deploy/install-deps.sh";
  ASSERT_OK(browser_->Navigate(url_ + "/"));
  ASSERT_TRUE(browser_->WaitFor("document.getElementById('main').dataset.state !== 'loading'",
                                absl::Seconds(20)));
  EXPECT_EQ(*browser_->Evaluate("document.getElementById('main').dataset.state"), "\"ready\"")
      << *browser_->Evaluate("document.getElementById('status').textContent");
  // The site's row shows the verdict as a word beside its colour.
  EXPECT_EQ(*browser_->Evaluate("document.querySelector('tr[data-site=\"fra1\"] .verdict').textContent"),
            absl::StrCat("\"", held == "ACCEPT" ? "✓" : held == "WARN" ? "!" : held == "REJECT" ? "✗" : "?",
                         " ", held, "\""));
  EXPECT_EQ(*browser_->Evaluate("document.body.innerText.includes('dxb1')"), "false");
  EXPECT_EQ(*browser_->Evaluate("document.body.innerText.includes('UTC')"), "true");
  Shoot("fleet-1280");
  ASSERT_OK(browser_->SetViewport(390, 800));
  ASSERT_OK(browser_->Navigate(url_ + "/"));
  ASSERT_TRUE(browser_->WaitFor("document.getElementById('main').dataset.state === 'ready'",
                                absl::Seconds(20)));
  // Narrow: nothing wider than the window but the scrolling tables.
  EXPECT_EQ(*browser_->Evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "true");
  Shoot("fleet-390");
  ASSERT_OK(browser_->SetViewport(1280, 900));

  ASSERT_OK(browser_->Navigate(url_ + "/site?name=fra1"));
  ASSERT_TRUE(browser_->WaitFor("document.getElementById('main').dataset.state === 'ready'",
                                absl::Seconds(20)));
  EXPECT_THAT(*browser_->Evaluate("document.getElementById('site-verdict').textContent"),
              HasSubstr(held));
  ASSERT_TRUE(browser_->WaitFor("document.getElementById('timeline').dataset.state !== 'loading'",
                                absl::Seconds(60)));
  EXPECT_THAT(*browser_->Evaluate("document.getElementById('timeline').innerText"),
              HasSubstr("verified with the verifier's public key"));
  EXPECT_THAT(*browser_->Evaluate("document.getElementById('timeline-spans').innerText"),
              HasSubstr(held));
  Shoot("site");
  ASSERT_OK(browser_->Navigate(url_ + "/site?name=dxb1"));
  ASSERT_TRUE(browser_->WaitFor("document.getElementById('main').dataset.state === 'error'",
                                absl::Seconds(20)));
  EXPECT_THAT(*browser_->Evaluate("document.getElementById('status').textContent"),
              HasSubstr("scope"));
  ASSERT_OK(browser_->Navigate(url_ + "/organisation?name=Acme"));
  ASSERT_TRUE(browser_->WaitFor("document.getElementById('main').dataset.state !== 'loading'",
                                absl::Seconds(20)));
  EXPECT_EQ(*browser_->Evaluate("document.getElementById('main').dataset.state"), "\"ready\"")
      << *browser_->Evaluate("document.getElementById('status').textContent");
  Shoot("organisation");
}

TEST_F(ConsoleIntegrationTest, ARealVerdictChangeReachesTheLivePageWithinTwoSeconds) {
  // Over HTTP: the event stream as any client reads it.
  httplib::Client http = Http();
  absl::Mutex mu;
  std::string stream;
  std::vector<std::pair<std::string, absl::Time>> changes;  // data line, when it arrived
  std::atomic<bool> stop{false};
  std::thread reading([&] {
    http.Get("/api/events", [&](const char* data, size_t n) {
      absl::MutexLock lock(&mu);
      stream.append(data, n);
      for (size_t at; (at = stream.find("event: change\ndata: ")) != std::string::npos;) {
        const size_t end = stream.find('\n', at + 20);
        if (end == std::string::npos) break;
        changes.push_back({stream.substr(at + 20, end - at - 20), absl::Now()});
        stream.erase(0, end);
      }
      return !stop.load();
    });
  });
  if (browser_) {
    ASSERT_OK(browser_->Navigate(url_ + "/live"));
    ASSERT_TRUE(browser_->WaitFor("document.getElementById('main').dataset.state === 'ready'",
                                  absl::Seconds(20)));
  }
  absl::SleepFor(absl::Milliseconds(500));  // the console's watch is subscribed
  ASSERT_OK(StartNode("dxb1"));
  ASSERT_OK(StartNode("fra1"));
  // The node's first appraisal moves it from no verdict to one: a change the page must show.
  ASSERT_TRUE(WaitFor([&] {
    absl::MutexLock lock(&mu);
    return !changes.empty();
  }, absl::Seconds(30))) << d_->VerifierLog() << console_->Output();
  {
    absl::MutexLock lock(&mu);
    const std::string& json = changes.front().first;
    EXPECT_THAT(json, HasSubstr("\"site\":\"fra1\""));
    const size_t at = json.find("\"at_unix_ms\":") + 13;
    int64_t at_ms = 0;
    ASSERT_TRUE(absl::SimpleAtoi(json.substr(at, json.find(',', at) - at), &at_ms)) << json;
    EXPECT_LT(absl::ToUnixMillis(changes.front().second) - at_ms, 2000) << json;
  }
  if (browser_) {
    ASSERT_TRUE(browser_->WaitFor("document.querySelector('tr[data-site=\"fra1\"]')",
                                  absl::Seconds(5)));
    const std::string latency = *browser_->Evaluate(
        "(r => Number(r.dataset.shownMs) - Number(r.dataset.atMs))("
        "[...document.querySelectorAll('tr[data-site=\"fra1\"]')].pop())");
    int64_t ms = 0;
    ASSERT_TRUE(absl::SimpleAtoi(latency, &ms)) << latency;
    EXPECT_LT(ms, 2000) << "from the appraisal to the page";
  }
  // The Emirates node has been appraised by now, and its change must never have reached us.
  ASSERT_TRUE(WaitFor([&] { return d_->AppraisalCount() >= 4; }, absl::Seconds(30)));
  absl::SleepFor(absl::Seconds(1));
  {
    absl::MutexLock lock(&mu);
    for (const auto& [json, when] : changes) EXPECT_THAT(json, Not(HasSubstr("dxb1")));
  }
  if (browser_) {
    EXPECT_EQ(*browser_->Evaluate("document.body.innerText.includes('dxb1')"), "false");
    EXPECT_THAT(*browser_->Evaluate("document.getElementById('watch').textContent"),
                HasSubstr("connected"));
    Shoot("live");
  }
  stop = true;
  reading.join();
}

TEST_F(ConsoleIntegrationTest, AReportVerifiesAndAnEditedOneShowsItsFinding) {
  const absl::Time start = absl::Now() - absl::Minutes(1);
  ASSERT_OK(StartNode("fra1"));
  ASSERT_TRUE(WaitFor([&] { return d_->AppraisalCount() >= 3; }, absl::Seconds(30)))
      << d_->VerifierLog();
  httplib::Client http = Http();
  const std::string from = absl::FormatTime(absl::RFC3339_sec, start, absl::UTCTimeZone());
  auto checked = http.Get(absl::StrCat("/api/report?site=fra1&from=", from));
  ASSERT_TRUE(checked);
  ASSERT_EQ(checked->status, 200) << checked->body;
  EXPECT_THAT(checked->body, HasSubstr("\"holds\":true"));
  EXPECT_THAT(checked->body, HasSubstr("\"findings\":[]"));
  const size_t at = checked->body.find("\"download\":\"") + 12;
  const std::string download = checked->body.substr(at, checked->body.find('"', at) - at);
  auto file = http.Get(download);
  ASSERT_TRUE(file);
  ASSERT_EQ(file->status, 200);
  EXPECT_THAT(file->get_header_value("Content-Disposition"), HasSubstr("attachment"));
  // The download is the signed file: veuctl verifies it offline.
  const std::string saved = d_->dir() + "/console-report.json";
  std::ofstream(saved, std::ios::binary) << file->body;
  RunResult verified = d_->Veuctl({"report", "verify", saved, "--verifier-key", d_->log_public_key()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;

  // One verdict edited: the console says the report does not hold, and why.
  std::string edited = file->body;
  for (const auto& [was, now] : {std::pair{"VERDICT_WARN", "VERDICT_REJECT"},
                                 std::pair{"VERDICT_ACCEPT", "VERDICT_REJECT"},
                                 std::pair{"VERDICT_REJECT", "VERDICT_ACCEPT"}}) {
    if (const size_t p = edited.find(was); p != std::string::npos) {
      edited.replace(p, std::string(was).size(), now);
      break;
    }
  }
  ASSERT_NE(edited, file->body);
  auto refused = http.Post("/api/verify", edited, "application/json");
  ASSERT_TRUE(refused);
  ASSERT_EQ(refused->status, 200) << refused->body;
  EXPECT_THAT(refused->body, HasSubstr("\"holds\":false"));
  EXPECT_THAT(refused->body, HasSubstr("signature does not verify over the canonical report"));

  // A missing browser fails, like every missing tool (deploy/install-deps.sh installs it).
  ASSERT_TRUE(browser_) << "no /usr/bin/chromium: the browser half cannot run; run deploy/install-deps.sh";
  ASSERT_OK(browser_->Navigate(absl::StrCat(
      url_, "/reports?site=fra1&from=", absl::FormatTime("%Y-%m-%d", start, absl::UTCTimeZone()))));
  ASSERT_TRUE(browser_->WaitFor("document.getElementById('main').dataset.state === 'ready'",
                                absl::Seconds(20)));
  ASSERT_OK(browser_->Evaluate("document.getElementById('fetch').click()").status());
  ASSERT_TRUE(browser_->WaitFor("['true','false','error'].includes(document.getElementById('result').dataset.holds)",
                                absl::Seconds(60)));
  EXPECT_EQ(*browser_->Evaluate("document.getElementById('result').dataset.holds"), "\"true\"")
      << *browser_->Evaluate("document.getElementById('result').innerText");
  EXPECT_THAT(*browser_->Evaluate("document.getElementById('result').innerText"), HasSubstr("OK"));
  EXPECT_EQ(*browser_->Evaluate("!!document.getElementById('download')"), "true");
  ASSERT_OK(browser_->Evaluate(absl::StrCat("document.getElementById('report-text').value = ",
                                            JsonQuote(edited), ", document.getElementById('verify').click()"))
                .status());
  ASSERT_TRUE(browser_->WaitFor("['true','false','error'].includes(document.getElementById('checked').dataset.holds)",
                                absl::Seconds(60)));
  EXPECT_EQ(*browser_->Evaluate("document.getElementById('checked').dataset.holds"), "\"false\"");
  EXPECT_THAT(*browser_->Evaluate("document.getElementById('checked').innerText"),
              HasSubstr("signature does not verify over the canonical report"));
  EXPECT_THAT(*browser_->Evaluate("document.getElementById('checked').innerText"),
              HasSubstr("REJECTED"));
  Shoot("reports");
}

}  // namespace
}  // namespace veu::testing
