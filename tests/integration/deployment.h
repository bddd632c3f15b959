// A whole deployment on loopback for integration tests: a private swtpm, the real
// veu-verifier and veu-agent binaries as processes, and veuctl against the admin socket.
#ifndef VEU_TESTS_INTEGRATION_DEPLOYMENT_H_
#define VEU_TESTS_INTEGRATION_DEPLOYMENT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/integration/process.h"
#include "tests/support/swtpm_process.h"

namespace veu::testing {

std::string BinaryPath(const std::string& relative);  // under VEU_BINARY_DIR
inline std::string VerifierBinary() { return BinaryPath("/verifier/veu-verifier"); }
inline std::string AgentBinary() { return BinaryPath("/agent/veu-agent"); }
inline std::string VeuctlBinary() { return BinaryPath("/verifier/veuctl/veuctl"); }
std::string PolicyPackPath();
std::string DemoEventLogPath();

struct VerifierOptions {
  std::string ek_roots;        // default: the swtpm's CA dir
  int interval_seconds = 1;
  int timeout_seconds = 3;
  int enrollment_timeout_seconds = 5;
  std::string policy_pack;     // --policy-pack, when set
  std::vector<std::string> extra_args;  // appended as given (e.g. --checkpoint-interval 1)
  // Also serve the regulator API (RegulatorArgs(): mTLS with the deployment's CA); StartVerifier
  // then fails unless its port is up.
  bool regulator_api = false;
};

class Deployment {
 public:
  // A temp dir, TLS material and a swtpm with an EK certificate (not yet the verifier).
  static absl::StatusOr<std::unique_ptr<Deployment>> Create(const SwtpmOptions& swtpm = {});
  ~Deployment();

  absl::Status StartVerifier(const VerifierOptions& options = {});
  void StopVerifier() { verifier_.reset(); }

  // Runs veuctl with `args` against this verifier's admin socket.
  RunResult Veuctl(const std::vector<std::string>& args) const;
  // `veuctl site add NAME --country DE` and `veuctl site token NAME`; returns the token.
  absl::StatusOr<std::string> AddSiteWithToken(const std::string& site);

  // Lays out the demo node's fixture tree (hardened /etc, two H100 boards, LUKS weights) as
  // this deployment's node root; the agent then reports it.
  absl::Status UseDemoNodeTree();
  const std::string& node_root() const { return node_root_; }

  // Replays the demo's real event log into the swtpm (its PCRs then match the log) and lays
  // out a node root with that log at /sys/kernel/security/tpm0/binary_bios_measurements.
  absl::Status PrepareMeasuredBoot();

  // AddSiteWithToken(site) then StartAgent(site, token, extra_args): a node enrolling afresh.
  absl::Status AddSiteAndStartAgent(const std::string& site,
                                    const std::vector<std::string>& extra_args = {});
  // The ID of the first agent `veuctl agents --json` lists.
  absl::StatusOr<std::string> FirstAgentId() const;

  // Starts veu-agent for `site`; `token` may be empty. Output goes to agent.log.
  absl::Status StartAgent(const std::string& site, const std::string& token,
                          const std::vector<std::string>& extra_args = {});
  void StopAgent() { agent_.reset(); }

  // Another node: its own swtpm (same manufacturer CA, so the verifier trusts its EK), state
  // dir and log (`name`.log), reading the same node root. Kept until the deployment ends.
  absl::Status StartExtraAgent(const std::string& name, const std::string& site,
                               const std::string& token,
                               const std::vector<std::string>& extra_args = {});
  std::string ExtraAgentLog(const std::string& name) const;

  // With the verifier started with regulator_api: the regulator API's port, and the client
  // certificates made by MakeClientCertificate (deploy/demo/make-client-cert.sh).
  std::vector<std::string> RegulatorArgs() const;
  int RegulatorPort() const;
  absl::Status MakeClientCertificate(const std::string& name, const std::string& role,
                                     const std::vector<std::string>& scopes);
  // --server/--cert/--key/--ca for veuctl's regulator commands as client `name`.
  std::vector<std::string> RegulatorFlags(const std::string& name) const;
  std::string log_public_key() const { return dir_ + "/log-key.pem.pub"; }

  // Number of "appraisal:" lines in the verifier's log so far.
  int AppraisalCount() const;
  std::string VerifierLog() const;
  std::string AgentLog() const;

  SwtpmProcess& swtpm() { return *swtpm_; }
  const std::string& dir() const { return dir_; }
  int verifier_port() const { return verifier_port_; }
  std::string ca_pem() const { return dir_ + "/tls/ca.pem"; }

 private:
  std::string dir_;
  std::string node_root_;
  std::unique_ptr<SwtpmProcess> swtpm_;
  std::optional<Process> verifier_;
  std::optional<Process> agent_;
  struct ExtraAgent {
    std::unique_ptr<SwtpmProcess> tpm;
    std::optional<Process> process;
  };
  std::vector<std::unique_ptr<ExtraAgent>> extra_agents_;
  int verifier_port_ = 0;
};

}  // namespace veu::testing

#endif  // VEU_TESTS_INTEGRATION_DEPLOYMENT_H_
