// Verifier replicas on one real PostgreSQL under load from veu-loadgen, through
// deploy/loadtest/replicas.sh: a replica killed with SIGKILL and a database restarted in the
// middle of the run. What must hold whatever the speed: every appraisal an agent saw
// acknowledged is in the database exactly once, the transparency log holds each stored
// appraisal once at leaves 0..n-1, no agent was refused, and the agents of a dead replica
// attest through another within 10 s (the longest gap between two acknowledged reports of any
// agent is at most the interval plus 10 s).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "tests/integration/loadtest_output.h"
#include "tests/integration/process.h"

namespace veu::testing {
namespace {

using ::testing::MatchesRegex;

class ReplicasTest : public ::testing::Test {
 protected:
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RunResult RunReplicas(const std::vector<std::string>& args,
                        std::map<std::string, std::string> env) {
    dir_ = MakeTempDir("veu-replicas");
    env["BUILD_DIR"] = VEU_BINARY_DIR;
    env["KEEP"] = "1";
    env["LOADTEST_DIR"] = dir_;
    std::vector<std::string> argv = {VEU_SOURCE_DIR "/deploy/loadtest/replicas.sh"};
    argv.insert(argv.end(), args.begin(), args.end());
    return veu::testing::Run(argv, env, absl::Seconds(150));
  }
  // What every fault run must show, from the script's files.
  void ExpectNothingLost(const RunResult& r) {
    const std::string last = LastLine(r.out);
    EXPECT_EQ(r.exit_code, 0) << last << "\n" << r.err;
    EXPECT_THAT(last, MatchesRegex("replicas [0-9]+ agents [0-9]+ interval [0-9]+: acknowledged "
                                   "[0-9]+, lost 0, errors 0, failovers [0-9]+, max gap [0-9.]+ "
                                   "ms, p50 [0-9.]+ ms, p99 [0-9.]+ ms, appraisals/s [0-9.]+, "
                                   "verifiers CPU [0-9.-]+ %, database CPU [0-9.-]+ %"));
    loadgen_ = Fields(ReadFile(dir_ + "/loadgen.out"));
    const auto check = Fields(ReadFile(dir_ + "/check.out"));
    EXPECT_EQ(Number(loadgen_, "enrol_failures"), 0);
    EXPECT_EQ(Number(loadgen_, "errors"), 0) << "errors_by_reason " << loadgen_["errors_by_reason"];
    EXPECT_GT(Number(loadgen_, "acknowledged"), 0);
    EXPECT_EQ(Number(check, "checked"), Number(loadgen_, "acknowledged"));
    EXPECT_EQ(Number(check, "lost"), 0);
    EXPECT_EQ(Number(check, "duplicated"), 0);
    EXPECT_EQ(check.at("log_consistent"), "yes");
    EXPECT_GE(Number(check, "stored"), Number(check, "checked"));
  }
  std::string dir_;
  std::map<std::string, std::string> loadgen_;
};

TEST_F(ReplicasTest, AReplicaKilledUnderLoadLosesNoAcknowledgedAppraisalAndItsAgentsMoveWithin10s) {
  constexpr int kIntervalS = 2;
  RunResult r = RunReplicas({"3", "90", std::to_string(kIntervalS), "30"}, {{"KILL_AFTER", "10"}});
  ExpectNothingLost(r);
  EXPECT_THAT(r.err, ::testing::HasSubstr("kill -9 replica 2"));
  // The signed checkpoint kept before the kill is extended by the one after the run, as a
  // regulator checks it (issue 10: the log stays append-only whatever replica dies when).
  EXPECT_THAT(r.err, ::testing::HasSubstr("log consistency across the kill: OK: the latest "
                                          "checkpoint"));
  // A third of the agents were on the dead replica.
  EXPECT_GE(Number(loadgen_, "failovers"), 20);
  EXPECT_LE(Number(loadgen_, "max_gap_ms"), (kIntervalS + 10) * 1000.0);
}

TEST_F(ReplicasTest, ADatabaseRestartUnderLoadLosesNoAcknowledgedAppraisal) {
  RunResult r = RunReplicas({"2", "60", "2", "30"}, {{"RESTART_DB_AFTER", "10"}});
  ExpectNothingLost(r);
  EXPECT_THAT(r.err, ::testing::HasSubstr("PostgreSQL back at"));
  // Every replica told its probes (/healthz) that it could not keep results while the database
  // was down, and that it could again once it was back (issue 10).
  EXPECT_THAT(r.err, MatchesRegex("(.|\n)*health while PostgreSQL is down: replica 0: 503 "
                                  "NOT_SERVING: [^|\n]+ \\| replica 1: 503 NOT_SERVING: "
                                  "[^|\n]+ \\|\n(.|\n)*"));
  EXPECT_THAT(r.err, ::testing::HasSubstr("health after PostgreSQL is back: replica 0: 200 "
                                          "SERVING | replica 1: 200 SERVING |\n"));
  // Agents kept reporting after the database came back: at least 8 reports each in 30 s.
  EXPECT_GE(Number(loadgen_, "acknowledged"), 60 * 8);
}

}  // namespace
}  // namespace veu::testing
