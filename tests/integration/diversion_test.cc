// Diversion end to end: two real nodes (each its own swtpm) at two sites of one organisation
// report the same GPU serials through NVML (the fake vendor library, loaded by the agent's
// real dlopen path). The second site's report opens diversion cases and the "chips stay at the
// authorised site" control (VEU-04.site) fails at both sites; once the first node is gone (the
// chips moved) and an operator resolves the cases with a note, the second site passes again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "tests/integration/deployment.h"
#include "tests/support/fake_nvml/fake_nvml.h"
#include "tests/support/status_matchers.h"

namespace veu::testing {
namespace {

using ::testing::HasSubstr;

// The status of control `id` in the newest appraisal `veuctl status SITE --json` shows.
std::string ControlStatus(const Deployment& d, const std::string& site, const std::string& id) {
  RunResult status = d.Veuctl({"status", site, "--json"});
  const size_t at = status.out.find(absl::StrCat("\"check\": \"", id, "\""));
  if (at == std::string::npos) return "";
  const std::string key = "\"status\": \"";
  const size_t s = status.out.find(key, at);
  if (s == std::string::npos) return "";
  const size_t begin = s + key.size();
  return status.out.substr(begin, status.out.find('"', begin) - begin);
}

std::string Token(const Deployment& d, const std::string& site) {
  RunResult token = d.Veuctl({"site", "token", site});
  return std::string(absl::StripAsciiWhitespace(token.out));
}

TEST(DiversionIntegrationTest, SameSerialsAtTwoSitesFailBothUntilResolved) {
  ScopedFakeNvmlDevices gpus(
      "driver 550.90.07\n"
      "0000:17:00.0 1654922006536 GPU-3c1e6f4a-0b8e-4d3c-9a57-2f6b0d1e8a01 \"NVIDIA H100 PCIe\" "
      "900-21010-0000-000 96.00.30.00.01\n"
      "0000:18:00.0 1654922006537 GPU-3c1e6f4a-0b8e-4d3c-9a57-2f6b0d1e8a02 \"NVIDIA H100 PCIe\" "
      "900-21010-0000-000 96.00.30.00.01\n");
  absl::StatusOr<std::unique_ptr<Deployment>> created = Deployment::Create();
  ASSERT_OK(created.status());
  Deployment& d = **created;
  ASSERT_OK(d.UseDemoNodeTree());
  VerifierOptions options;
  options.policy_pack = PolicyPackPath();
  ASSERT_OK(d.StartVerifier(options));
  ASSERT_EQ(d.Veuctl({"site", "add", "fra1", "--country", "DE", "--org", "Acme"}).exit_code, 0);
  ASSERT_EQ(d.Veuctl({"site", "add", "dxb1", "--country", "AE", "--org", "Acme"}).exit_code, 0);
  const std::vector<std::string> nvml = {"--nvml-library", VEU_FAKE_NVML_PATH};

  // Frankfurt's node reports the two boards with their serials; nothing is amiss yet.
  ASSERT_OK(d.StartAgent("fra1", Token(d, "fra1"), nvml));
  ASSERT_TRUE(WaitFor([&] { return ControlStatus(d, "fra1", "VEU-04.site") == "CHECK_PASS"; },
                      absl::Seconds(30)))
      << d.VerifierLog() << d.AgentLog();

  // The same serials turn up in Dubai.
  ASSERT_OK(d.StartExtraAgent("dubai-node", "dxb1", Token(d, "dxb1"), nvml));
  ASSERT_TRUE(WaitFor([&] { return ControlStatus(d, "dxb1", "VEU-04.site") == "CHECK_FAIL"; },
                      absl::Seconds(30)))
      << d.VerifierLog() << d.ExtraAgentLog("dubai-node");
  // ... and Frankfurt fails too from its next report: the case names both sites.
  ASSERT_TRUE(WaitFor([&] { return ControlStatus(d, "fra1", "VEU-04.site") == "CHECK_FAIL"; },
                      absl::Seconds(15)))
      << d.VerifierLog();
  RunResult status = d.Veuctl({"status", "dxb1", "--json"});
  EXPECT_THAT(status.out, HasSubstr("ACCELERATOR_DIVERSION"));
  EXPECT_THAT(status.out, HasSubstr("serial:1654922006536"));

  RunResult cases = d.Veuctl({"diversions", "--json"});
  EXPECT_EQ(cases.exit_code, 1) << "open cases make `veuctl diversions` exit 1";
  EXPECT_THAT(cases.out, HasSubstr("\"other_site\": \"fra1\""));
  EXPECT_THAT(cases.out, HasSubstr("serial:1654922006537"));
  for (const std::string site : {"fra1", "dxb1"}) {
    RunResult events = d.Veuctl({"events", "--site", site, "--json"});
    EXPECT_THAT(events.out, HasSubstr("EVENT_DIVERSION_SUSPECTED")) << site;
  }

  // The boards really moved: Frankfurt's node is gone, and the operator closes the cases.
  d.StopAgent();
  RunResult listed = d.Veuctl({"diversions"});
  for (const std::string id : {"1", "2"}) {
    RunResult resolved = d.Veuctl({"diversion", "resolve", id, "--note",
                                   "relocation to dxb1 notified to BIS, ref 2026-117"});
    EXPECT_EQ(resolved.exit_code, 0) << listed.out << resolved.err;
  }
  EXPECT_EQ(d.Veuctl({"diversions"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return ControlStatus(d, "dxb1", "VEU-04.site") == "CHECK_PASS"; },
                      absl::Seconds(15)))
      << d.VerifierLog();
  RunResult events = d.Veuctl({"events", "--site", "dxb1", "--json"});
  EXPECT_THAT(events.out, HasSubstr("EVENT_DIVERSION_RESOLVED"));
  EXPECT_THAT(events.out, HasSubstr("ref 2026-117"));
}

}  // namespace
}  // namespace veu::testing
