#include "agent/config.h"

#include <google/protobuf/text_format.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "agent/collectors/nvml_source.h"
#include "common/flags.h"
#include "common/install_paths.h"
#include "common/rpc/tls.h"
#include "common/status_macros.h"

namespace veu::agent {

std::string AgentUsage() {
  // Defaults shown are those of this build's install prefix (common/install_paths.h).
  return absl::StrReplaceAll(R"(usage: veu-agent [run] [--config FILE] [flags]
       veu-agent facts [--root DIR] [--policy-pack FILE] [--data-path PATH]
                       [--nvml-library PATH|none] [--json]
       veu-agent extend-eventlog --tcti TCTI FILE

run (default): enrol with the verifier if not enrolled yet, then answer its challenges with
TPM quotes over one outbound TLS stream, reconnecting with backoff.

  --config FILE        text-format veu.v1.AgentConfig (example: {DATA}/examples/agent.textproto)
  --verifier HOST:PORT the verifier's agent endpoint
  --site NAME          the site this node belongs to
  --tcti STRING        TPM access (default device:/dev/tpmrm0; swtpm:host=127.0.0.1,port=N)
  --state-dir DIR      where the agent id is kept (default {STATE}/veu-agent)
  --ca FILE            the verifier's CA certificate (PEM), pinned
  --server-name NAME   name to expect in the verifier's certificate
  --token-file FILE    single-use enrolment token from `veuctl site token`
  --ak ecc|rsa         attestation key algorithm (default ecc: P-256)
  --root DIR           read /sys, /proc, /etc under DIR (default /)
  --event-log PATH     measured-boot log (default /sys/kernel/security/tpm0/binary_bios_measurements)
  --policy-pack FILE   accelerator catalogue (default the shipped veu-2025 pack: beside the
                       binary in ../share/veu-attest, the install prefix, or the build tree)
  --data-path PATH     a model-weight path whose storage encryption is reported
  --nvml-library PATH|none
                       NVIDIA NVML for GPU serials/UUIDs, loaded at each report (default
                       libnvidia-ml.so.1; none = do not load, identity from PCI IDs only)
  --rounds N           stop after N acknowledged reports (measurements, tests)
  --offline-interval S while no verifier answers, a self-challenged quote every S seconds
                       (default 30), spooled to STATE_DIR/offline.spool and uploaded on reconnect
  --spool-max-entries N  at most N spooled quotes (default 2880); the oldest are dropped, counted

facts: print the facts the agent would report, without a TPM or a verifier.
extend-eventlog: replay an event log's digests into a *software* TPM's PCRs (demo, tests).
)",
      {{"{STATE}", CompiledInstallLayout().state_dir},
       {"{DATA}", CompiledInstallLayout().data_dir}});
}

absl::StatusOr<veu::v1::AgentConfig> LoadAgentConfig(const std::vector<std::string>& args,
                                                     AgentRunFlags* run_flags) {
  ASSIGN_OR_RETURN(ParsedFlags flags,
                   ParseFlags(args,
                              {"config", "verifier", "site", "tcti", "state-dir", "ca",
                               "server-name", "token-file", "ak", "root", "event-log", "rounds",
                               "policy-pack", "data-path", "nvml-library", "offline-interval",
                               "spool-max-entries"},
                              {}));
  if (!flags.positional.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", flags.positional[0], "'"));
  }
  veu::v1::AgentConfig config;
  if (auto path = flags.Get("config")) {
    ASSIGN_OR_RETURN(std::string text, ReadFileToString(*path, 1 << 20));
    if (!google::protobuf::TextFormat::ParseFromString(text, &config)) {
      return absl::InvalidArgumentError(
          absl::StrCat(*path, ": not a valid veu.v1.AgentConfig in text format"));
    }
  }
  if (auto v = flags.Get("verifier")) config.set_verifier_address(*v);
  if (auto v = flags.Get("site")) config.set_site(*v);
  if (auto v = flags.Get("tcti")) config.set_tcti(*v);
  if (auto v = flags.Get("state-dir")) config.set_state_dir(*v);
  if (auto v = flags.Get("ca")) config.mutable_tls()->set_ca_file(*v);
  if (auto v = flags.Get("server-name")) config.mutable_tls()->set_server_name(*v);
  if (auto v = flags.Get("token-file")) config.set_enrollment_token_file(*v);
  if (auto v = flags.Get("ak")) config.set_ak_algorithm(*v);
  if (auto v = flags.Get("root")) config.set_root_dir(*v);
  if (auto v = flags.Get("event-log")) config.set_event_log_path(*v);
  if (auto v = flags.Get("policy-pack")) config.set_policy_pack(*v);
  if (auto v = flags.Get("data-path")) config.add_data_paths(*v);
  if (auto v = flags.Get("nvml-library")) config.set_nvml_library(*v);
  if (auto v = flags.Get("offline-interval")) {
    uint32_t seconds = 0;
    if (!absl::SimpleAtoi(*v, &seconds) || seconds == 0 || seconds > 86400) {
      return absl::InvalidArgumentError("--offline-interval needs seconds, 1 to 86400");
    }
    config.set_offline_interval_seconds(seconds);
  }
  if (auto v = flags.Get("spool-max-entries")) {
    uint64_t n = 0;
    if (!absl::SimpleAtoi(*v, &n) || n == 0) {
      return absl::InvalidArgumentError("--spool-max-entries needs a positive number");
    }
    config.set_spool_max_entries(n);
  }
  if (auto v = flags.Get("rounds")) {
    if (!absl::SimpleAtoi(*v, &run_flags->rounds)) {
      return absl::InvalidArgumentError("--rounds needs a number");
    }
  }
  if (config.tcti().empty()) config.set_tcti("device:/dev/tpmrm0");
  if (config.state_dir().empty()) config.set_state_dir(absl::StrCat(CompiledInstallLayout().state_dir, "/veu-agent"));
  if (config.ak_algorithm().empty()) config.set_ak_algorithm("ecc");
  if (config.root_dir().empty()) config.set_root_dir("/");
  if (config.nvml_library().empty()) config.set_nvml_library(collectors::kDefaultNvmlLibrary);
  if (config.event_log_path().empty()) {
    config.set_event_log_path("/sys/kernel/security/tpm0/binary_bios_measurements");
  }
  if (config.max_backoff_seconds() == 0) config.set_max_backoff_seconds(8);
  if (config.offline_interval_seconds() == 0) config.set_offline_interval_seconds(30);
  if (config.spool_max_entries() == 0) config.set_spool_max_entries(2880);
  if (config.spool_max_bytes() == 0) config.set_spool_max_bytes(64u << 20);
  if (config.ak_algorithm() != "ecc" && config.ak_algorithm() != "rsa") {
    return absl::InvalidArgumentError("ak_algorithm must be 'ecc' or 'rsa'");
  }
  if (config.verifier_address().empty()) {
    return absl::InvalidArgumentError("no verifier address (verifier_address / --verifier)");
  }
  if (config.site().empty()) return absl::InvalidArgumentError("no site (site / --site)");
  if (config.tls().ca_file().empty()) {
    return absl::InvalidArgumentError("no verifier CA to pin (tls.ca_file / --ca)");
  }
  return config;
}

}  // namespace veu::agent
