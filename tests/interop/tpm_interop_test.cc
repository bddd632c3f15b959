// Interop of common/tpm with the TPM world: quotes made by a real (software) TPM through
// tpm2-tools are accepted by `veuctl quote verify`, tampered ones are rejected with the right
// reason, and credentials from our software MakeCredential are activated by
// tpm2_activatecredential on that TPM.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/hex.h"
#include "common/tpm/make_credential.h"
#include "common/tpm/tpm2_tools_files.h"
#include "tests/support/swtpm_process.h"

extern char** environ;

namespace veu::tpm {
namespace {

using ::testing::HasSubstr;

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

class TpmInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    veu::testing::SwtpmOptions options;
    options.create_ek_cert = false;
    auto swtpm = veu::testing::SwtpmProcess::Start(options);
    ASSERT_TRUE(swtpm.ok()) << swtpm.status();
    swtpm_ = *std::move(swtpm);
    dir_ = swtpm_->TempDir();
    setenv("TPM2TOOLS_TCTI", swtpm_->ToolsTcti().c_str(), 1);
  }

  // Runs argv (looked up in PATH) in dir_, capturing its output; then flushes transient
  // objects, since swtpm has no resource manager.
  Result Run(const std::vector<std::string>& argv, bool flush = true) {
    Result r = Spawn(argv);
    if (flush && argv[0].rfind("tpm2_", 0) == 0) Spawn({"tpm2_flushcontext", "-t"});
    return r;
  }

  Result Spawn(const std::vector<std::string>& argv) {
    const std::string log = dir_ + "/cmd.log";
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
    r.output = ReadFile(log);
    return r;
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // EK (rsa|ecc) and an AK under it; files ek.pub, ek.ctx, ak.pub, ak.ctx, ak.name, ak.pem.
  void MakeKeys(const std::string& ek_alg, const std::string& ak_alg, const std::string& scheme) {
    ASSERT_EQ(
        Run({"tpm2_createek", "-c", Path("ek.ctx"), "-G", ek_alg, "-u", Path("ek.pub")}).exit_code,
        0);
    Result ak = Run({"tpm2_createak", "-C", Path("ek.ctx"), "-c", Path("ak.ctx"), "-G", ak_alg,
                     "-g", "sha256", "-s", scheme, "-u", Path("ak.pub"), "-n", Path("ak.name")});
    ASSERT_EQ(ak.exit_code, 0) << ak.output;
    Result pem = Run({"tpm2_readpublic", "-c", Path("ak.ctx"), "-f", "pem", "-o", Path("ak.pem")});
    ASSERT_EQ(pem.exit_code, 0) << pem.output;
  }

  void Quote(const std::string& pcrs, const std::string& nonce_hex,
             const std::string& scheme = "") {
    std::vector<std::string> argv = {"tpm2_quote",
                                     "-c",
                                     Path("ak.ctx"),
                                     "-l",
                                     pcrs,
                                     "-q",
                                     nonce_hex,
                                     "-m",
                                     Path("quote.msg"),
                                     "-s",
                                     Path("quote.sig"),
                                     "-o",
                                     Path("quote.pcrs"),
                                     "-g",
                                     "sha256"};
    if (!scheme.empty()) argv.push_back("--scheme=" + scheme);
    Result q = Run(argv);
    ASSERT_EQ(q.exit_code, 0) << q.output;
  }

  Result Veuctl(const std::string& ak_file, const std::string& nonce_hex, bool json = false) {
    std::vector<std::string> argv = {std::string(VEU_BINARY_DIR) + "/verifier/veuctl/veuctl",
                                     "quote",
                                     "verify",
                                     "--ak",
                                     Path(ak_file),
                                     "--message",
                                     Path("quote.msg"),
                                     "--signature",
                                     Path("quote.sig"),
                                     "--pcrs",
                                     Path("quote.pcrs"),
                                     "--nonce",
                                     nonce_hex};
    if (json) argv.push_back("--json");
    return Run(argv);
  }

  // Our MakeCredential, activated by tpm2_activatecredential; returns what the TPM recovered.
  std::string Activate(const std::string& secret, const std::string& ak_name) {
    auto made = MakeCredential(ReadFile(Path("ek.pub")), ak_name, secret);
    EXPECT_TRUE(made.ok()) << made.status();
    if (!made.ok()) return "";
    WriteFile(Path("cred.in"),
              Tpm2ToolsCredentialFile(made->credential_blob, made->encrypted_secret));
    std::remove(Path("secret.out").c_str());
    EXPECT_EQ(Run({"tpm2_startauthsession", "--policy-session", "-S", Path("session.ctx")}, false)
                  .exit_code,
              0);
    EXPECT_EQ(Run({"tpm2_policysecret", "-S", Path("session.ctx"), "-c", "e"}, false).exit_code, 0);
    Result act =
        Run({"tpm2_activatecredential", "-c", Path("ak.ctx"), "-C", Path("ek.ctx"), "-i",
             Path("cred.in"), "-o", Path("secret.out"), "-P", "session:" + Path("session.ctx")},
            false);
    Run({"tpm2_flushcontext", Path("session.ctx")}, false);
    Run({"tpm2_flushcontext", "-t"}, false);
    if (act.exit_code != 0) return "<activation failed: " + act.output + ">";
    return ReadFile(Path("secret.out"));
  }

  std::unique_ptr<veu::testing::SwtpmProcess> swtpm_;
  std::string dir_;
};

TEST_F(TpmInterop, VeuctlAcceptsTpm2QuoteFromEccAkGivenAsPemOrTpm2bPublic) {
  MakeKeys("rsa", "ecc", "ecdsa");
  ASSERT_EQ(Run({"tpm2_pcrextend", "7:sha256=" + std::string(64, 'a')}).exit_code, 0);
  Quote("sha256:0,1,2,3,4,5,6,7,8,9+sha1:0,7", "00112233445566778899");
  for (const char* ak : {"ak.pem", "ak.pub"}) {
    Result r = Veuctl(ak, "00112233445566778899", /*json=*/true);
    EXPECT_EQ(r.exit_code, 0) << ak << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr("\"accepted\": true"));
    EXPECT_THAT(r.output, HasSubstr("\"sha256\": {\"0\": "));
  }
}

TEST_F(TpmInterop, VeuctlAcceptsTpm2QuoteFromRsaAkWithRsassaAndRsapss) {
  for (const char* scheme : {"rsassa", "rsapss"}) {
    MakeKeys("rsa", "rsa", scheme);
    Quote("sha256:0,1,7", "cafe", scheme);
    Result r = Veuctl("ak.pub", "cafe");
    EXPECT_EQ(r.exit_code, 0) << scheme << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr("ACCEPTED"));
  }
}

TEST_F(TpmInterop, VeuctlRejectsPcrFileEditedAfterQuoting) {
  MakeKeys("rsa", "ecc", "ecdsa");
  Quote("sha256:0,1,7", "0badc0de");
  std::string pcrs = ReadFile(Path("quote.pcrs"));
  pcrs[132 + 4 + 4 + 2 + 5] ^= 0x01;  // a byte of the first reported value (sha256:0)
  WriteFile(Path("quote.pcrs"), pcrs);
  Result r = Veuctl("ak.pem", "0badc0de");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("REJECTED: QUOTE_PCR_DIGEST_MISMATCH"));
}

TEST_F(TpmInterop, VeuctlRejectsQuoteForAnotherNonceAndWarnsWithoutOne) {
  MakeKeys("rsa", "ecc", "ecdsa");
  Quote("sha256:0", "01020304");
  Result wrong = Veuctl("ak.pem", "01020305");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  EXPECT_THAT(wrong.output, HasSubstr("QUOTE_QUALIFYING_DATA_MISMATCH"));
  Result none = Veuctl("ak.pem", "");
  EXPECT_EQ(none.exit_code, 0) << none.output;
  EXPECT_THAT(none.output, HasSubstr("warning: NONCE_MISSING"));
}

TEST_F(TpmInterop, Tpm2ActivatecredentialRecoversOurCredentialWithRsaEk) {
  MakeKeys("rsa", "ecc", "ecdsa");
  const std::string secret = "veu-secret-0123456789abcdef!";
  EXPECT_EQ(Activate(secret, ReadFile(Path("ak.name"))), secret);
}

TEST_F(TpmInterop, Tpm2ActivatecredentialRecoversOurCredentialWithEccEk) {
  MakeKeys("ecc", "rsa", "rsassa");
  const std::string secret = "0123456789abcdef0123456789abcdef";
  EXPECT_EQ(Activate(secret, ReadFile(Path("ak.name"))), secret);
}

TEST_F(TpmInterop, Tpm2ActivatecredentialRefusesCredentialMadeForAnotherAk) {
  MakeKeys("rsa", "ecc", "ecdsa");
  std::string other_name = ReadFile(Path("ak.name"));
  other_name.back() = static_cast<char>(other_name.back() ^ 1);
  EXPECT_THAT(Activate("secret", other_name), HasSubstr("activation failed"));
}

}  // namespace
}  // namespace veu::tpm

namespace veu::tpm {
namespace {

// A real firmware log replayed into swtpm by our agent, quoted by tpm2_quote, appraised
// offline by veuctl exactly as the verifier would.
class QuoteWithEventLogInterop : public TpmInterop {
 protected:
  std::string DemoLog() const {
    return std::string(VEU_SOURCE_DIR) +
           "/deploy/demo/node/sys/kernel/security/tpm0/binary_bios_measurements";
  }
  Result VeuctlWithLog(const std::string& log) {
    return Run({std::string(VEU_BINARY_DIR) + "/verifier/veuctl/veuctl", "quote", "verify",
                "--ak", Path("ak.pem"), "--message", Path("quote.msg"), "--signature",
                Path("quote.sig"), "--pcrs", Path("quote.pcrs"), "--nonce", "5eed", "--eventlog",
                log});
  }
  void SetUpQuote() {
    Result extend = Run({std::string(VEU_BINARY_DIR) + "/agent/veu-agent", "extend-eventlog",
                         "--tcti", swtpm_->Tcti(), DemoLog()});
    ASSERT_EQ(extend.exit_code, 0) << extend.output;
    MakeKeys("rsa", "ecc", "ecdsa");
    Quote("sha256:0,1,2,3,4,5,6,7", "5eed");
  }
};

TEST_F(QuoteWithEventLogInterop, VeuctlAppraisesTheLogAgainstATpm2QuoteOfTheSameMachine) {
  SetUpQuote();
  Result r = VeuctlWithLog(DemoLog());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("eventlog.replay"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("secure boot: on"), std::string::npos) << r.output;
}

TEST_F(QuoteWithEventLogInterop, VeuctlRejectsAnotherMachinesLogNamingThePcr) {
  SetUpQuote();
  Result r = VeuctlWithLog(std::string(VEU_FIXTURES_DIR) + "/eventlogs/keylime__mb_log.bin");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("EVENTLOG_REPLAY_MISMATCH: PCR 0 (sha256)"), std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace veu::tpm
