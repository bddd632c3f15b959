// `veuctl report verify` as a regulator runs it: files on disk, exit codes 0 / 1 / 2, every
// finding printed. Runs the built veuctl binary; skipped when it was not built.
#include <sys/wait.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "tests/support/status_matchers.h"
#include "tests/verifier/reports/report_history.h"
#include "verifier/reports/compliance_report.h"
#include "verifier/reports/json_value.h"

namespace veu::verifier {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct CliRun {
  int exit_code = -1;
  std::string out;
};

class VeuctlReportVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    veuctl_ = std::filesystem::path(VEU_BINARY_DIR) / "verifier" / "veuctl" / "veuctl";
    // Built with the tests (add_dependencies); missing is a broken build, not a pass (issue 17).
    ASSERT_TRUE(std::filesystem::exists(veuctl_)) << "veuctl is not built: " << veuctl_;
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("veu-report-verify-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    ComplianceReportInput in = history_.Input();
    in.consistency = history_.Consistency();
    absl::StatusOr<v1::ComplianceReport> report = BuildComplianceReport(in);
    ASSERT_OK(report);
    report_ = *report;
    Write("report.json", *SignComplianceReport(report_, history_.signer()));
    Write("pub.pem", history_.public_pem());
    Write("earlier.note", history_.earlier_note());
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }

  CliRun Veuctl(const std::string& args) {
    const std::string cmd =
        absl::StrCat("cd '", dir_.string(), "' && '", veuctl_.string(), "' report verify ", args,
                     " > out.txt 2>&1");
    const int status = std::system(cmd.c_str());
    CliRun run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream in(dir_ / "out.txt");
    std::stringstream buffer;
    buffer << in.rdbuf();
    run.out = buffer.str();
    return run;
  }

  testing::ReportHistory history_;
  v1::ComplianceReport report_;
  std::filesystem::path veuctl_;
  std::filesystem::path dir_;
};

TEST_F(VeuctlReportVerifyTest, AnHonestReportExitsZero) {
  CliRun run = Veuctl("report.json --verifier-key pub.pem --earlier-checkpoint earlier.note");
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_THAT(run.out, StartsWith("OK: compliance report rep-2026-10-01-fra1 of site fra1"));
  EXPECT_THAT(run.out, HasSubstr("extends the earlier checkpoint"));
}

TEST_F(VeuctlReportVerifyTest, ATamperedReportExitsOneWithEveryFinding) {
  v1::ComplianceReport r = report_;
  r.set_verdict_at_end(v1::VERDICT_ACCEPT);
  r.mutable_agents(0)->set_appraisals_in_period(30);
  Write("bad.json", *SignComplianceReport(r, history_.signer()));
  CliRun run = Veuctl("bad.json --verifier-key pub.pem");
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_THAT(run.out, HasSubstr(": 2 findings\n"));
  EXPECT_THAT(run.out, HasSubstr("  - agent aaaaaaaaaaaa\xE2\x80\xA6: report says 30 appraisals in "
                                 "the period, the appraisals show 24\n"));
  EXPECT_THAT(run.out,
              HasSubstr("  - verdict_at_end: report says ACCEPT, the appraisals show REJECT\n"));

  run = Veuctl("bad.json --verifier-key pub.pem --json");
  EXPECT_EQ(run.exit_code, 1);
  absl::StatusOr<JsonValue> json = ParseJson(run.out);
  ASSERT_OK(json);
  ASSERT_NE(json->Find("findings"), nullptr);
  EXPECT_EQ(json->Find("findings")->array.size(), 2u);
  EXPECT_FALSE(json->Find("holds")->boolean);
}

TEST_F(VeuctlReportVerifyTest, UnusableInputExitsTwo) {
  EXPECT_EQ(Veuctl("report.json").exit_code, 2);                                // no key
  EXPECT_EQ(Veuctl("missing.json --verifier-key pub.pem").exit_code, 2);        // no file
  Write("garbage.json", "{\"report\": [");
  CliRun run = Veuctl("garbage.json --verifier-key pub.pem");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.out, HasSubstr("not valid JSON"));
  Write("key.pem", "not a key");
  EXPECT_EQ(Veuctl("report.json --verifier-key key.pem").exit_code, 2);
}

}  // namespace
}  // namespace veu::verifier
