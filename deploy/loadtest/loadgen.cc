// veu-loadgen: N simulated agents against a real veu-verifier, over real gRPC and TLS.
//
// Each agent is a SoftwareTpm (agent/tpm/software_tpm.h: real P-256 EK and AK, an EK
// certificate from a load-test CA the verifier trusts only if its EK roots directory holds that
// CA) with the demo node's firmware event log replayed into its PCRs. It enrols through the real
// enrolment path (a single-use token from the admin socket, TPM2_ActivateCredential in
// software), then answers challenges with the agent's own evidence code (AnswerChallenge):
// realistic facts (8 GPUs with NVML identities, the demo node's access controls), the event log
// on the first report, a signed quote. Streams share a configurable number of HTTP/2
// connections. Everything is on loopback (or wherever --verifier points), bounded in count and
// time, and stops by itself.
//
//   veu-loadgen make-ca DIR                     writes ca.pem (for --ek-roots) and ca.key.pem
//   veu-loadgen run --verifier HOST:PORT --ca TLS_CA.pem --admin-socket PATH --ek-ca DIR
//                   --agents N --duration SECONDS [--connections C] [--site NAME]
//                   [--acked-file FILE] [--event-log FILE] [--node-root DIR]
//   veu-loadgen check --database FILE --acked-file FILE   every acked id stored exactly once
//
// `run` prints progress on stderr and its figures on stdout, one "key value" per line (for
// deploy/loadtest/run.sh): acknowledged, errors, errors_by_reason, p50_ms, p99_ms, max_ms (the
// steady state: every report after each agent's first), first_report_p50_ms/p99_ms/max_ms (each
// agent's first report: its whole event log, with the fleet arriving at once),
// appraisals_per_second, enrol_seconds, verifier and loadgen CPU, verifier RSS. Exit 0 when every agent enrolled
// and no stream failed; 1 otherwise; 2 for bad usage.
#include <grpcpp/grpcpp.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/attestation_client.h"
#include "agent/enrollment_client.h"
#include "agent/facts_command.h"
#include "agent/host_facts.h"
#include "agent/tpm/software_tpm.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"
#include "common/flags.h"
#include "common/rpc/tls.h"
#include <tuple>
#include "veu/v1/attestation.grpc.pb.h"
#include "veu/v1/enrollment.grpc.pb.h"
#include "veu/v1/query.grpc.pb.h"
#include "deploy/loadtest/sim_agent.h"
#include "deploy/loadtest/store_check.h"

namespace veu::loadgen {
namespace {

constexpr int kGpusPerAgent = 8;

struct Options {
  std::string verifier, tls_ca, server_name = "localhost", admin_socket, ek_ca_dir;
  std::string site = "loadtest", acked_file, event_log_path, node_root, policy_pack;
  int agents = 100;
  int connections = 0;  // 0: one per 200 agents
  int enrol_parallel = 8;
  int silent_streams = 0;  // abusive peers opening streams that never speak
  int verifier_pid = 0;    // when set: its CPU over the attestation phase, and its RSS
  // --reconnect: a stream the network ended (no reason, or the verifier's DEADLINE_EXCEEDED
  // when a partition held the answer past its deadline) is reopened, as the real agent does,
  // and counted under failovers instead of errors. Implied by several --verifier addresses.
  bool reconnect = false;
  // --recent-window S: also report recent_agents, the agents with an ack in the run's last S
  // seconds (all of them, after a partition healed, if every agent came back).
  int recent_window_s = 0;
  absl::Duration duration = absl::Seconds(60);
};

int Usage(const std::string& why) {
  std::cerr << "veu-loadgen: " << why << "\n"
            << "usage: veu-loadgen make-ca DIR\n"
            << "       veu-loadgen run --verifier HOST:PORT --ca FILE --admin-socket PATH "
               "--ek-ca DIR --agents N --duration SECONDS [--connections C] [--site NAME] "
               "[--acked-file FILE] [--event-log FILE] [--node-root DIR] [--policy-pack FILE] "
               "[--server-name NAME] [--enrol-parallel K] [--silent-streams K] [--verifier-pid PID] "
               "[--reconnect] [--recent-window S]\n"
            << "       veu-loadgen check --database FILE --acked-file FILE\n";
  return 2;
}

double Percentile(std::vector<float>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

// utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15); -1 if unreadable.
double ProcessCpuSeconds(int pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat;
  std::getline(in, stat);  // one line
  const size_t close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(f);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// VmRSS of a process in MB, or -1.
double ProcessRssMb(int pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return -1;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Facts of one simulated node: the demo node's host evidence (real file formats under
// --node-root), with 8 GPUs whose NVML identities are this agent's own.
veu::v1::Facts FactsFor(const veu::v1::Facts& base, int index) {
  veu::v1::Facts facts = base;
  facts.mutable_host()->set_hostname(absl::StrFormat("loadgen-%06d", index));
  veu::v1::Inventory* inv = facts.mutable_inventory();
  if (inv->accelerators_size() == 0) return facts;
  const veu::v1::AcceleratorDevice model = inv->accelerators(0);
  inv->clear_accelerators();
  for (int g = 0; g < kGpusPerAgent; ++g) {
    veu::v1::AcceleratorDevice* d = inv->add_accelerators();
    *d = model;
    d->set_pci_address(absl::StrFormat("0000:%02x:00.0", 0x17 + g));
    d->set_source_path(absl::StrCat("/sys/bus/pci/devices/", d->pci_address()));
    d->set_identity_source(veu::v1::NVML);
    d->mutable_gpu()->set_pci_bus_id(d->pci_address());
    d->mutable_gpu()->set_serial(absl::StrFormat("LG%07d%02d", index, g));
    d->mutable_gpu()->set_uuid(absl::StrFormat("GPU-10ad6e40-%08x-%04x-0000-000000000000", index, g));
    d->mutable_gpu()->set_name("NVIDIA H100 PCIe");
  }
  inv->mutable_nvml()->set_available(true);
  inv->mutable_nvml()->set_driver_version("550.54.15");
  inv->mutable_nvml()->set_detail("simulated by veu-loadgen");
  return facts;
}

int RunLoad(const Options& o) {
  absl::StatusOr<agent::SoftwareEkCa> ca = agent::SoftwareEkCa::Load(o.ek_ca_dir);
  if (!ca.ok()) return Usage(std::string(ca.status().message()));
  absl::StatusOr<std::string> log_bytes = ReadFileToString(o.event_log_path, 16 << 20);
  if (!log_bytes.ok()) return Usage(std::string(log_bytes.status().message()));
  absl::StatusOr<eventlog::UnverifiedEventLog> log = eventlog::ParseEventLog(*log_bytes);
  if (!log.ok()) return Usage(absl::StrCat("event log: ", log.status().message()));
  const std::vector<eventlog::ExtendOperation> ops = eventlog::ExtendOperations(*log);

  agent::FactsCollectorOptions facts_options;
  facts_options.root = o.node_root;
  facts_options.policy_pack = o.policy_pack;
  facts_options.nvml_library = "none";
  absl::StatusOr<std::unique_ptr<agent::FactsCollector>> collector =
      agent::FactsCollector::Create(facts_options);
  if (!collector.ok()) return Usage(absl::StrCat("facts: ", collector.status().message()));
  const veu::v1::Facts base_facts = (*collector)->Collect();
  const uint64_t gpu_tpp = base_facts.inventory().accelerators_size() > 0
                               ? base_facts.inventory().accelerators(0).tpp()
                               : 0;

  // The admin socket: the site and one single-use token per agent, as an operator would.
  auto admin_channel =
      grpc::CreateChannel(absl::StrCat("unix:", o.admin_socket), grpc::InsecureChannelCredentials());
  auto admin = veu::v1::Admin::NewStub(admin_channel);
  {
    veu::v1::Site site;
    site.set_name(o.site);
    site.set_organisation("Load Test Org");
    site.set_country("DE");
    site.set_address("loopback");
    site.set_authorised_accelerators(static_cast<uint32_t>(o.agents) * kGpusPerAgent);
    site.set_authorised_tpp(static_cast<uint64_t>(o.agents) * kGpusPerAgent * gpu_tpp);
    grpc::ClientContext ctx;
    veu::v1::Site added;
    grpc::Status s = admin->AddSite(&ctx, site, &added);
    if (!s.ok() && s.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      return Usage(absl::StrCat("cannot add site ", o.site, ": ", s.error_message()));
    }
  }

  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds = PinnedCaCredentials(o.tls_ca);
  if (!creds.ok()) return Usage(std::string(creds.status().message()));
  // --verifier A,B,C: replicas sharing one database; agents spread over them and fail over.
  const std::vector<std::string> verifiers = absl::StrSplit(o.verifier, ',', absl::SkipEmpty());
  if (verifiers.empty()) return Usage("--verifier names no address");
  const bool failover = verifiers.size() > 1 || o.reconnect;
  const int connections =
      std::max<int>(o.connections > 0 ? o.connections : std::max(1, o.agents / 200),
                    static_cast<int>(verifiers.size()));
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<veu::v1::Attestation::Stub>> stubs;
  std::vector<std::unique_ptr<veu::v1::Enrollment::Stub>> enrol_stubs;
  for (int c = 0; c < connections; ++c) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride(o.server_name);
    // A distinct argument and a local subchannel pool: each channel is its own connection.
    args.SetInt("veu.loadgen.connection", c);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    // Connection c goes to replica c mod N, so the fleet spreads over the replicas.
    channels.push_back(grpc::CreateCustomChannel(verifiers[c % verifiers.size()], *creds, args));
    stubs.push_back(veu::v1::Attestation::NewStub(channels.back()));
    enrol_stubs.push_back(veu::v1::Enrollment::NewStub(channels.back()));
  }

  // The fleet's TPMs, each booted through the same firmware.
  std::cerr << "veu-loadgen: making " << o.agents << " software TPMs\n";
  std::vector<std::unique_ptr<agent::SoftwareTpm>> tpms(o.agents);
  for (int i = 0; i < o.agents; ++i) {
    absl::StatusOr<std::unique_ptr<agent::SoftwareTpm>> t =
        agent::SoftwareTpm::Create(*ca, static_cast<uint64_t>(i));
    if (!t.ok()) return Usage(std::string(t.status().message()));
    for (size_t k = 0; k < ops.size();) {
      std::map<uint16_t, std::string> digests;
      const uint32_t record = ops[k].record, pcr = ops[k].pcr;
      for (; k < ops.size() && ops[k].record == record; ++k) digests[ops[k].alg] = ops[k].digest;
      if (absl::Status s = (*t)->ExtendPcr(pcr, digests); !s.ok()) {
        return Usage(std::string(s.message()));
      }
    }
    tpms[i] = *std::move(t);
  }

  // Enrolment, a few at a time.
  std::cerr << "veu-loadgen: enrolling " << o.agents << " agents\n";
  const absl::Time enrol_start = absl::Now();
  std::vector<std::string> agent_ids(o.agents);
  std::atomic<int> next{0};
  std::atomic<int> enrol_failures{0};
  std::mutex first_error_mu;
  std::string first_error;
  std::vector<std::thread> workers;
  for (int w = 0; w < std::max(1, o.enrol_parallel); ++w) {
    workers.emplace_back([&] {
      for (int i = next.fetch_add(1); i < o.agents; i = next.fetch_add(1)) {
        veu::v1::IssueEnrollmentTokenRequest req;
        req.set_site(o.site);
        req.set_ttl_seconds(3600);
        veu::v1::IssueEnrollmentTokenResponse token;
        grpc::ClientContext ctx;
        grpc::Status s = admin->IssueEnrollmentToken(&ctx, req, &token);
        absl::StatusOr<std::string> id = absl::UnavailableError(s.error_message());
        if (s.ok()) {
          agent::EnrollmentRequestOptions options;
          options.site = o.site;
          options.token = token.token();
          options.hostname = absl::StrFormat("loadgen-%06d", i);
          id = agent::Enrol(*tpms[i], *enrol_stubs[i % connections], options);
        }
        if (id.ok()) {
          agent_ids[i] = *id;
        } else {
          enrol_failures.fetch_add(1);
          std::lock_guard<std::mutex> lock(first_error_mu);
          if (first_error.empty()) first_error = std::string(id.status().message());
        }
      }
    });
  }
  for (std::thread& t : workers) t.join();
  const double enrol_seconds = absl::ToDoubleSeconds(absl::Now() - enrol_start);
  std::cerr << absl::StrFormat("veu-loadgen: enrolled %d of %d in %.1f s%s\n",
                               o.agents - enrol_failures.load(), o.agents, enrol_seconds,
                               first_error.empty() ? "" : " (first error: " + first_error + ")");

  // Attestation: every enrolled agent streams until the duration is over.
  Stats stats;
  std::vector<std::unique_ptr<SimAgent>> agents;
  for (int i = 0; i < o.agents; ++i) {
    if (agent_ids[i].empty()) continue;
    agent::ReportSource source;
    const veu::v1::Facts facts = FactsFor(base_facts, i);
    source.facts = [facts] { return facts; };
    const std::string bytes = *log_bytes;
    source.event_log = [bytes]() -> absl::StatusOr<std::string> { return bytes; };
    std::vector<veu::v1::Attestation::Stub*> agent_stubs;
    for (auto& stub : stubs) agent_stubs.push_back(stub.get());
    agents.push_back(std::make_unique<SimAgent>(tpms[i].get(), agent_ids[i], std::move(source),
                                                std::move(agent_stubs), i % connections,
                                                failover, &stats));
  }
  const double cpu_start = CpuSeconds();
  const double verifier_cpu_start = o.verifier_pid > 0 ? ProcessCpuSeconds(o.verifier_pid) : -1;
  const absl::Time start = absl::Now();
  std::cerr << "veu-loadgen: " << agents.size() << " agents attesting for "
            << absl::FormatDuration(o.duration) << " over " << connections << " connections\n";
  // Silent streams first, so real agents attest while the verifier holds them.
  std::vector<std::unique_ptr<SilentStream>> silent;
  for (int k = 0; k < o.silent_streams; ++k) {
    silent.push_back(std::make_unique<SilentStream>(stubs[k % connections].get()));
    silent.back()->Start();
  }
  for (auto& a : agents) a->Start();
  const absl::Time end = start + o.duration;
  absl::Time next_progress = start + absl::Seconds(10);
  while (absl::Now() < end) {
    // Agents whose verifier went away reconnect to the next one within a poll.
    absl::SleepFor(std::min(absl::Milliseconds(250), end - absl::Now()));
    if (failover) {
      for (auto& a : agents) {
        if (a->NeedsRestart()) a->Restart();
      }
    }
    if (absl::Now() >= next_progress) {
      next_progress += absl::Seconds(10);
      std::cerr << absl::StrFormat("veu-loadgen: %.0f s: %d acknowledged, %d failovers\n",
                                   absl::ToDoubleSeconds(absl::Now() - start),
                                   stats.acked.load(), stats.failovers.load());
    }
  }
  const double attest_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  int recent_agents = 0;
  if (o.recent_window_s > 0) {
    const absl::Time since = absl::Now() - absl::Seconds(o.recent_window_s);
    for (auto& a : agents) recent_agents += a->last_ack() >= since ? 1 : 0;
  }
  // The verifier's share of the machine (all cores) over the attestation phase, and its RSS
  // with the whole fleet connected.
  const double verifier_cpu =
      o.verifier_pid > 0 ? ProcessCpuSeconds(o.verifier_pid) - verifier_cpu_start : -1;
  const double verifier_rss = o.verifier_pid > 0 ? ProcessRssMb(o.verifier_pid) : -1;
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  for (auto& a : agents) a->Stop();
  absl::SleepFor(absl::Seconds(5));  // results still in flight get their acks
  for (auto& a : agents) a->Cancel();
  for (auto& a : agents) a->WaitDone();
  int silent_cut = 0;
  for (auto& st : silent) {
    st->Stop();
    st->WaitDone();
    silent_cut += st->cut();
  }
  const double cpu = CpuSeconds() - cpu_start;

  uint64_t errors = 0;
  std::string by_reason;
  for (const auto& [what, n] : stats.errors) {
    errors += n;
    absl::StrAppend(&by_reason, by_reason.empty() ? "" : ",", what, "=", n);
  }
  if (!o.acked_file.empty()) {
    std::ofstream out(o.acked_file, std::ios::trunc);
    for (const std::string& id : stats.acked_ids) out << id << "\n";
  }
  std::vector<float>& lat = stats.latencies_ms;
  const double p50 = Percentile(lat, 0.50), p99 = Percentile(lat, 0.99);
  const double max = lat.empty() ? 0 : *std::max_element(lat.begin(), lat.end());
  std::vector<float>& first = stats.first_latencies_ms;
  const double first_p50 = Percentile(first, 0.50), first_p99 = Percentile(first, 0.99);
  const double first_max = first.empty() ? 0 : *std::max_element(first.begin(), first.end());
  std::cout << "agents " << agents.size() << "\n"
            << "enrol_failures " << enrol_failures.load() << "\n"
            << "enrol_seconds " << absl::StrFormat("%.1f", enrol_seconds) << "\n"
            << "acknowledged " << stats.acked.load() << "\n"
            << "errors " << errors << "\n"
            << "errors_by_reason " << (by_reason.empty() ? "none" : by_reason) << "\n"
            << "failovers " << stats.failovers.load() << "\n"
            << "max_gap_ms " << absl::StrFormat("%.1f", stats.max_gap_ms) << "\n"
            << "recent_agents " << (o.recent_window_s > 0 ? recent_agents : -1) << "\n"
            << "p50_ms " << absl::StrFormat("%.1f", p50) << "\n"
            << "p99_ms " << absl::StrFormat("%.1f", p99) << "\n"
            << "max_ms " << absl::StrFormat("%.1f", max) << "\n"
            << "first_report_p50_ms " << absl::StrFormat("%.1f", first_p50) << "\n"
            << "first_report_p99_ms " << absl::StrFormat("%.1f", first_p99) << "\n"
            << "first_report_max_ms " << absl::StrFormat("%.1f", first_max) << "\n"
            << "appraisals_per_second "
            << absl::StrFormat("%.1f", static_cast<double>(stats.acked.load()) / attest_seconds)
            << "\n"
            << "verifier_cpu_percent "
            << absl::StrFormat("%.1f", verifier_cpu < 0 ? -1.0
                                                        : 100.0 * verifier_cpu /
                                                              (attest_seconds *
                                                               static_cast<double>(cores)))
            << "\n"
            << "verifier_rss_mb " << absl::StrFormat("%.0f", verifier_rss) << "\n"
            << "cores " << cores << "\n"
            << "silent_streams " << o.silent_streams << "\n"
            << "silent_streams_cut " << silent_cut << "\n"
            << "loadgen_cpu_percent "
            << absl::StrFormat("%.1f", 100.0 * cpu / (attest_seconds * static_cast<double>(cores)))
            << "\n";
  return enrol_failures.load() == 0 && errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace veu::loadgen

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return veu::loadgen::Usage("no command");
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "make-ca") {
    if (args.size() != 1) return veu::loadgen::Usage("make-ca needs a directory");
    absl::StatusOr<veu::agent::SoftwareEkCa> ca =
        veu::agent::SoftwareEkCa::Create("VEU Attest load-test EK CA");
    if (!ca.ok()) return veu::loadgen::Usage(std::string(ca.status().message()));
    if (absl::Status s = ca->Save(args[0]); !s.ok()) {
      return veu::loadgen::Usage(std::string(s.message()));
    }
    return 0;
  }
  absl::StatusOr<veu::ParsedFlags> flags = veu::ParseFlags(
      args,
      {"verifier", "ca", "server-name", "admin-socket", "ek-ca", "agents", "duration",
       "connections", "site", "acked-file", "event-log", "node-root", "policy-pack",
       "enrol-parallel", "database", "silent-streams", "verifier-pid", "recent-window"},
      {"reconnect"});
  if (!flags.ok()) return veu::loadgen::Usage(std::string(flags.status().message()));
  if (command == "check") {
    if (!flags->Get("database") || !flags->Get("acked-file")) {
      return veu::loadgen::Usage("check needs --database and --acked-file");
    }
    return veu::loadgen::Check(*flags->Get("database"), *flags->Get("acked-file"));
  }
  if (command != "run") return veu::loadgen::Usage(absl::StrCat("unknown command ", command));
  veu::loadgen::Options o;
  for (const char* required : {"verifier", "ca", "admin-socket", "ek-ca"}) {
    if (!flags->Get(required)) return veu::loadgen::Usage(absl::StrCat("--", required, " is needed"));
  }
  o.verifier = *flags->Get("verifier");
  o.reconnect = flags->Has("reconnect");
  o.tls_ca = *flags->Get("ca");
  o.admin_socket = *flags->Get("admin-socket");
  o.ek_ca_dir = *flags->Get("ek-ca");
  if (auto v = flags->Get("server-name")) o.server_name = *v;
  if (auto v = flags->Get("site")) o.site = *v;
  if (auto v = flags->Get("acked-file")) o.acked_file = *v;
  o.event_log_path = flags->Get("event-log").value_or(
      VEU_SOURCE_DIR "/deploy/demo/node/sys/kernel/security/tpm0/binary_bios_measurements");
  o.node_root = flags->Get("node-root").value_or(VEU_SOURCE_DIR "/deploy/demo/node");
  o.policy_pack =
      flags->Get("policy-pack").value_or(VEU_SOURCE_DIR "/deploy/policies/veu-2025.textproto");
  for (const auto& [name, target, max] : std::vector<std::tuple<const char*, int*, int>>{
           {"agents", &o.agents, 1000000},
           {"connections", &o.connections, 100000},
           {"enrol-parallel", &o.enrol_parallel, 256},
           {"silent-streams", &o.silent_streams, 100000},
           {"verifier-pid", &o.verifier_pid, 1 << 30},
           {"recent-window", &o.recent_window_s, 24 * 3600}}) {
    if (auto v = flags->Get(name)) {
      if (!absl::SimpleAtoi(*v, target) || *target < 1 || *target > max) {
        return veu::loadgen::Usage(absl::StrCat("--", name, " needs a number from 1 to ", max));
      }
    }
  }
  if (auto v = flags->Get("duration")) {
    int seconds = 0;
    if (!absl::SimpleAtoi(*v, &seconds) || seconds < 1 || seconds > 24 * 3600) {
      return veu::loadgen::Usage("--duration needs 1 to 86400 seconds");
    }
    o.duration = absl::Seconds(seconds);
  }
  return veu::loadgen::RunLoad(o);
}
