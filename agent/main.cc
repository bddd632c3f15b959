// veu-agent: collects TPM-backed evidence on a node and streams it to the verifier.
// Wires the real adapters (ESAPI TPM, gRPC channel, files under the root dir) together.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "agent/agent.h"
#include "agent/config.h"
#include "agent/facts_command.h"
#include "agent/host_facts.h"
#include "agent/location/responder_command.h"
#include "agent/location/startup.h"
#include "agent/tpm/esys_tpm.h"
#include "common/log.h"
#include "common/rpc/tls.h"

namespace {

std::atomic<bool> g_stopping{false};

void OnSignal(int) { g_stopping = true; }

int Fail(std::string_view what, const absl::Status& status) {
  std::cerr << "veu-agent: " << what << ": " << status.message() << "\n";
  return 2;
}

int RunAgent(const std::vector<std::string>& args) {
  veu::agent::AgentRunFlags run_flags;
  absl::StatusOr<veu::v1::AgentConfig> config = veu::agent::LoadAgentConfig(args, &run_flags);
  if (!config.ok()) {
    std::cerr << "veu-agent: " << config.status().message() << "\n\n" << veu::agent::AgentUsage();
    return 2;
  }
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);

  veu::agent::EsysTpmOptions tpm_options;
  tpm_options.tcti = config->tcti();
  tpm_options.ak_algorithm = config->ak_algorithm() == "rsa" ? veu::agent::AkAlgorithm::kRsa2048
                                                              : veu::agent::AkAlgorithm::kEccP256;
  if (config->ak_handle() != 0) tpm_options.ak_handle = config->ak_handle();
  const std::filesystem::path state_dir(config->state_dir());
  const std::filesystem::path id_file = state_dir / "agent_id";
  const std::filesystem::path ak_name_file = state_dir / "ak_name";
  // Once enrolled, the agent attests only with the AK the verifier knows: a different key at
  // the handle (someone replaced it) is an error, not a silent switch.
  if (absl::StatusOr<std::string> name = veu::ReadFileToString(ak_name_file.string(), 256);
      name.ok() && !name->empty()) {
    tpm_options.expected_ak_name = *name;
  }
  absl::StatusOr<std::unique_ptr<veu::agent::EsysTpm>> tpm =
      veu::agent::EsysTpm::Open(tpm_options);
  if (!tpm.ok()) return Fail(absl::StrCat("cannot open the TPM at ", config->tcti()), tpm.status());

  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds =
      veu::PinnedCaCredentials(config->tls().ca_file());
  if (!creds.ok()) return Fail("TLS", creds.status());
  grpc::ChannelArguments channel_args;
  if (!config->tls().server_name().empty()) {
    channel_args.SetSslTargetNameOverride(config->tls().server_name());
  }
  // Keepalive pings notice a dead verifier (or a dropped NAT mapping) between challenges.
  channel_args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  channel_args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  // gRPC's own reconnect backoff grows to 120 s by default: after a verifier restart the agent
  // would stay away for most of a minute. Cap it low; the agent's jittered backoff (below)
  // keeps a returning fleet from reconnecting in lockstep.
  channel_args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 500);
  channel_args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 500);
  channel_args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 4000);
  auto channel = grpc::CreateCustomChannel(config->verifier_address(), *creds, channel_args);
  auto enrollment = veu::v1::Enrollment::NewStub(channel);
  auto attestation = veu::v1::Attestation::NewStub(channel);

  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);

  veu::agent::AgentOptions options;
  options.enrollment.site = config->site();
  options.enrollment.hostname = veu::agent::ReadHostIdentity(config->root_dir()).hostname();
  if (!config->enrollment_token_file().empty()) {
    absl::StatusOr<std::string> token =
        veu::ReadFileToString(config->enrollment_token_file(), 4096);
    if (!token.ok()) return Fail("enrolment token", token.status());
    options.enrollment.token = std::string(absl::StripAsciiWhitespace(*token));
  }
  options.max_backoff = absl::Seconds(config->max_backoff_seconds());
  options.max_rounds = run_flags.rounds;
  options.offline_interval = absl::Seconds(config->offline_interval_seconds());

  const std::string root = config->root_dir();
  const std::string log_path = config->event_log_path();
  veu::agent::FactsCollectorOptions facts_options;
  facts_options.root = root;
  facts_options.policy_pack = config->policy_pack();
  facts_options.data_paths.assign(config->data_paths().begin(), config->data_paths().end());
  facts_options.nvml_library = config->nvml_library();
  absl::StatusOr<std::unique_ptr<veu::agent::FactsCollector>> collector =
      veu::agent::FactsCollector::Create(std::move(facts_options));
  if (!collector.ok()) return Fail("facts", collector.status());
  veu::agent::AgentDeps deps;
  deps.tpm = tpm->get();
  deps.enrollment = enrollment.get();
  deps.attestation = attestation.get();
  absl::StatusOr<veu::agent::LocationResponderHandle> location =
      veu::agent::StartLocationResponder(config->location_listen(), absl::Now());
  if (!location.ok()) return Fail("location responder", location.status());
  deps.source.facts = [c = collector->get(), k = location->keys.get()] {
    veu::v1::Facts f = c->Collect();
    if (k != nullptr) *f.mutable_location_key() = k->FactsEntry();
    return f;
  };
  deps.source.event_log = [root, log_path]() { return veu::agent::ReadEventLog(root, log_path); };
  deps.load_agent_id = [id_file] {
    absl::StatusOr<std::string> id = veu::ReadFileToString(id_file.string(), 256);
    return id.ok() ? std::string(absl::StripAsciiWhitespace(*id)) : std::string();
  };
  deps.save_agent_id = [id_file, ak_name_file, t = tpm->get()](const std::string& id) {
    std::ofstream out(id_file, std::ios::trunc);
    out << id << "\n";
    if (absl::StatusOr<veu::agent::AkIdentity> ak = t->Ak(); ak.ok()) {
      std::ofstream(ak_name_file, std::ios::trunc | std::ios::binary) << ak->name;
    }
    return out ? absl::OkStatus()
               : absl::UnavailableError(absl::StrCat("cannot write ", id_file.string()));
  };
  deps.sleep = [](absl::Duration d) {
    const absl::Time until = absl::Now() + d;
    while (!g_stopping && absl::Now() < until) absl::SleepFor(absl::Milliseconds(100));
  };
  deps.stopping = [] { return g_stopping.load(); };
  veu::agent::SpoolLimits spool_limits;
  spool_limits.max_entries = config->spool_max_entries();
  spool_limits.max_bytes = config->spool_max_bytes();
  absl::StatusOr<std::unique_ptr<veu::agent::OfflineSpool>> spool = veu::agent::OfflineSpool::Open(
      std::make_unique<veu::agent::PosixSpoolFile>((state_dir / "offline.spool").string()),
      spool_limits);
  if (!spool.ok()) return Fail("offline spool", spool.status());
  if (!(*spool)->empty()) {
    veu::Log("agent", absl::StrCat((*spool)->quotes().size(), " offline quote(s) spooled, ",
                                   (*spool)->dropped(), " dropped, ", (*spool)->refusals().size(),
                                   " unreadable: uploading them on the next stream"));
  }
  deps.spool = spool->get();

  veu::Log("agent", absl::StrCat("site ", config->site(), ", verifier ",
                                 config->verifier_address(), ", TPM ", config->tcti(),
                                 ", NVML ", config->nvml_library()));
  veu::agent::Agent agent(std::move(deps), options);
  absl::Status s = agent.Run();
  if (!s.ok()) return Fail("stopped", s);
  veu::Log("agent", "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << veu::agent::AgentUsage();
      return 0;
    }
  }
  if (!args.empty() && args[0] == "facts") {
    return veu::agent::RunFactsCommand({args.begin() + 1, args.end()});
  }
  if (!args.empty() && args[0] == "location-responder") {
    return veu::agent::RunLocationResponderCommand({args.begin() + 1, args.end()});
  }
  if (!args.empty() && args[0] == "extend-eventlog") {
    return veu::agent::RunExtendEventLogCommand({args.begin() + 1, args.end()});
  }
  if (!args.empty() && args[0] == "run") args.erase(args.begin());
  return RunAgent(args);
}
