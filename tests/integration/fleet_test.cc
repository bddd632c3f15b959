// A fleet against one real verifier: deploy/loadtest/run.sh drives veu-loadgen's software-TPM
// agents through real enrolment and real TLS streams, then checks the store. The figures are
// benchmarks (bench/README.md); these tests assert only what must hold at any speed: every
// acknowledged result is stored exactly once, the transparency log holds each stored result
// once, no stream failed, and abusive silent streams are cut without costing real agents.
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

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class FleetTest : public ::testing::Test {
 protected:
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RunResult RunLoad(const std::vector<std::string>& args, std::map<std::string, std::string> env,
                    absl::Duration timeout) {
    dir_ = MakeTempDir("veu-fleet");
    env["BUILD_DIR"] = VEU_BINARY_DIR;
    env["KEEP"] = "1";
    env["LOADTEST_DIR"] = dir_;
    std::vector<std::string> argv = {VEU_SOURCE_DIR "/deploy/loadtest/run.sh"};
    argv.insert(argv.end(), args.begin(), args.end());
    return veu::testing::Run(argv, env, timeout);
  }
  std::string dir_;
};

TEST_F(FleetTest, ThousandAgentsForAMinuteEveryAcknowledgedResultStoredOnceAndLogged) {
  RunResult r = RunLoad({"1000", "10", "60"}, {{"CONNECTIONS", "10"}}, absl::Seconds(240));
  const std::string last = LastLine(r.out);
  EXPECT_EQ(r.exit_code, 0) << last << "\n" << r.err;
  EXPECT_THAT(last, MatchesRegex("agents 1000 interval 10: acknowledged [0-9]+, lost 0, errors 0, "
                                 "p50 [0-9.]+ ms, p99 [0-9.]+ ms, appraisals/s [0-9.]+, verifier CPU "
                                 "[0-9.]+ %, verifier RSS [0-9]+ MB"));
  const auto loadgen = Fields(ReadFile(dir_ + "/loadgen.out"));
  const auto check = Fields(ReadFile(dir_ + "/check.out"));
  EXPECT_EQ(Number(loadgen, "agents"), 1000);
  EXPECT_EQ(Number(loadgen, "enrol_failures"), 0);
  // Every agent reports at least five times in a minute at a 10 s interval.
  EXPECT_GE(Number(loadgen, "acknowledged"), 5000);
  EXPECT_EQ(Number(check, "checked"), Number(loadgen, "acknowledged"));
  EXPECT_EQ(Number(check, "lost"), 0);
  EXPECT_EQ(Number(check, "duplicated"), 0);
  EXPECT_EQ(check.at("log_consistent"), "yes");
  EXPECT_GE(Number(check, "stored"), Number(check, "checked"));
  EXPECT_EQ(Number(check, "log_tree_size"), Number(check, "stored"));
}

TEST_F(FleetTest, SilentStreamFloodIsCutAtTheHelloDeadlineAndRealAgentsKeepAttesting) {
  // 3,000 streams that never say hello, beside 50 real agents reporting every 2 s.
  RunResult r = RunLoad({"50", "2", "20"}, {{"SILENT_STREAMS", "3000"}, {"CONNECTIONS", "8"}},
                        absl::Seconds(120));
  EXPECT_EQ(r.exit_code, 0) << LastLine(r.out) << "\n" << r.err;
  const auto loadgen = Fields(ReadFile(dir_ + "/loadgen.out"));
  EXPECT_EQ(Number(loadgen, "errors"), 0);
  EXPECT_GE(Number(loadgen, "acknowledged"), 50u * 8) << "each agent about every 2 s for 20 s";
  // Each silent stream was told why it was cut (the hello deadline) before the run ended.
  EXPECT_EQ(Number(loadgen, "silent_streams_cut"), 3000);
  EXPECT_THAT(ReadFile(dir_ + "/verifier.log"), HasSubstr("no hello before the deadline"));
}

}  // namespace
}  // namespace veu::testing
