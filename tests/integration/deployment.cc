#include "tests/integration/deployment.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace veu::testing {

std::string BinaryPath(const std::string& relative) { return std::string(VEU_BINARY_DIR) + relative; }
std::string PolicyPackPath() {
  return std::string(VEU_SOURCE_DIR) + "/deploy/policies/veu-2025.textproto";
}
std::string DemoEventLogPath() {
  return std::string(VEU_SOURCE_DIR) +
         "/deploy/demo/node/sys/kernel/security/tpm0/binary_bios_measurements";
}

absl::StatusOr<std::unique_ptr<Deployment>> Deployment::Create(const SwtpmOptions& swtpm_options) {
  auto d = std::unique_ptr<Deployment>(new Deployment());
  d->dir_ = MakeTempDir("veu-it");
  if (d->dir_.empty()) return absl::InternalError("mkdtemp failed");
  RunResult tls = Run({std::string(VEU_SOURCE_DIR) + "/deploy/demo/make-tls.sh", d->dir_ + "/tls"});
  if (tls.exit_code != 0) return absl::InternalError("make-tls.sh failed: " + tls.err);
  absl::StatusOr<std::unique_ptr<SwtpmProcess>> swtpm = SwtpmProcess::Start(swtpm_options);
  if (!swtpm.ok()) return swtpm.status();
  d->swtpm_ = *std::move(swtpm);
  d->node_root_ = d->dir_ + "/node";
  std::filesystem::create_directories(d->node_root_ + "/etc");
  return d;
}

Deployment::~Deployment() {
  agent_.reset();
  verifier_.reset();
  swtpm_.reset();
  if (!dir_.empty() && std::getenv("VEU_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

absl::Status Deployment::StartVerifier(const VerifierOptions& options) {
  const std::string port_file = dir_ + "/verifier.port";
  std::filesystem::remove(port_file);
  std::vector<std::string> argv = {
       VerifierBinary(), "--listen", "127.0.0.1:0", "--port-file", port_file, "--admin-socket",
       dir_ + "/admin.sock", "--database", dir_ + "/veu.db", "--tls-cert",
       dir_ + "/tls/server.pem", "--tls-key", dir_ + "/tls/server.key", "--ek-roots",
       options.ek_roots.empty() ? swtpm_->CaDir() : options.ek_roots, "--interval",
       absl::StrCat(options.interval_seconds), "--timeout", absl::StrCat(options.timeout_seconds),
       "--enrollment-timeout", absl::StrCat(options.enrollment_timeout_seconds)};
  if (!options.policy_pack.empty()) {
    argv.push_back("--policy-pack");
    argv.push_back(options.policy_pack);
  }
  if (options.regulator_api) {
    std::filesystem::remove(dir_ + "/regulator.port");
    const std::vector<std::string> regulator = RegulatorArgs();
    argv.insert(argv.end(), regulator.begin(), regulator.end());
  }
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  absl::StatusOr<Process> p = Process::Start(argv, dir_ + "/verifier.log");
  if (!p.ok()) return p.status();
  verifier_.emplace(*std::move(p));
  bool up = WaitFor(
      [&] {
        return std::filesystem::exists(port_file) && std::filesystem::exists(dir_ + "/admin.sock") &&
               !ReadFile(port_file).empty();
      },
      absl::Seconds(10));
  if (!up) return absl::UnavailableError("verifier did not start: " + VerifierLog());
  std::string port = ReadFile(port_file);
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(port), &verifier_port_)) {
    return absl::InternalError("bad port file: " + port);
  }
  if (options.regulator_api && RegulatorPort() == 0) {
    return absl::UnavailableError("the regulator API did not start: " + VerifierLog());
  }
  return absl::OkStatus();
}

RunResult Deployment::Veuctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {VeuctlBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, {{"VEU_ADMIN_SOCKET", dir_ + "/admin.sock"}});
}

absl::StatusOr<std::string> Deployment::AddSiteWithToken(const std::string& site) {
  RunResult add = Veuctl({"site", "add", site, "--country", "DE", "--org", "Example AI"});
  if (add.exit_code != 0) return absl::InternalError("site add: " + add.err);
  RunResult token = Veuctl({"site", "token", site, "--ttl", "300"});
  if (token.exit_code != 0) return absl::InternalError("site token: " + token.err);
  return std::string(absl::StripAsciiWhitespace(token.out));
}

absl::Status Deployment::AddSiteAndStartAgent(const std::string& site,
                                              const std::vector<std::string>& extra_args) {
  absl::StatusOr<std::string> token = AddSiteWithToken(site);
  if (!token.ok()) return token.status();
  return StartAgent(site, *token, extra_args);
}

absl::StatusOr<std::string> Deployment::FirstAgentId() const {
  RunResult agents = Veuctl({"agents", "--json"});
  const std::string key = "\"agent_id\": \"";
  const size_t at = agents.out.find(key);
  if (agents.exit_code != 0 || at == std::string::npos) {
    return absl::NotFoundError("no agent listed: " + agents.out + agents.err);
  }
  return agents.out.substr(at + key.size(), 64);
}

absl::Status Deployment::UseDemoNodeTree() {
  std::error_code ec;
  std::filesystem::remove_all(node_root_, ec);
  std::filesystem::copy(std::string(VEU_SOURCE_DIR) + "/deploy/demo/node", node_root_,
                        std::filesystem::copy_options::recursive, ec);
  if (ec) return absl::InternalError("copying the demo node tree: " + ec.message());
  return absl::OkStatus();
}

absl::Status Deployment::PrepareMeasuredBoot() {
  const std::string dir = node_root_ + "/sys/kernel/security/tpm0";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(DemoEventLogPath(), dir + "/binary_bios_measurements",
                             std::filesystem::copy_options::overwrite_existing);
  RunResult r = Run({AgentBinary(), "extend-eventlog", "--tcti", swtpm_->Tcti(),
                     dir + "/binary_bios_measurements"});
  if (r.exit_code != 0) return absl::InternalError("extend-eventlog: " + r.err);
  return absl::OkStatus();
}

absl::Status Deployment::StartAgent(const std::string& site, const std::string& token,
                                    const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv = {
      AgentBinary(), "--verifier", absl::StrCat("127.0.0.1:", verifier_port_), "--server-name",
      "localhost", "--ca", ca_pem(), "--site", site, "--tcti", swtpm_->Tcti(), "--state-dir",
      dir_ + "/agent", "--root", node_root_, "--policy-pack", PolicyPackPath()};
  if (!token.empty()) {
    const std::string token_file = dir_ + "/token";
    std::FILE* f = std::fopen(token_file.c_str(), "w");
    if (f == nullptr) return absl::InternalError("cannot write token file");
    std::fputs(token.c_str(), f);
    std::fclose(f);
    argv.push_back("--token-file");
    argv.push_back(token_file);
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  absl::StatusOr<Process> p = Process::Start(argv, dir_ + "/agent.log");
  if (!p.ok()) return p.status();
  agent_.emplace(*std::move(p));
  return absl::OkStatus();
}

absl::Status Deployment::StartExtraAgent(const std::string& name, const std::string& site,
                                         const std::string& token,
                                         const std::vector<std::string>& extra_args) {
  auto extra = std::make_unique<ExtraAgent>();
  absl::StatusOr<std::unique_ptr<SwtpmProcess>> tpm = SwtpmProcess::Start();
  if (!tpm.ok()) return tpm.status();
  extra->tpm = *std::move(tpm);
  const std::string token_file = absl::StrCat(dir_, "/", name, ".token");
  std::FILE* f = std::fopen(token_file.c_str(), "w");
  if (f == nullptr) return absl::InternalError("cannot write token file");
  std::fputs(token.c_str(), f);
  std::fclose(f);
  std::vector<std::string> argv = {
      AgentBinary(), "--verifier", absl::StrCat("127.0.0.1:", verifier_port_), "--server-name",
      "localhost", "--ca", ca_pem(), "--site", site, "--tcti", extra->tpm->Tcti(), "--state-dir",
      absl::StrCat(dir_, "/", name), "--root", node_root_, "--policy-pack", PolicyPackPath(),
      "--token-file", token_file};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  absl::StatusOr<Process> p = Process::Start(argv, ExtraAgentLog(name));
  if (!p.ok()) return p.status();
  extra->process.emplace(*std::move(p));
  extra_agents_.push_back(std::move(extra));
  return absl::OkStatus();
}

std::string Deployment::ExtraAgentLog(const std::string& name) const {
  return absl::StrCat(dir_, "/", name, ".log");
}

std::vector<std::string> Deployment::RegulatorArgs() const {
  return {"--regulator-listen", "127.0.0.1:0", "--regulator-port-file", dir_ + "/regulator.port",
          "--regulator-client-ca", ca_pem()};
}

int Deployment::RegulatorPort() const {
  int port = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadFile(dir_ + "/regulator.port")), &port)) {
    return 0;
  }
  return port;
}

absl::Status Deployment::MakeClientCertificate(const std::string& name, const std::string& role,
                                               const std::vector<std::string>& scopes) {
  std::vector<std::string> argv = {std::string(VEU_SOURCE_DIR) + "/deploy/demo/make-client-cert.sh",
                                   dir_ + "/tls", name, role};
  argv.insert(argv.end(), scopes.begin(), scopes.end());
  RunResult r = Run(argv);
  if (r.exit_code != 0) return absl::InternalError("make-client-cert.sh failed: " + r.err);
  return absl::OkStatus();
}

std::vector<std::string> Deployment::RegulatorFlags(const std::string& name) const {
  return {"--server", absl::StrCat("localhost:", RegulatorPort()), "--cert",
          absl::StrCat(dir_, "/tls/", name, ".pem"), "--key",
          absl::StrCat(dir_, "/tls/", name, ".key"), "--ca", ca_pem()};
}

int Deployment::AppraisalCount() const {
  const std::string log = VerifierLog();
  int n = 0;
  for (size_t pos = 0; (pos = log.find("appraisal: ", pos)) != std::string::npos; ++pos) ++n;
  return n;
}

std::string Deployment::VerifierLog() const { return ReadFile(dir_ + "/verifier.log"); }
std::string Deployment::AgentLog() const { return ReadFile(dir_ + "/agent.log"); }

}  // namespace veu::testing
