// H-CRTM on a real (software) TPM: swtpm performs a hardware CRTM's _TPM_Hash_Start /
// _TPM_Hash_Data / _TPM_Hash_End before TPM2_Startup, our agent replays the rest of an H-CRTM
// firmware log into it, and tpm2_pcrread (an independent peer) shows the PCRs our Replay
// computes from the log. Without the H-CRTM sequence the same log does not match PCR 0.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/crypto/digest.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"
#include "common/hex.h"
#include "tests/common/eventlog/fixtures.h"
#include "tests/common/eventlog/real_shaped_logs.h"
#include "tests/support/swtpm_process.h"

extern char** environ;

namespace veu::eventlog {
namespace {

constexpr char kCrtm[] = "hardware CRTM microcode v7";

struct Result {
  int exit_code = -1;
  std::string output;
};

Result RunTool(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  Result r;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  posix_spawn_file_actions_destroy(&actions);
  std::ifstream in(log, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  r.output = s.str();
  return r;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class HcrtmInterop : public ::testing::Test {
 protected:
  // Starts swtpm (with the H-CRTM sequence when `hcrtm`), replays `log` into it with
  // `veu-agent extend-eventlog`, and returns sha256 PCRs 0-7 as tpm2_pcrread reads them.
  std::vector<std::string> TpmPcrsAfter(const std::string& log, bool hcrtm) {
    veu::testing::SwtpmOptions options;
    options.create_ek_cert = false;
    if (hcrtm) options.hcrtm_data = kCrtm;
    auto swtpm = veu::testing::SwtpmProcess::Start(options);
    EXPECT_TRUE(swtpm.ok()) << swtpm.status();
    if (!swtpm.ok()) return {};
    const std::string dir = (*swtpm)->TempDir();
    std::ofstream(dir + "/log.bin", std::ios::binary) << log;
    Result extend = RunTool({std::string(VEU_BINARY_DIR) + "/agent/veu-agent", "extend-eventlog",
                         "--tcti", (*swtpm)->Tcti(), dir + "/log.bin"},
                        dir + "/extend.log");
    EXPECT_EQ(extend.exit_code, 0) << extend.output;
    if (hcrtm) {
      EXPECT_NE(extend.output.find("H-CRTM"), std::string::npos) << extend.output;
    }
    Result read = RunTool({"tpm2_pcrread", "-T", (*swtpm)->ToolsTcti(), "sha256:0,1,2,3,4,5,6,7",
                       "-o", dir + "/pcrs.bin"},
                      dir + "/pcrread.log");
    EXPECT_EQ(read.exit_code, 0) << read.output;
    const std::string raw = ReadAll(dir + "/pcrs.bin");
    EXPECT_EQ(raw.size(), 8u * 32u) << read.output;
    std::vector<std::string> pcrs;
    for (size_t i = 0; i + 32 <= raw.size(); i += 32) pcrs.push_back(ToHex(raw.substr(i, 32)));
    return pcrs;
  }
};

TEST_F(HcrtmInterop, ATpmThatDidTheHcrtmSequenceHoldsWhatTheReplayComputes) {
  const std::string log = testing::WithHcrtm(
      testing::FixtureLog("tpm2-tss__binary_measurements_pc_client.bin"), kCrtm);
  auto parsed = ParseEventLog(log);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_TRUE(StartsWithHcrtm(*parsed));
  const PcrValues replayed = Replay(*parsed);
  const std::vector<std::string> tpm = TpmPcrsAfter(log, /*hcrtm=*/true);
  ASSERT_EQ(tpm.size(), 8u);
  for (uint32_t pcr = 0; pcr < 8; ++pcr) {
    EXPECT_EQ(tpm[pcr], ToHex(replayed.at(crypto::kAlgSha256).at(pcr))) << "PCR " << pcr;
  }
}

TEST_F(HcrtmInterop, WithoutTheHcrtmSequencePcr0DoesNotMatchTheLog) {
  const std::string log = testing::WithHcrtm(
      testing::FixtureLog("tpm2-tss__binary_measurements_pc_client.bin"), kCrtm);
  auto parsed = ParseEventLog(log);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const std::vector<std::string> tpm = TpmPcrsAfter(log, /*hcrtm=*/false);
  ASSERT_EQ(tpm.size(), 8u);
  EXPECT_NE(tpm[0], ToHex(Replay(*parsed).at(crypto::kAlgSha256).at(0)));
  EXPECT_EQ(tpm[1], ToHex(Replay(*parsed).at(crypto::kAlgSha256).at(1)));
}

}  // namespace
}  // namespace veu::eventlog
