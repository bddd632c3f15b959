// The facts the agent reports carry NVML's GPU identity: through FactsCollector (what the
// running agent calls each round) and through a real `veu-agent facts` process, with
// libfake-nvml.so standing in for NVIDIA's library.
#include "agent/facts_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/agent/collectors/fake_root.h"
#include "tests/support/fake_nvml/fake_nvml.h"

namespace veu::agent {
namespace {

using ::testing::HasSubstr;
using ::veu::collectors::testing::BuildHgxH100;
using ::veu::collectors::testing::FakeRoot;
using ::veu::testing::ScopedFakeNvmlDevices;

const char kPolicyPack[] = VEU_SOURCE_DIR "/deploy/policies/veu-2025.textproto";

// Two of the HGX node's eight GPUs as NVML reports them.
const char kTwoGpus[] =
    "driver 550.90.07\n"
    "cc on\n"
    "0000:18:00.0 1652823054001 GPU-11111111-1111-4111-8111-111111111111 "
    "\"NVIDIA H100 80GB HBM3\" 692-2G520-0200-000 96.00.74.00.01\n"
    "0000:9a:00.0 1652823054005 GPU-55555555-5555-4555-8555-555555555555 "
    "\"NVIDIA H100 80GB HBM3\" 692-2G520-0200-000 96.00.74.00.01\n";

const v1::AcceleratorDevice* Find(const v1::Facts& f, const std::string& addr) {
  for (const auto& d : f.inventory().accelerators()) {
    if (d.pci_address() == addr) return &d;
  }
  return nullptr;
}

std::unique_ptr<FactsCollector> Collector(const FakeRoot& root, const std::string& nvml) {
  FactsCollectorOptions options;
  options.root = root.path();
  options.policy_pack = kPolicyPack;
  options.nvml_library = nvml;
  auto c = FactsCollector::Create(options);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : nullptr;
}

TEST(FactsCollectorTest, ReportsNvmlSerialsOnTheGpusWhoseBusIdsMatch) {
  FakeRoot root;
  BuildHgxH100(root);
  ScopedFakeNvmlDevices devices(kTwoGpus);
  auto collector = Collector(root, VEU_FAKE_NVML_PATH);
  ASSERT_NE(collector, nullptr);
  v1::Facts facts = collector->Collect();
  EXPECT_TRUE(facts.inventory().nvml().available());
  EXPECT_EQ(facts.inventory().nvml().driver_version(), "550.90.07");
  EXPECT_TRUE(facts.inventory().nvml().confidential_computing_on());
  ASSERT_NE(Find(facts, "0000:9a:00.0"), nullptr);
  EXPECT_EQ(Find(facts, "0000:9a:00.0")->identity_source(), v1::NVML);
  EXPECT_EQ(Find(facts, "0000:9a:00.0")->gpu().serial(), "1652823054005");
  EXPECT_EQ(Find(facts, "0000:18:00.0")->gpu().uuid(), "GPU-11111111-1111-4111-8111-111111111111");
  // A GPU NVML did not report keeps PCI-ID identity only.
  EXPECT_EQ(Find(facts, "0000:2a:00.0")->identity_source(), v1::PCI_IDS_ONLY);
  EXPECT_FALSE(Find(facts, "0000:2a:00.0")->has_gpu());
}

// The running agent calls Collect() for every report: a GPU swapped after the agent started
// must show in the next report, not after a restart.
TEST(FactsCollectorTest, QueriesNvmlAgainAtEachCollection) {
  FakeRoot root;
  BuildHgxH100(root);
  ScopedFakeNvmlDevices devices(kTwoGpus);
  auto collector = Collector(root, VEU_FAKE_NVML_PATH);
  ASSERT_NE(collector, nullptr);
  EXPECT_EQ(Find(collector->Collect(), "0000:9a:00.0")->gpu().serial(), "1652823054005");
  std::ofstream(devices.path(), std::ios::trunc)
      << "0000:9a:00.0 1652823099999 GPU-swapped name part vbios\n";
  v1::Facts after = collector->Collect();
  EXPECT_EQ(Find(after, "0000:9a:00.0")->gpu().serial(), "1652823099999");
  EXPECT_FALSE(Find(after, "0000:18:00.0")->has_gpu());
}

TEST(FactsCollectorTest, NoneTurnsNvmlOffAndSaysSo) {
  FakeRoot root;
  BuildHgxH100(root);
  ScopedFakeNvmlDevices devices(kTwoGpus);  // there, but not to be loaded
  auto collector = Collector(root, "none");
  ASSERT_NE(collector, nullptr);
  v1::Facts facts = collector->Collect();
  EXPECT_FALSE(facts.inventory().nvml().available());
  EXPECT_THAT(facts.inventory().nvml().detail(), HasSubstr("disabled by configuration"));
  EXPECT_THAT(facts.inventory().nvml().detail(), HasSubstr("PCI IDs only"));
  EXPECT_FALSE(Find(facts, "0000:9a:00.0")->has_gpu());
  EXPECT_EQ(facts.inventory().totals().count(), 8u);
}

TEST(FactsCollectorTest, MissingLibraryIsUnavailableWithTheReasonNotAnError) {
  FakeRoot root;
  BuildHgxH100(root);
  auto collector = Collector(root, root.path() + "/no/libnvidia-ml.so.1");
  ASSERT_NE(collector, nullptr);
  v1::Facts facts = collector->Collect();
  EXPECT_FALSE(facts.inventory().nvml().available());
  EXPECT_THAT(facts.inventory().nvml().detail(), HasSubstr("could not be loaded"));
  EXPECT_TRUE(facts.inventory().errors().empty());
  EXPECT_EQ(facts.inventory().totals().count(), 8u);
}

TEST(FactsCollectorTest, EmptyLibraryNameMeansTheVendorsDefault) {
  FakeRoot root;
  auto collector = Collector(root, "");
  ASSERT_NE(collector, nullptr);
  v1::Facts facts = collector->Collect();
  // Whether or not this machine has NVIDIA's driver, "" must not be dlopen("")'d (which
  // returns the test binary itself and so "lacks nvmlInit_v2"): the detail names the soname.
  if (!facts.inventory().nvml().available()) {
    EXPECT_THAT(facts.inventory().nvml().detail(), HasSubstr("libnvidia-ml.so.1"));
  }
}

struct ProcessResult {
  int exit_code = -1;
  std::string out;
};

// Runs veu-agent with `args` (no quotes in them), capturing stdout (and stderr if asked).
ProcessResult RunAgent(const std::vector<std::string>& args, bool with_stderr = false) {
  std::string cmd = std::string("'") + VEU_AGENT_BINARY + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  if (with_stderr) cmd += " 2>&1";
  ProcessResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

google::protobuf::Struct ParseJson(const std::string& json) {
  google::protobuf::Struct doc;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &doc).ok()) << json;
  return doc;
}

const google::protobuf::Struct* JsonDevice(const google::protobuf::Struct& doc,
                                           const std::string& addr) {
  for (const auto& v : doc.fields().at("accelerators").list_value().values()) {
    if (v.struct_value().fields().at("pci_address").string_value() == addr) {
      return &v.struct_value();
    }
  }
  return nullptr;
}

TEST(FactsCommandTest, JsonShowsSerialsAndUuidsFromTheNvmlLibraryGiven) {
  FakeRoot root;
  BuildHgxH100(root);
  ScopedFakeNvmlDevices devices(kTwoGpus);  // inherited by the child process
  ProcessResult r = RunAgent({"facts", "--root", root.path(), "--policy-pack", kPolicyPack,
                    "--nvml-library", VEU_FAKE_NVML_PATH, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  google::protobuf::Struct doc = ParseJson(r.out);
  const auto& nvml = doc.fields().at("nvml").struct_value().fields();
  EXPECT_TRUE(nvml.at("available").bool_value());
  EXPECT_EQ(nvml.at("driver_version").string_value(), "550.90.07");
  const google::protobuf::Struct* gpu = JsonDevice(doc, "0000:9a:00.0");
  ASSERT_NE(gpu, nullptr) << r.out;
  EXPECT_EQ(gpu->fields().at("identity_source").string_value(), "NVML");
  EXPECT_EQ(gpu->fields().at("serial").string_value(), "1652823054005");
  EXPECT_EQ(gpu->fields().at("uuid").string_value(), "GPU-55555555-5555-4555-8555-555555555555");
  EXPECT_EQ(gpu->fields().at("name").string_value(), "NVIDIA H100 80GB HBM3");
  const google::protobuf::Struct* other = JsonDevice(doc, "0000:2a:00.0");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->fields().at("identity_source").string_value(), "PCI_IDS_ONLY");
  EXPECT_FALSE(other->fields().contains("serial"));
}

TEST(FactsCommandTest, NoneAndAMissingLibraryBothReportUnavailableWithAReason) {
  FakeRoot root;
  BuildHgxH100(root);
  ScopedFakeNvmlDevices devices(kTwoGpus);
  const std::pair<std::string, std::string> cases[] = {
      {"none", "disabled by configuration"},
      {root.path() + "/missing/libnvidia-ml.so.1", "could not be loaded"},
  };
  for (const auto& [library, reason] : cases) {
    ProcessResult r = RunAgent({"facts", "--root", root.path(), "--policy-pack", kPolicyPack,
                      "--nvml-library", library, "--json"});
    ASSERT_EQ(r.exit_code, 0) << library;
    google::protobuf::Struct doc = ParseJson(r.out);
    const auto& nvml = doc.fields().at("nvml").struct_value().fields();
    EXPECT_FALSE(nvml.at("available").bool_value()) << library;
    EXPECT_THAT(nvml.at("detail").string_value(), HasSubstr(reason)) << library;
    EXPECT_FALSE(JsonDevice(doc, "0000:9a:00.0")->fields().contains("serial")) << library;
  }
}

// Issue 15: from a build tree `veu-agent facts` failed until given --policy-pack.
TEST(FactsCommandTest, FromTheBuildTreeTheShippedPackIsFoundWithoutTheFlag) {
  FakeRoot root;
  BuildHgxH100(root);
  ProcessResult r = RunAgent({"facts", "--root", root.path(), "--nvml-library", "none", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  google::protobuf::Struct doc = ParseJson(r.out);
  const google::protobuf::Struct* gpu = JsonDevice(doc, "0000:9a:00.0");
  ASSERT_NE(gpu, nullptr) << r.out;
  // The H100's catalogue entry came from the pack: its model is named, not only PCI IDs.
  EXPECT_THAT(r.out, HasSubstr("H100"));
}

TEST(FactsCommandTest, MisspeltFlagIsAUsageErrorWhoseUsageNamesTheNvmlFlag) {
  ProcessResult r = RunAgent({"facts", "--nvml-libary", "x"}, /*with_stderr=*/true);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, HasSubstr("--nvml-library PATH|none"));
}

}  // namespace
}  // namespace veu::agent
