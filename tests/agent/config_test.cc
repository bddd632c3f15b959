// nvml_library in the agent's configuration: file, flag override, default.
#include "agent/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace veu::agent {
namespace {

const std::vector<std::string> kRequired = {"--verifier", "v.example:8443", "--site", "fra1",
                                            "--ca", "/etc/ca.pem"};

absl::StatusOr<v1::AgentConfig> Load(std::vector<std::string> args) {
  args.insert(args.end(), kRequired.begin(), kRequired.end());
  AgentRunFlags run_flags;
  return LoadAgentConfig(args, &run_flags);
}

std::string WriteConfig(const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("veu-agent-config-" + std::to_string(getpid()) + ".textproto"))
                               .string();
  std::ofstream(path, std::ios::trunc) << text;
  return path;
}

TEST(AgentConfigNvmlTest, DefaultIsTheDriversSoname) {
  auto config = Load({});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->nvml_library(), "libnvidia-ml.so.1");
}

TEST(AgentConfigNvmlTest, ConfigFileSetsItAndTheFlagOverridesIt) {
  const std::string path = WriteConfig("nvml_library: \"none\"\n");
  auto from_file = Load({"--config", path});
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(from_file->nvml_library(), "none");
  auto overridden = Load({"--config", path, "--nvml-library", "/opt/nvidia/libnvidia-ml.so.1"});
  ASSERT_TRUE(overridden.ok()) << overridden.status();
  EXPECT_EQ(overridden->nvml_library(), "/opt/nvidia/libnvidia-ml.so.1");
  std::filesystem::remove(path);
}

TEST(AgentConfigNvmlTest, ShippedExampleConfigParsesAndNamesTheDefaultLibrary) {
  AgentRunFlags run_flags;
  auto config = LoadAgentConfig(
      {"--config", std::string(VEU_BINARY_DIR) + "/deploy/config/agent.textproto"}, &run_flags);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->nvml_library(), "libnvidia-ml.so.1");
}

// Issue 10: the Kubernetes DaemonSet's config is one the agent accepts, reading the host's
// files under /host and dialling the verifiers' Service.
TEST(AgentConfigNvmlTest, TheKubernetesDaemonSetConfigParses) {
  AgentRunFlags run_flags;
  auto config = LoadAgentConfig(
      {"--config", std::string(VEU_SOURCE_DIR) + "/deploy/k8s/agent.textproto"}, &run_flags);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->root_dir(), "/host");
  EXPECT_EQ(config->verifier_address(), "veu-verifier.veu-attest.svc:8443");
  EXPECT_EQ(config->tcti(), "device:/dev/tpmrm0");
}

TEST(AgentConfigNvmlTest, UsageDocumentsTheFlagForRunAndFacts) {
  const std::string usage = AgentUsage();
  EXPECT_THAT(usage, ::testing::HasSubstr("--nvml-library PATH|none\n"));
  EXPECT_THAT(usage, ::testing::HasSubstr("[--nvml-library PATH|none] [--json]"));
}

}  // namespace
}  // namespace veu::agent
