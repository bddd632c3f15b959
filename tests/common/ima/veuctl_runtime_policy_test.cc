// `veuctl runtime-policy import|learn` and `veuctl ima --policy` as an operator runs them on the
// IMA fixtures: import writes a textproto that `veuctl ima --policy` reads back, learn makes one
// the learned node passes, a path taken out of it fails with IMA_FILE_UNKNOWN and its record, a
// warning policy exits 0, and exit codes are 0 accepted, 1 rejected, 2 unreadable input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "veu/v1/runtime_policy.pb.h"

namespace veu::ima {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::filesystem::path kVeuctl = std::filesystem::path(VEU_BINARY_DIR) / "verifier/veuctl/veuctl";

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

CommandResult Veuctl(const std::string& args, bool with_stderr = true) {
  CommandResult r;
  FILE* p = popen((kVeuctl.string() + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::filesystem::path Ima() { return std::filesystem::path(VEU_FIXTURES_DIR) / "ima"; }

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class VeuctlRuntimePolicy : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kVeuctl)) << "veuctl not built at " << kVeuctl;
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("veuctl_rp_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::string Write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
    return Path(name);
  }
  // The Keylime policy inside RUNTIME_POLICY_TEST.json, as a file of its own.
  std::string KeylimeTestPolicy() {
    google::protobuf::Struct s;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                    Read(Ima() / "keylime-test_ima_verification/RUNTIME_POLICY_TEST.json"), &s).ok());
    std::string out;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(s.fields().at("policy"), &out).ok());
    return Write("keylime.json", out);
  }
  std::filesystem::path dir_;
};

TEST_F(VeuctlRuntimePolicy, ImportWritesATextprotoThatAppraisesKeylimesMeasurements) {
  const std::string out = Path("policy.txtpb");
  const CommandResult r = Veuctl("runtime-policy import " + KeylimeTestPolicy() + " --id test --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("6 paths"));
  v1::RuntimePolicy p;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(Read(out), &p));
  EXPECT_EQ(p.id(), "test");
  EXPECT_EQ(p.files_size(), 6);
  const CommandResult m = Veuctl("ima " + (Ima() / "keylime-test_ima_verification/MEASUREMENTS.txt").string() +
                                 " --policy " + out);
  EXPECT_EQ(m.exit_code, 0) << m.out;
  EXPECT_THAT(m.out, HasSubstr("runtime policy: pass (3 entries: 3 by digest"));
  // The Keylime JSON itself is read by --policy too.
  EXPECT_EQ(Veuctl("ima " + (Ima() / "keylime-test_ima_verification/KEYRINGS.txt").string() + " --policy " +
                   Path("keylime.json")).exit_code, 0);
}

TEST_F(VeuctlRuntimePolicy, ImportRefusesADigestOfNoKnownAlgorithmWithExit2) {
  const CommandResult r = Veuctl("runtime-policy import " +
                                 (Ima() / "keylime-create-runtime-policy/policy-unknown").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, HasSubstr("/rootfs_data"));
  EXPECT_EQ(Veuctl("runtime-policy import " + Path("missing.json")).exit_code, 2);
  EXPECT_EQ(Veuctl("runtime-policy import").exit_code, 2);
}

TEST_F(VeuctlRuntimePolicy, ALearnedPolicyPassesItsNodeAndAPathTakenOutFailsWithItsRecord) {
  const std::string log = (Ima() / "rust-keylime/ascii_runtime_measurements").string();
  const std::string learned = Path("learned.txtpb");
  const CommandResult l = Veuctl("runtime-policy learn --ima-log " + log + " --out " + learned);
  ASSERT_EQ(l.exit_code, 0) << l.out;
  EXPECT_THAT(l.out, HasSubstr("note: boot_aggregate"));
  EXPECT_EQ(Veuctl("ima " + log + " --policy " + learned).exit_code, 0);

  v1::RuntimePolicy p;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(Read(learned), &p));
  v1::RuntimePolicy without = p;
  without.clear_files();
  for (const auto& f : p.files()) {
    if (f.path() != "/bin/bash") *without.add_files() = f;
  }
  std::string text;
  google::protobuf::TextFormat::PrintToString(without, &text);
  const std::string fewer = Write("fewer.txtpb", text);
  const CommandResult j = Veuctl("ima " + log + " --json --policy " + fewer, false);
  EXPECT_EQ(j.exit_code, 1) << j.out;
  google::protobuf::Struct s;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(j.out, &s).ok()) << j.out.substr(0, 300);
  EXPECT_EQ(s.fields().at("runtime_policy").struct_value().fields().at("verdict").string_value(), "fail");
  const auto& findings = s.fields().at("findings").list_value().values();
  ASSERT_FALSE(findings.empty());
  const auto& f = findings[0].struct_value().fields();
  EXPECT_EQ(f.at("kind").string_value(), "IMA_FILE_UNKNOWN");
  EXPECT_THAT(f.at("detail").string_value(), HasSubstr("/bin/bash"));
  const int record = static_cast<int>(f.at("record").number_value());
  EXPECT_THAT(f.at("detail").string_value(), HasSubstr("record " + std::to_string(record) + " "));

  // Warned, not failed, when the policy says unknown files warn.
  without.set_unknown_files(v1::UNKNOWN_FILE_WARN);
  google::protobuf::TextFormat::PrintToString(without, &text);
  const CommandResult w = Veuctl("ima " + log + " --policy " + Write("warn.txtpb", text));
  EXPECT_EQ(w.exit_code, 0) << w.out;
  EXPECT_THAT(w.out, HasSubstr("runtime policy: warn"));
  EXPECT_THAT(w.out, HasSubstr("warning IMA_FILE_UNKNOWN"));
}

TEST_F(VeuctlRuntimePolicy, LearnWritesBinaryOnRequestAndRefusesAnAlteredLog) {
  const std::string log = (Ima() / "keylime-test_ima_dm/dm_entries.txt").string();
  const std::string bin = Path("dm.bin");
  ASSERT_EQ(Veuctl("runtime-policy learn --ima-log " + log + " --binary --out " + bin).exit_code, 0);
  v1::RuntimePolicy p;
  ASSERT_TRUE(p.ParseFromString(Read(bin)));
  EXPECT_GT(p.buffers_size(), 0);
  EXPECT_EQ(Veuctl("ima " + log + " --policy " + bin).exit_code, 0);

  const CommandResult bad = Veuctl("runtime-policy learn --ima-log " +
                                   (Ima() / "keylime-test_ima_verification/BAD_SIGNATURES.txt").string());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.out, HasSubstr("template hash does not recompute"));
  EXPECT_EQ(Veuctl("runtime-policy learn").exit_code, 2);
  EXPECT_EQ(Veuctl("runtime-policy learn --ima-log " + Path("missing")).exit_code, 2);
  EXPECT_EQ(Veuctl("runtime-policy learn --ima-log " + (Ima() / "rust-keylime/invalid_ima_log.txt").string()).exit_code, 2);
}

TEST_F(VeuctlRuntimePolicy, ImaRefusesAnUnreadablePolicyWithExit2) {
  const std::string log = (Ima() / "rust-keylime/ima_log.txt").string();
  EXPECT_EQ(Veuctl("ima " + log + " --policy " + Path("missing")).exit_code, 2);
  const CommandResult r = Veuctl("ima " + log + " --policy " + Write("bad.txtpb", "files { digests: \"zz\" }"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, HasSubstr("not hex"));
  EXPECT_THAT(r.out, Not(HasSubstr("runtime policy: pass")));
}

}  // namespace
}  // namespace veu::ima
