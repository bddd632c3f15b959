// The VEU controls end to end: an agent reports a node's inventory and configuration through
// a real swtpm quote; the verifier evaluates the policy pack over those quote-bound facts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "tests/integration/deployment.h"
#include "tests/support/status_matchers.h"

namespace veu::testing {
namespace {

using ::testing::HasSubstr;

// The JSON object of one check in `veuctl status --json` output, e.g. its "status" line.
std::string CheckStatusOf(const std::string& json, const std::string& check) {
  const size_t at = json.rfind("\"check\": \"" + check + "\"");
  if (at == std::string::npos) return "";
  const size_t status = json.find("\"status\": \"", at);
  if (status == std::string::npos) return "";
  const size_t end = json.find('"', status + 11);
  return json.substr(status + 11, end - status - 11);
}

void AddH100(const std::string& node_root, const std::string& address) {
  const std::string dir = node_root + "/sys/bus/pci/devices/" + address;
  std::filesystem::create_directories(dir);
  for (const auto& [file, value] :
       std::vector<std::pair<std::string, std::string>>{{"vendor", "0x10de"},
                                                        {"device", "0x2331"},
                                                        {"subsystem_vendor", "0x10de"},
                                                        {"subsystem_device", "0x1626"},
                                                        {"class", "0x030200"},
                                                        {"numa_node", "1"}}) {
    std::ofstream(dir + "/" + file) << value << "\n";
  }
}

TEST(PolicyIntegrationTest, InventoryBeyondTheAuthorisationFlipsTheVerdict) {
  absl::StatusOr<std::unique_ptr<Deployment>> created = Deployment::Create();
  ASSERT_OK(created.status());
  Deployment& d = **created;
  ASSERT_OK(d.UseDemoNodeTree());
  ASSERT_OK(d.PrepareMeasuredBoot());
  VerifierOptions options;
  options.policy_pack = PolicyPackPath();
  ASSERT_OK(d.StartVerifier(options));
  // The demo node holds two H100 PCIe boards; the site is authorised for two.
  ASSERT_EQ(d.Veuctl({"site", "add", "fra1", "--country", "DE", "--authorised-accelerators", "2",
                      "--authorised-tpp", "30000"})
                .exit_code,
            0);
  RunResult token = d.Veuctl({"site", "token", "fra1"});
  ASSERT_EQ(token.exit_code, 0);
  ASSERT_OK(d.StartAgent("fra1", std::string(absl::StripAsciiWhitespace(token.out)),
                         {"--data-path", "/srv/model-weights"}));
  ASSERT_TRUE(WaitFor([&] { return d.AppraisalCount() >= 1; }, absl::Seconds(20)))
      << d.VerifierLog() << d.AgentLog();

  // The pack the appraisal names is kept by the verifier, readable by its id@version.
  RunResult status_json = d.Veuctl({"status", "fra1", "--json"});
  const std::string key = "\"policy_version\": \"";
  const size_t at = status_json.out.find(key);
  ASSERT_NE(at, std::string::npos) << status_json.out;
  const std::string version = status_json.out.substr(
      at + key.size(), status_json.out.find('"', at + key.size()) - at - key.size());
  RunResult pack = d.Veuctl({"policy", "show", version});
  EXPECT_EQ(pack.exit_code, 0) << version << pack.err;
  EXPECT_THAT(pack.out, HasSubstr("id: \"veu-2025\""));
  EXPECT_THAT(pack.out, HasSubstr("VEU-04.site"));

  // `veuctl status --verbose` says what rule the verdict is against and where it stands, and
  // what each control's wording rests on (issue 16).
  RunResult verbose = d.Veuctl({"status", "fra1", "--verbose"});
  EXPECT_THAT(verbose.out, HasSubstr("policy pack " + version.substr(version.rfind('+') + 1)));
  EXPECT_THAT(verbose.out, HasSubstr("  status: rescinded 2025-05, replacement pending"));
  EXPECT_THAT(verbose.out, HasSubstr("90 FR 4544"));
  EXPECT_THAT(verbose.out, HasSubstr("PRIMARY    Supplement No. 10 to Part 748, para. 1"));
  EXPECT_THAT(verbose.out, HasSubstr("[SECONDARY, proxy]")) << verbose.out;

  RunResult before = d.Veuctl({"status", "fra1", "--json"});
  EXPECT_EQ(CheckStatusOf(before.out, "VEU-10.inventory"), "CHECK_PASS") << before.out;
  EXPECT_EQ(CheckStatusOf(before.out, "VEU-14.remote-access"), "CHECK_PASS");
  EXPECT_EQ(CheckStatusOf(before.out, "VEU-14.measured-boot"), "CHECK_PASS");
  EXPECT_EQ(CheckStatusOf(before.out, "VEU-14.secure-boot"), "CHECK_PASS");
  // Document-only requirements are carried, never passed: the node is WARN, not ACCEPT.
  EXPECT_EQ(CheckStatusOf(before.out, "VEU-02.military-ties"), "CHECK_NEEDS_EVIDENCE");
  EXPECT_THAT(before.out, HasSubstr("\"verdict\": \"VERDICT_WARN\""));
  EXPECT_EQ(before.exit_code, 0);

  // A third board appears on the node: the next report exceeds the authorisation.
  AddH100(d.node_root(), "0000:19:00.0");
  const int seen = d.AppraisalCount();
  ASSERT_TRUE(WaitFor([&] { return d.AppraisalCount() >= seen + 1; }, absl::Seconds(20)));
  RunResult after = d.Veuctl({"status", "fra1", "--json"});
  EXPECT_EQ(CheckStatusOf(after.out, "VEU-10.inventory"), "CHECK_FAIL") << after.out;
  EXPECT_THAT(after.out, HasSubstr("\"verdict\": \"VERDICT_REJECT\""));
  EXPECT_EQ(after.exit_code, 1);
}

}  // namespace
}  // namespace veu::testing
