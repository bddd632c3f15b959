// Taking a node out: `veuctl agent revoke` on a real verifier with a real agent and swtpm.
// The revoked agent is refused with AGENT_REVOKED when it comes back, the revocation and the
// reinstatement are events, and `veuctl agent allow AGENT` lets it report again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "tests/integration/deployment.h"
#include "tests/support/status_matchers.h"

namespace veu::testing {
namespace {

using ::testing::HasSubstr;

TEST(RevocationIntegration, ARevokedAgentIsRefusedUntilAnOperatorAllowsItAgain) {
  absl::StatusOr<std::unique_ptr<Deployment>> created = Deployment::Create();
  ASSERT_OK(created.status());
  Deployment& d = **created;
  ASSERT_OK(d.StartVerifier());
  ASSERT_OK(d.AddSiteAndStartAgent("fra1"));
  ASSERT_TRUE(WaitFor([&] { return d.AppraisalCount() >= 1; }, absl::Seconds(20)))
      << d.VerifierLog() << d.AgentLog();
  absl::StatusOr<std::string> id = d.FirstAgentId();
  ASSERT_OK(id.status());
  d.StopAgent();

  RunResult usage = d.Veuctl({"agent", "revoke", id->substr(0, 12)});
  EXPECT_EQ(usage.exit_code, 2) << "a revocation needs a reason";
  RunResult revoke =
      d.Veuctl({"agent", "revoke", id->substr(0, 12), "--reason", "decommissioned"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.out << revoke.err;
  EXPECT_THAT(revoke.out, HasSubstr("revoked: decommissioned"));
  RunResult agents = d.Veuctl({"agents", "--json"});
  EXPECT_THAT(agents.out, HasSubstr("AGENT_STATUS_REVOKED"));
  EXPECT_THAT(agents.out, HasSubstr("decommissioned"));

  // The node comes back with its persisted identity: refused, and it stops trying.
  const int before = d.AppraisalCount();
  ASSERT_OK(d.StartAgent("fra1", ""));
  ASSERT_TRUE(WaitFor([&] { return absl::StrContains(d.AgentLog(), "AGENT_REVOKED") ||
                                   absl::StrContains(d.AgentLog(), "revoked this agent"); },
                      absl::Seconds(20)))
      << d.AgentLog() << d.VerifierLog();
  EXPECT_EQ(d.AppraisalCount(), before) << "nothing of a revoked agent is appraised";
  d.StopAgent();

  RunResult allow = d.Veuctl({"agent", "allow", id->substr(0, 12)});
  ASSERT_EQ(allow.exit_code, 0) << allow.out << allow.err;
  EXPECT_EQ(d.Veuctl({"agent", "allow", id->substr(0, 12)}).exit_code, 1)
      << "allowing an agent that is not revoked is refused";
  ASSERT_OK(d.StartAgent("fra1", ""));
  ASSERT_TRUE(WaitFor([&] { return d.AppraisalCount() > before; }, absl::Seconds(20)))
      << d.AgentLog() << d.VerifierLog();
  RunResult events = d.Veuctl({"events", "--json"});
  EXPECT_THAT(events.out, HasSubstr("EVENT_AGENT_REVOKED"));
  EXPECT_THAT(events.out, HasSubstr("EVENT_AGENT_REINSTATED"));
}

}  // namespace
}  // namespace veu::testing
