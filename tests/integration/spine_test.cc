// The attestation spine end to end: real swtpm, real veu-verifier and veu-agent processes on
// loopback, veuctl against the admin socket.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/match.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"
#include "tests/integration/deployment.h"
#include "tests/support/status_matchers.h"

namespace veu::testing {
namespace {

using ::testing::HasSubstr;

class SpineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Create();
    ASSERT_OK(d.status());
    deployment_ = *std::move(d);
  }
  // Waits until the verifier has logged `n` appraisals.
  bool WaitForAppraisals(int n, absl::Duration timeout = absl::Seconds(20)) {
    return WaitFor([&] { return deployment_->AppraisalCount() >= n; }, timeout);
  }
  std::unique_ptr<Deployment> deployment_;
};

TEST_F(SpineTest, AgentEnrolsWithTokenAndItsMeasuredBootIsAccepted) {
  ASSERT_OK(deployment_->PrepareMeasuredBoot());
  ASSERT_OK(deployment_->StartVerifier());
  ASSERT_OK(deployment_->AddSiteAndStartAgent("fra1"));
  ASSERT_TRUE(WaitForAppraisals(2)) << deployment_->VerifierLog() << deployment_->AgentLog();

  RunResult status = deployment_->Veuctl({"status", "fra1", "--json"});
  EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_THAT(status.out, HasSubstr("\"verdict\": \"VERDICT_ACCEPT\""));
  EXPECT_THAT(status.out, HasSubstr("\"check\": \"eventlog.replay\""));

  RunResult human = deployment_->Veuctl({"status", "fra1"});
  EXPECT_THAT(human.out, HasSubstr("site fra1 (Example AI, DE): ACCEPT"));

  RunResult show = deployment_->Veuctl({"site", "show", "fra1"});
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_THAT(show.out, HasSubstr("verdict       ACCEPT"));
  EXPECT_THAT(show.out, HasSubstr("agents        1"));

  RunResult events = deployment_->Veuctl({"events", "--site", "fra1", "--json"});
  EXPECT_THAT(events.out, HasSubstr("EVENT_ENROLLED"));
}

TEST_F(SpineTest, QuotesKeepFlowingAndEveryAppraisalIsStoredWithItsEvidence) {
  ASSERT_OK(deployment_->StartVerifier());
  ASSERT_OK(deployment_->AddSiteAndStartAgent("fra1"));
  ASSERT_TRUE(WaitForAppraisals(3)) << deployment_->VerifierLog();

  absl::StatusOr<std::string> first = deployment_->FirstAgentId();
  ASSERT_OK(first.status());
  const std::string agent_id = *first;

  RunResult history = deployment_->Veuctl({"history", agent_id.substr(0, 10), "--json",
                                           "--evidence"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  // Three or more appraisals, each carrying the raw evidence bytes.
  size_t count = 0;
  for (size_t p = 0; (p = history.out.find("\"evidence\": \"", p)) != std::string::npos; ++p) ++count;
  EXPECT_GE(count, 3u) << history.out;
  // No event log on this node: measured boot is not evaluated, which is a warning, never a pass.
  EXPECT_THAT(history.out, HasSubstr("\"verdict\": \"VERDICT_WARN\""));
  EXPECT_THAT(history.out, HasSubstr("EVENTLOG_MISSING"));
}

TEST_F(SpineTest, AgentWithoutTokenOrAllowanceIsRefused) {
  ASSERT_OK(deployment_->StartVerifier());
  ASSERT_EQ(deployment_->Veuctl({"site", "add", "fra1"}).exit_code, 0);
  ASSERT_OK(deployment_->StartAgent("fra1", ""));
  ASSERT_TRUE(WaitFor([&] { return absl::StrContains(deployment_->VerifierLog(), "refused"); },
                      absl::Seconds(15)));
  EXPECT_THAT(deployment_->VerifierLog(), HasSubstr("ENROLMENT_NOT_AUTHORISED"));
  RunResult events = deployment_->Veuctl({"events", "--json"});
  EXPECT_THAT(events.out, HasSubstr("EVENT_ENROLLMENT_REFUSED"));
  RunResult agents = deployment_->Veuctl({"agents", "--json"});
  EXPECT_THAT(agents.out, ::testing::Not(HasSubstr("agent_id")));
}

TEST_F(SpineTest, OperatorAllowedEkEnrolsWithoutToken) {
  // Read the EK certificate the way an operator would, with tpm2-tools, before the agent runs.
  const std::string cert = deployment_->dir() + "/ek.der";
  RunResult nv = veu::testing::Run({"/usr/bin/tpm2_nvread", "-C", "o", "-o", cert, "0x01c00002"},
                     {{"TPM2TOOLS_TCTI", deployment_->swtpm().Tcti()}});
  ASSERT_EQ(nv.exit_code, 0) << nv.err;
  ASSERT_OK(deployment_->StartVerifier());
  ASSERT_EQ(deployment_->Veuctl({"site", "add", "fra1"}).exit_code, 0);
  RunResult allow = deployment_->Veuctl({"agent", "allow", "--site", "fra1", "--ek-cert", cert});
  ASSERT_EQ(allow.exit_code, 0) << allow.err;
  ASSERT_OK(deployment_->StartAgent("fra1", ""));
  ASSERT_TRUE(WaitForAppraisals(1)) << deployment_->VerifierLog();
  EXPECT_THAT(deployment_->VerifierLog(), HasSubstr("enrolled"));
}

TEST_F(SpineTest, EkCertificateFromAnUnknownCaIsRefused) {
  // A second TPM with a CA of its own: the verifier trusts only that CA, not ours.
  SwtpmOptions other_options;
  other_options.fresh_ca = true;
  absl::StatusOr<std::unique_ptr<SwtpmProcess>> other = SwtpmProcess::Start(other_options);
  ASSERT_OK(other.status());
  VerifierOptions options;
  options.ek_roots = (*other)->CaDir();
  ASSERT_OK(deployment_->StartVerifier(options));
  ASSERT_OK(deployment_->AddSiteAndStartAgent("fra1"));
  ASSERT_TRUE(WaitFor([&] { return absl::StrContains(deployment_->VerifierLog(), "refused"); },
                      absl::Seconds(15)));
  EXPECT_THAT(deployment_->VerifierLog(), HasSubstr("EK_CERT_UNTRUSTED"));
  // Issue 17: a log line alone would pass if the agent were enrolled anyway. Nothing may be:
  // no agent, no appraisal, and the refusal is an event naming the reason.
  RunResult agents = deployment_->Veuctl({"agents", "--json"});
  ASSERT_EQ(agents.exit_code, 0) << agents.err;
  EXPECT_THAT(agents.out, ::testing::Not(HasSubstr("agent_id"))) << agents.out;
  EXPECT_EQ(deployment_->AppraisalCount(), 0);
  RunResult events = deployment_->Veuctl({"events", "--json"});
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_THAT(events.out, HasSubstr("EVENT_ENROLLMENT_REFUSED"));
  EXPECT_THAT(events.out, HasSubstr("EK_CERT_UNTRUSTED"));
  EXPECT_THAT(events.out, ::testing::Not(HasSubstr("EVENT_ENROLLED")));
}

TEST_F(SpineTest, RebootIsRecordedAndTheAgentKeepsItsIdentity) {
  ASSERT_OK(deployment_->StartVerifier());
  ASSERT_OK(deployment_->AddSiteAndStartAgent("fra1"));
  ASSERT_TRUE(WaitForAppraisals(2)) << deployment_->VerifierLog();
  deployment_->StopAgent();
  const int before = deployment_->AppraisalCount();

  ASSERT_OK(deployment_->swtpm().Restart());  // power cycle: resetCount goes up
  // Same state dir: the agent keeps its id and persisted AK; the token was single-use.
  ASSERT_OK(deployment_->StartAgent("fra1", ""));
  ASSERT_TRUE(WaitForAppraisals(before + 2)) << deployment_->VerifierLog()
                                             << deployment_->AgentLog();
  RunResult events = deployment_->Veuctl({"events", "--json"});
  EXPECT_THAT(events.out, HasSubstr("EVENT_REBOOTED"));
  EXPECT_THAT(events.out, ::testing::Not(HasSubstr("EVENT_RE_ENROLLED")));
  EXPECT_THAT(deployment_->VerifierLog(), ::testing::Not(HasSubstr("CLOCK_REGRESSED")));
}

TEST_F(SpineTest, StatusExitCodeIsOneForAnUnknownSiteVerdictAndTwoWithoutVerifier) {
  RunResult no_verifier = deployment_->Veuctl({"status"});
  EXPECT_EQ(no_verifier.exit_code, 2);
  ASSERT_OK(deployment_->StartVerifier());
  ASSERT_EQ(deployment_->Veuctl({"site", "add", "empty"}).exit_code, 0);
  RunResult empty = deployment_->Veuctl({"status", "empty"});
  EXPECT_EQ(empty.exit_code, 1) << empty.out;  // no agents: nothing proves compliance
  EXPECT_THAT(empty.out, HasSubstr("NONE"));
  RunResult missing = deployment_->Veuctl({"status", "nowhere"});
  EXPECT_EQ(missing.exit_code, 2);
}

}  // namespace
}  // namespace veu::testing

namespace veu::testing {
namespace {

// Flips one byte inside the first SHA-256 digest the log extends into `pcr`.
bool CorruptDigestOfPcr(const std::string& path, uint32_t pcr) {
  std::string log = ReadFile(path);
  absl::StatusOr<eventlog::UnverifiedEventLog> parsed = eventlog::ParseEventLog(log);
  if (!parsed.ok()) return false;
  for (const eventlog::ExtendOperation& op : eventlog::ExtendOperations(*parsed)) {
    if (op.pcr != pcr || op.alg != 0x000B) continue;
    const size_t at = log.find(op.digest);
    if (at == std::string::npos) continue;
    log[at + 5] = static_cast<char>(log[at + 5] ^ 0x01);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << log;
    return true;
  }
  return false;
}

TEST_F(SpineTest, ChangedEventLogIsRejectedNamingTheMismatchingPcr) {
  ASSERT_OK(deployment_->PrepareMeasuredBoot());
  ASSERT_OK(deployment_->StartVerifier());
  ASSERT_OK(deployment_->AddSiteAndStartAgent("fra1"));
  ASSERT_TRUE(WaitForAppraisals(1)) << deployment_->VerifierLog();
  ASSERT_THAT(deployment_->VerifierLog(), HasSubstr("VERDICT_ACCEPT"));

  // The agent reads the log afresh for every report: change one event's digest in PCR 4.
  ASSERT_TRUE(CorruptDigestOfPcr(
      deployment_->node_root() + "/sys/kernel/security/tpm0/binary_bios_measurements", 4));
  ASSERT_TRUE(WaitFor(
      [&] { return absl::StrContains(deployment_->VerifierLog(), "EVENTLOG_REPLAY_MISMATCH"); },
      absl::Seconds(20)))
      << deployment_->VerifierLog();
  RunResult status = deployment_->Veuctl({"status", "fra1"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_THAT(status.out, HasSubstr("EVENTLOG_REPLAY_MISMATCH: PCR 4 (sha256)"));
}

// Writes `veuctl refvalues learn` output for `log` under class `name` to `path`.
bool Learn(Deployment& d, const std::string& log, const std::string& name, const std::string& path) {
  RunResult learned = d.Veuctl({"refvalues", "learn", "--eventlog", log, "--name", name});
  if (learned.exit_code != 0) return false;
  std::ofstream(path) << learned.out;
  return true;
}

TEST_F(SpineTest, ReferenceValuesStoredPerPlatformClassDecideTheMeasuredBootChecks) {
  ASSERT_OK(deployment_->PrepareMeasuredBoot());
  ASSERT_OK(deployment_->StartVerifier());
  ASSERT_OK(deployment_->AddSiteAndStartAgent("fra1"));
  ASSERT_TRUE(WaitForAppraisals(1)) << deployment_->VerifierLog();

  // Learned from this node's own log (an operator reviews it), stored, and the node assigned.
  const std::string own = deployment_->dir() + "/refs-own.json";
  ASSERT_TRUE(Learn(*deployment_, DemoEventLogPath(), "gpu-gen3", own));
  ASSERT_EQ(deployment_->Veuctl({"refvalues", "load", own}).exit_code, 0);
  absl::StatusOr<std::string> first = deployment_->FirstAgentId();
  ASSERT_OK(first.status());
  const std::string agent_id = *first;
  RunResult assigned = deployment_->Veuctl({"agent", "class", agent_id.substr(0, 12), "gpu-gen3"});
  ASSERT_EQ(assigned.exit_code, 0) << assigned.err;
  int seen = deployment_->AppraisalCount();
  ASSERT_TRUE(WaitForAppraisals(seen + 2));
  RunResult status = deployment_->Veuctl({"status", "fra1", "--json"});
  EXPECT_THAT(status.out, HasSubstr("\"check\": \"refvalue.pcr\",\n      \"status\": \"CHECK_PASS\""));
  EXPECT_THAT(status.out, HasSubstr("\"check\": \"refvalue.boot_application\",\n      \"status\": \"CHECK_PASS\""));
  EXPECT_THAT(status.out, ::testing::Not(HasSubstr("REFERENCE_VALUE_MISMATCH")));
  EXPECT_THAT(status.out, ::testing::Not(HasSubstr("CHECK_FAIL")));
  // This firmware measures no kernel or command line: those reference checks cannot be
  // evaluated, so the node is WARN, never ACCEPT on an unchecked item.
  EXPECT_THAT(status.out, HasSubstr("\"verdict\": \"VERDICT_WARN\""));

  // The class's set is replaced by another machine's: the same node no longer matches it.
  const std::string other = deployment_->dir() + "/refs-other.json";
  ASSERT_TRUE(Learn(*deployment_, std::string(VEU_FIXTURES_DIR) + "/eventlogs/keylime__mb_log.bin",
                    "gpu-gen3", other));
  ASSERT_EQ(deployment_->Veuctl({"refvalues", "load", other}).exit_code, 0);
  seen = deployment_->AppraisalCount();
  ASSERT_TRUE(WaitForAppraisals(seen + 2));
  status = deployment_->Veuctl({"status", "fra1", "--json"});
  EXPECT_THAT(status.out, HasSubstr("REFERENCE_VALUE_MISMATCH"));
  EXPECT_THAT(status.out, HasSubstr("\"verdict\": \"VERDICT_REJECT\""));

  // A class without a stored set is not evaluated, never passed.
  ASSERT_EQ(deployment_->Veuctl({"agent", "class", agent_id.substr(0, 12), "unknown-class"}).exit_code, 0);
  seen = deployment_->AppraisalCount();
  ASSERT_TRUE(WaitForAppraisals(seen + 2));
  status = deployment_->Veuctl({"status", "fra1", "--json"});
  EXPECT_THAT(status.out, HasSubstr("no reference values stored for platform class 'unknown-class'"));
  EXPECT_THAT(status.out, HasSubstr("\"verdict\": \"VERDICT_WARN\""));
}

}  // namespace
}  // namespace veu::testing
