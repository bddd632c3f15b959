#include "tests/support/swtpm_process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/support/status_matchers.h"

namespace veu::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SwtpmProcessTest, ProvisionsEkCertificatesAndServesTpm2Tools) {
  auto swtpm = SwtpmProcess::Start();
  ASSERT_OK(swtpm.status());
  EXPECT_EQ((*swtpm)->Tcti(), absl::StrCat("swtpm:host=127.0.0.1,port=", (*swtpm)->port()));
  std::string nv =
      Shell(absl::StrCat("tpm2_getcap --tcti ", (*swtpm)->Tcti(), " handles-nv-index"));
  EXPECT_THAT(nv, HasSubstr("0x1C00002"));
  EXPECT_THAT(nv, HasSubstr("0x1C00016"));
  std::string banks = Shell(absl::StrCat("tpm2_getcap --tcti ", (*swtpm)->Tcti(), " pcrs"));
  EXPECT_THAT(banks, HasSubstr("sha1: [ 0, 1"));
  EXPECT_THAT(banks, HasSubstr("sha256: [ 0, 1"));
}

TEST(SwtpmProcessTest, CaDirHoldsOnlyTheRootAndIntermediateCertificates) {
  auto swtpm = SwtpmProcess::Start();
  ASSERT_OK(swtpm.status());
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator((*swtpm)->CaDir())) {
    names.insert(e.path().filename().string());
    EXPECT_THAT(ReadFile(e.path().string()), HasSubstr("BEGIN CERTIFICATE"));
    EXPECT_THAT(ReadFile(e.path().string()), ::testing::Not(HasSubstr("PRIVATE")));
  }
  EXPECT_THAT(names, ElementsAre("intermediate.pem", "root.pem"));
}

TEST(SwtpmProcessTest, FreshCaIsNotTheSharedCa) {
  auto shared = SwtpmProcess::Start();
  SwtpmOptions options;
  options.fresh_ca = true;
  auto fresh = SwtpmProcess::Start(options);
  ASSERT_OK(shared.status());
  ASSERT_OK(fresh.status());
  EXPECT_NE(ReadFile((*shared)->CaDir() + "/root.pem"), ReadFile((*fresh)->CaDir() + "/root.pem"));
}

TEST(SwtpmProcessTest, WithoutEkCertHasNoCertificateAndNoCa) {
  SwtpmOptions options;
  options.create_ek_cert = false;
  auto swtpm = SwtpmProcess::Start(options);
  ASSERT_OK(swtpm.status());
  EXPECT_THAT(Shell(absl::StrCat("tpm2_getcap --tcti ", (*swtpm)->Tcti(), " handles-nv-index")),
              ::testing::Not(HasSubstr("0x1C00002")));
  EXPECT_TRUE(fs::is_empty((*swtpm)->CaDir()));
}

TEST(SwtpmProcessTest, DestructorKillsSwtpmAndRemovesItsFiles) {
  std::string dir;
  pid_t pid = -1;
  {
    auto swtpm = SwtpmProcess::Start();
    ASSERT_OK(swtpm.status());
    dir = (*swtpm)->TempDir();
    pid = (*swtpm)->pid();
    EXPECT_TRUE(fs::exists(dir));
  }
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_NE(kill(pid, 0), 0);  // reaped: no such process
}

TEST(SwtpmProcessTest, RestartResetsPcrsButKeepsNv) {
  auto swtpm = SwtpmProcess::Start();
  ASSERT_OK(swtpm.status());
  SwtpmProcess& tpm = **swtpm;
  Shell(absl::StrCat("tpm2_pcrextend --tcti ", tpm.Tcti(), " 16:sha256=", std::string(64, 'a')));
  EXPECT_THAT(Shell(absl::StrCat("tpm2_pcrread --tcti ", tpm.Tcti(), " sha256:16")),
              ::testing::Not(
                  HasSubstr("0x0000000000000000000000000000000000000000000000000000000000000000")));
  ASSERT_OK(tpm.Restart());
  EXPECT_THAT(Shell(absl::StrCat("tpm2_pcrread --tcti ", tpm.Tcti(), " sha256:16")),
              HasSubstr("0x0000000000000000000000000000000000000000000000000000000000000000"));
  EXPECT_THAT(Shell(absl::StrCat("tpm2_getcap --tcti ", tpm.Tcti(), " handles-nv-index")),
              HasSubstr("0x1C00002"));
}

}  // namespace
}  // namespace veu::testing
