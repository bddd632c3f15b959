// Agents and a verifier on a bad network (issue 10): delay and loss from veu-faultproxy, the
// verifier in a network namespace of its own where this machine allows one, and a partition of
// 8 s in the middle (the proxy forwards nothing, the veth link is down). What must hold: every
// appraisal an agent saw acknowledged is stored exactly once, the log stays consistent, no agent
// is refused for the network's faults, and every agent attests again after the heal.
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

TEST(PartitionTest, DelayLossAndAPartitionLoseNothingAndEveryAgentComesBack) {
  const std::string dir = MakeTempDir("veu-partition");
  constexpr int kIntervalS = 2, kCutS = 8;
  std::map<std::string, std::string> env = {{"BUILD_DIR", VEU_BINARY_DIR},
                                            {"KEEP", "1"},
                                            {"LOADTEST_DIR", dir},
                                            {"DELAY_MS", "50"},
                                            {"LOSS_PERCENT", "2"},
                                            {"STALL_MS", "300"},
                                            {"PARTITION_AFTER", "10"},
                                            {"PARTITION_S", std::to_string(kCutS)}};
  RunResult r = veu::testing::Run({VEU_SOURCE_DIR "/deploy/loadtest/partition.sh", "40",
                     std::to_string(kIntervalS), "45"},
                    env, absl::Seconds(120));
  const std::string last = LastLine(r.out);
  EXPECT_EQ(r.exit_code, 0) << last << "\n" << r.err;
  EXPECT_THAT(last, MatchesRegex("partition agents 40 interval 2 delay 50 ms loss 2 %: acknowledged "
                                 "[0-9]+, lost 0, errors 0, reconnects [0-9]+, cut 8 s, back 40 of "
                                 "40, max gap [0-9.]+ ms, p50 [0-9.]+ ms, p99 [0-9.]+ ms, network "
                                 "(netns|loopback)"));
  if (last.find("network loopback") != std::string::npos) {
    // Said in the test's output, not hidden: the proxy alone made the partition.
    RecordProperty("network", "loopback: network namespaces unavailable on this machine");
    std::cout << "partition_test: network namespaces unavailable here; the partition was made "
                 "by the proxy alone\n";
  }
  EXPECT_THAT(r.err, HasSubstr("network cut at"));
  EXPECT_THAT(r.err, HasSubstr("network healed at"));
  const auto loadgen = Fields(ReadFile(dir + "/loadgen.out"));
  const auto check = Fields(ReadFile(dir + "/check.out"));
  EXPECT_EQ(Number(loadgen, "errors"), 0) << loadgen.at("errors_by_reason");
  EXPECT_EQ(Number(check, "lost"), 0);
  EXPECT_EQ(Number(check, "duplicated"), 0);
  EXPECT_EQ(check.at("log_consistent"), "yes");
  // The cut was long enough to end every stream that had a challenge out (deadline 2 s).
  EXPECT_GE(Number(loadgen, "failovers"), 20);
  // Every report after each agent's first crossed the proxy's 50 ms each way.
  EXPECT_GE(Number(loadgen, "p50_ms"), 100);
  // Back within the cut, an interval and 20 s of reconnecting (TCP's resend backoff included).
  EXPECT_LE(Number(loadgen, "max_gap_ms"), (kCutS + kIntervalS + 20) * 1000.0);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace veu::testing
