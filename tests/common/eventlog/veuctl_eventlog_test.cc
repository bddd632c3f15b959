// `veuctl eventlog` and `veuctl refvalues` as an operator runs them, on real fixture logs.
// Skipped when veuctl has not been built in this build tree.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/common/eventlog/fixtures.h"
#include "tests/common/eventlog/real_shaped_logs.h"

namespace veu::eventlog {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kVeuctl =
    std::filesystem::path(VEU_BINARY_DIR) / "verifier/veuctl/veuctl";

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

CommandResult Veuctl(const std::string& args) {
  CommandResult r;
  FILE* p = popen((kVeuctl.string() + " " + args + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string Fixture(const std::string& name) {
  return (testing::EventLogFixtureDir() / name).string();
}

class VeuctlEventLog : public ::testing::Test {
 protected:
  void SetUp() override {
    // Built with the tests (add_dependencies); missing is a broken build, not a pass (issue 17).
    ASSERT_TRUE(std::filesystem::exists(kVeuctl)) << "veuctl not built at " << kVeuctl;
  }
};

TEST_F(VeuctlEventLog, PrintsEventsAndReplayedPcrsAsJson) {
  const CommandResult r = Veuctl("eventlog --json " + Fixture("go-tpm-tools__rhel8-uefi.bin"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  google::protobuf::Struct json;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &json).ok())
      << r.out.substr(0, 300);
  const auto& first = json.fields().at("events").list_value().values(1).struct_value().fields();
  EXPECT_EQ(first.at("index").number_value(), 1);
  EXPECT_EQ(first.at("type").string_value(), "EV_S_CRTM_VERSION");
  const testing::Expectation want = testing::LoadExpectation("go-tpm-tools__rhel8-uefi.bin");
  EXPECT_EQ(json.fields()
                .at("pcrs")
                .struct_value()
                .fields()
                .at("sha256")
                .struct_value()
                .fields()
                .at("0")
                .string_value(),
            ToHex(want.pcrs.at(crypto::kAlgSha256).at(0)));
}

TEST_F(VeuctlEventLog, RejectsAMalformedLogWithItsReasonCode) {
  const CommandResult r =
      Veuctl("eventlog " + Fixture("keylime__create-mb-policy_binary_bios_measurements-bogus"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("EVENTLOG_MALFORMED"));
  EXPECT_THAT(r.out, HasSubstr("record 0 at byte offset 0"));
}

TEST_F(VeuctlEventLog, UnreadableFileIsAUsageError) {
  EXPECT_EQ(Veuctl("eventlog /nonexistent/log").exit_code, 2);
}

TEST_F(VeuctlEventLog, LearnedReferenceValuesAcceptTheirLogAndRejectAnother) {
  const std::string refs =
      (std::filesystem::temp_directory_path() / "veu_eventlog_refs.json").string();
  const CommandResult learn =
      Veuctl("refvalues learn --eventlog " + Fixture("go-tpm-tools__rhel8-uefi.bin") +
             " --name gce > " + refs);
  ASSERT_EQ(learn.exit_code, 0) << learn.out;
  const CommandResult same =
      Veuctl("refvalues check --eventlog " + Fixture("go-tpm-tools__rhel8-uefi.bin") +
             " --refvalues " + refs);
  EXPECT_EQ(same.exit_code, 0) << same.out;
  const CommandResult other =
      Veuctl("refvalues check --eventlog " + Fixture("go-tpm-tools__cos-85-amd-sev.bin") +
             " --refvalues " + refs);
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_THAT(other.out, HasSubstr("REFERENCE_VALUE_MISMATCH"));
  std::filesystem::remove(refs);
}

// A real log edited into a node with option ROMs, an S-CRTM version whose data does not hash,
// and a hardware CRTM; written to a temp file (removed with the object).
class RealShapedLogFile {
 public:
  explicit RealShapedLogFile(const std::string& name, const std::string& rom = "option ROM")
      : path_((std::filesystem::temp_directory_path() / name).string()) {
    std::ofstream(path_, std::ios::binary) << testing::WithHcrtm(
        testing::WithOptionRomsAndOddCrtmVersion(
            testing::FixtureLog("go-tpm-tools__rhel8-uefi.bin"), rom),
        "crtm");
  }
  ~RealShapedLogFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_F(VeuctlEventLog, ListsEveryFindingAndSaysPcr0StartsFromTheHcrtm) {
  RealShapedLogFile log("veu_eventlog_real_shaped.bin");
  const CommandResult r = Veuctl("eventlog " + log.path());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("PCR 0 starts at locality 4: H-CRTM"));
  EXPECT_THAT(r.out, HasSubstr("finding EVENTLOG_DIGEST_DATA_MISMATCH"));
  EXPECT_THAT(r.out, HasSubstr("finding EVENTLOG_EVENT_AFTER_SEPARATOR"));
}

TEST_F(VeuctlEventLog, ReferenceValuesLearnedFromANodeWithFindingsAcceptItAndRejectAChangedOne) {
  RealShapedLogFile node("veu_eventlog_node.bin");
  RealShapedLogFile changed("veu_eventlog_changed.bin", "another option ROM");
  const std::string refs =
      (std::filesystem::temp_directory_path() / "veu_eventlog_node_refs.json").string();
  const CommandResult learn =
      Veuctl("refvalues learn --eventlog " + node.path() + " --name gpu > " + refs);
  ASSERT_EQ(learn.exit_code, 0) << learn.out;
  const CommandResult same =
      Veuctl("refvalues check --eventlog " + node.path() + " --refvalues " + refs);
  EXPECT_EQ(same.exit_code, 0) << same.out;
  const CommandResult other =
      Veuctl("refvalues check --eventlog " + changed.path() + " --refvalues " + refs);
  EXPECT_EQ(other.exit_code, 1) << other.out;
  EXPECT_THAT(other.out, HasSubstr("not among the 3 findings the reference values expect"));
  std::filesystem::remove(refs);
}

}  // namespace
}  // namespace veu::eventlog
