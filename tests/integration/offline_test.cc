// Every verifier unreachable for several intervals (issue 10): the agent keeps quoting, offline
// and self-challenged, spools the quotes, and delivers them in order once a verifier answers;
// the verifier accepts the chain as "offline, continuous", and records a reboot in the gap
// (swtpm restarted on the same state: resetCount + 1) as broken continuity. Real swtpm,
// veu-verifier, veu-agent and veuctl processes on loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/integration/deployment.h"
#include "tests/support/status_matchers.h"

namespace veu::testing {
namespace {

using ::testing::HasSubstr;

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class OfflineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Create();
    ASSERT_OK(d.status());
    d_ = *std::move(d);
    ASSERT_OK(d_->UseDemoNodeTree());
    ASSERT_OK(d_->PrepareMeasuredBoot());
    ASSERT_OK(d_->StartVerifier(options_));
    ASSERT_OK(d_->AddSiteAndStartAgent("fra1", kAgentArgs));
    ASSERT_TRUE(WaitFor([&] { return d_->AppraisalCount() >= 2; }, absl::Seconds(30)))
        << d_->VerifierLog() << d_->AgentLog();
    port_ = d_->verifier_port();
  }

  // The verifier again, on the port the agent dials. The agent process is restarted too (its
  // spool survives in its state dir): a veu-agent whose gRPC channel saw the verifier go away
  // kept failing its TLS handshakes with the restarted verifier here ("Handshake read
  // failed"), a reconnect problem of its own, left open (see the README).
  void RestartVerifier() {
    VerifierOptions again = options_;
    again.extra_args = {"--listen", absl::StrCat("127.0.0.1:", port_)};
    ASSERT_OK(d_->StartVerifier(again));
    ASSERT_EQ(d_->verifier_port(), port_);
    d_->StopAgent();
    ASSERT_OK(d_->StartAgent("fra1", "", kAgentArgs));
  }

  void WaitForOfflineQuotes(int n) {
    ASSERT_TRUE(WaitFor([&] { return Count(d_->AgentLog(), "offline quote #") >= n; },
                        absl::Seconds(30)))
        << d_->AgentLog();
  }

  std::string Events() {
    RunResult r = d_->Veuctl({"events", "--limit", "200"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  const std::vector<std::string> kAgentArgs = {"--offline-interval", "1"};
  VerifierOptions options_;
  std::unique_ptr<Deployment> d_;
  int port_ = 0;
};

TEST_F(OfflineTest, QuotesTakenWhileNoVerifierAnswersAreDeliveredInOrderAsAContinuousChain) {
  d_->StopVerifier();
  WaitForOfflineQuotes(4);  // four intervals and more without any verifier
  RestartVerifier();
  ASSERT_TRUE(WaitFor([&] { return d_->AgentLog().find("offline quotes acknowledged") !=
                                   std::string::npos; },
                      absl::Seconds(30)))
      << d_->VerifierLog() << d_->AgentLog();
  const std::string agent_log = d_->AgentLog();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(agent_log, m,
                                std::regex("offline, continuous: (\\d+) quotes, (\\d+) verified")))
      << agent_log;
  EXPECT_GE(std::stoi(m[1]), 4);
  EXPECT_EQ(m[1], m[2]) << "every spooled quote verified and chained, in order";
  const std::string events = Events();
  EXPECT_THAT(events, HasSubstr("EVENT_OFFLINE_CONTINUOUS"));
  EXPECT_THAT(events, HasSubstr("no verifier freshness"));
  EXPECT_THAT(events, ::testing::Not(HasSubstr("EVENT_OFFLINE_BROKEN")));
  // Online again: the next reports are appraised as before.
  const int before = d_->AppraisalCount();
  EXPECT_TRUE(WaitFor([&] { return d_->AppraisalCount() >= before + 2; }, absl::Seconds(20)))
      << d_->VerifierLog();
}

TEST_F(OfflineTest, ARebootInTheGapIsRecordedAsBrokenContinuity) {
  d_->StopVerifier();
  WaitForOfflineQuotes(2);
  // The node reboots while no verifier answers: the TPM restarts (resetCount + 1), the agent
  // starts again and chains on from its spool.
  d_->StopAgent();
  ASSERT_OK(d_->swtpm().Restart());
  ASSERT_OK(d_->StartAgent("fra1", "", kAgentArgs));
  const int before = Count(d_->AgentLog(), "offline quote #");
  ASSERT_TRUE(WaitFor([&] { return Count(d_->AgentLog(), "offline quote #") >= before + 2; },
                      absl::Seconds(30)))
      << d_->AgentLog();
  RestartVerifier();
  ASSERT_TRUE(WaitFor([&] { return Events().find("EVENT_OFFLINE_BROKEN") != std::string::npos; },
                      absl::Seconds(30)))
      << d_->VerifierLog() << d_->AgentLog();
  const std::string events = Events();
  EXPECT_THAT(events, HasSubstr("broken (reboot at entry "));
  EXPECT_THAT(events, HasSubstr("OFFLINE_TPM_REBOOTED"));
  EXPECT_THAT(events, ::testing::Not(HasSubstr("EVENT_OFFLINE_CONTINUOUS")));
}

}  // namespace
}  // namespace veu::testing
