// veu-verifier: enrols agents, challenges them over one TLS stream each, appraises every
// report, and keeps each result with its raw evidence. Wires the real adapters together;
// nothing else constructs them.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/eventlog/reference_values.h"
#include "common/facts/policy_pack.h"
#include "common/log.h"
#include "common/rpc/tls.h"
#include "common/rpc/limits.h"
#include "common/rpc/malformed_request.h"
#include "common/x509/trust_store_dir.h"
#include "verifier/config.h"
#include "verifier/enrollment/enroller.h"
#include "verifier/enrollment/tpm_identity_checks.h"
#include "verifier/notify/change_feed_follower.h"
#include "verifier/notify/verdict_bus.h"
#include "verifier/notify/webhook_notifier.h"
#include "verifier/regulator/regulator_service.h"
#include "verifier/reports/report_signer.h"
#include "verifier/service/attestation_service.h"
#include "verifier/service/group_committer.h"
#include "verifier/service/metrics.h"
#include "verifier/service/metrics_server.h"
#include "verifier/service/timer_queue.h"
#include "verifier/service/enrollment_service.h"
#include "verifier/service/query_service.h"
#include "verifier/service/evidence_pruner.h"
#include "verifier/service/stale_sweeper.h"
#include "verifier/service/store_health.h"
#include "verifier/service/transparency.h"
#include "verifier/service/verdict_changes.h"
#include "verifier/service/leader_lease.h"
#include "verifier/store/postgres_store.h"
#include "verifier/store/sqlite_store.h"

namespace {

int Fail(const absl::Status& status) {
  std::cerr << "veu-verifier: " << status.message() << "\n";
  return 2;
}

// Blocks until SIGINT or SIGTERM.
void WaitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  veu::Log("verifier", absl::StrCat("signal ", sig, ": shutting down"));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << veu::verifier::VerifierUsage();
      return 0;
    }
  }
  // Block the termination signals in every thread; the main thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  std::string port_file, regulator_port_file;
  absl::StatusOr<veu::v1::VerifierConfig> config =
      veu::verifier::LoadVerifierConfig(args, &port_file, &regulator_port_file);
  if (!config.ok()) {
    std::cerr << "veu-verifier: " << config.status().message() << "\n\n"
              << veu::verifier::VerifierUsage();
    return 2;
  }

  // SQLite for one verifier, PostgreSQL for replicas sharing one database: the same Store and
  // AppraisalLog either way; only PostgreSQL has leases for the cluster duties.
  std::unique_ptr<veu::verifier::Store> store_owner;
  veu::verifier::AppraisalLog* log = nullptr;
  veu::verifier::LeaseStore* leases = nullptr;
  veu::verifier::ChangeFeed* feed_store = nullptr;
  if (veu::verifier::PostgresStore::IsPostgresUrl(config->database())) {
    absl::StatusOr<std::unique_ptr<veu::verifier::PostgresStore>> opened =
        veu::verifier::PostgresStore::Open(config->database());
    if (!opened.ok()) return Fail(opened.status());
    log = opened->get();
    leases = opened->get();
    feed_store = opened->get();
    store_owner = *std::move(opened);
  } else {
    absl::StatusOr<std::unique_ptr<veu::verifier::SqliteStore>> opened =
        veu::verifier::SqliteStore::Open(config->database(), veu::verifier::StoreOptions(*config));
    if (!opened.ok()) return Fail(opened.status());
    log = opened->get();
    store_owner = *std::move(opened);
  }
  veu::verifier::Store* const db = store_owner.get();
  // Checkpoint signing and stale sweeps run in the one replica holding this lease.
  veu::verifier::LeaderLease duties(leases, "cluster-duties",
                                    veu::verifier::LeaderLease::HolderId());
  auto is_leader = [&duties] { return duties.held(); };
  absl::StatusOr<std::unique_ptr<veu::verifier::TpmIdentityChecks>> identity =
      veu::verifier::TpmIdentityChecks::FromRootsDir(config->ek_roots_dir());
  if (!identity.ok()) return Fail(identity.status());
  {
    // Operators see at start what revocation covers, and why any CRL was left out.
    const veu::x509::CrlSet& crls = (*identity)->crls();
    veu::Log("verifier", absl::StrCat("EK roots ", config->ek_roots_dir(), ": ",
                                      (*identity)->roots().entries().size(), " CA certificate(s), ",
                                      (*identity)->roots().skipped().size(), " file(s) skipped; ",
                                      crls.crls().size(), " CRL(s) loaded from ",
                                      veu::x509::kCrlSubdir, "/, ", crls.skipped().size(),
                                      " skipped"));
    for (const std::string& s : (*identity)->roots().skipped()) {
      veu::Log("verifier", absl::StrCat("EK roots: skipped ", s));
    }
    for (const std::string& s : crls.skipped()) {
      veu::Log("verifier", absl::StrCat("EK CRLs: skipped ", s));
    }
  }

  veu::verifier::Enroller enroller(db, identity->get(),
                                   absl::Seconds(config->enrollment_timeout_seconds()),
                                   [] { return absl::Now(); });
  veu::verifier::NonceBook nonces;
  veu::verifier::AppraisalPolicy policy;
  policy.allow_sha1_signatures = config->allow_sha1_signatures();
  policy.require_event_log = config->require_event_log();
  if (!config->reference_values_file().empty()) {
    absl::StatusOr<std::string> text = veu::ReadFileToString(config->reference_values_file());
    if (!text.ok()) return Fail(text.status());
    absl::StatusOr<veu::v1::ReferenceValues> refs = veu::eventlog::ParseReferenceValues(*text);
    if (!refs.ok()) return Fail(refs.status());
    policy.reference_values = *std::move(refs);
    policy.version = absl::StrCat(policy.version, "+refvalues:", policy.reference_values.name());
  }
  if (!config->policy_pack().empty()) {
    absl::StatusOr<veu::v1::PolicyPack> pack = veu::facts::LoadPolicyPackFile(config->policy_pack());
    if (!pack.ok()) return Fail(pack.status());
    // Every appraisal names the pack it was made under; keep the pack itself beside them.
    if (absl::Status stored = db->PutPolicyPack(*pack); !stored.ok()) return Fail(stored);
    policy.pack = *std::move(pack);
    policy.version = absl::StrCat(policy.version, "+", policy.pack->id(), "@",
                                  policy.pack->version());
  }
  veu::verifier::StreamOptions stream_options;
  stream_options.challenge_interval = absl::Seconds(config->challenge_interval_seconds());
  stream_options.response_timeout = absl::Seconds(config->challenge_timeout_seconds());
  stream_options.hello_timeout = absl::Seconds(config->challenge_timeout_seconds());
  stream_options.pcr_selection.assign(config->pcr_selection().begin(),
                                      config->pcr_selection().end());
  if (config->first_challenges_per_second() > 0) {
    stream_options.first_challenges_per_second = config->first_challenges_per_second();
  }
  if (config->max_unauthenticated_streams() > 0) {
    stream_options.max_unauthenticated_streams =
        static_cast<int>(config->max_unauthenticated_streams());
  }

  // Every stream's deadlines are timers on one thread; every appraisal is committed in a group
  // with others (one transaction, one sync) and acknowledged only once its group is durable.
  veu::verifier::Metrics metrics;
  veu::verifier::TimerQueue timers;
  veu::verifier::Histogram& group_sizes =
      metrics.AddHistogram("veu_commit_group_size", "Appraisals committed per transaction",
                           {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000})
          .With();
  veu::verifier::Histogram& commit_seconds =
      metrics.AddHistogram("veu_commit_seconds", "Time to commit one group durably",
                           {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1})
          .With();
  veu::verifier::Counter& store_errors =
      metrics.AddCounter("veu_store_errors_total", "Appraisals the store failed to commit").With();
  // The agents' port is healthy while the store takes writes: a group that failed whole turns
  // it NOT_SERVING (load balancers and probes move agents elsewhere), the next good one back.
  // With no traffic, a probe asks the store itself (StoreHealth), so an idle verifier over a
  // database that went away is not reported healthy; /healthz on the metrics port says the same.
  std::atomic<grpc::HealthCheckServiceInterface*> health{nullptr};
  veu::verifier::StoreHealth store_health(
      [db] { return db->CheckWritable(); },
      [&health](bool serving, const std::string& reason) {
        if (serving) {
          veu::Log("verifier", "store writable again: serving");
        } else {
          veu::Log("verifier", absl::StrCat("store not writable, health NOT_SERVING: ", reason));
        }
        if (grpc::HealthCheckServiceInterface* h = health.load()) h->SetServingStatus(serving);
      });
  store_health.StartProbing(absl::Seconds(1));
  veu::verifier::GroupCommitterOptions commit_options;
  commit_options.observer = [&](size_t size, absl::Duration took, size_t failed) {
    group_sizes.Observe(static_cast<double>(size));
    commit_seconds.ObserveDuration(took);
    if (failed > 0) store_errors.Increment(failed);
    store_health.OnGroupCommitted(size, failed);
  };
  veu::verifier::GroupCommitter committer(db, commit_options);

  // Verdict changes go to the regulator API's watchers and to webhooks, never blocking.
  veu::verifier::notify::VerdictBus verdicts;
  // With replicas, changes travel through the database's feed: every replica's watchers see
  // every replica's changes, and only the lease holder feeds the webhooks.
  veu::verifier::notify::VerdictBus webhook_verdicts;
  std::unique_ptr<veu::verifier::notify::ChangeFeedFollower> feed;
  if (feed_store != nullptr) {
    feed = std::make_unique<veu::verifier::notify::ChangeFeedFollower>(
        feed_store, &verdicts, &webhook_verdicts, is_leader);
  }
  auto publish = [&verdicts, &feed](const veu::v1::VerdictChange& change) {
    if (feed) {
      feed->Append(change);
    } else {
      verdicts.Publish(change);
    }
  };
  const absl::Duration stale_after = absl::Seconds(config->stale_after_seconds());
  veu::verifier::VerdictChangePublisher verdict_changes(
      db, stale_after,
      publish);
  stream_options.on_commit = [&verdict_changes](const veu::v1::Appraisal& appraisal,
                                                veu::v1::Verdict previous) {
    verdict_changes.Submit(appraisal, previous);
  };
  // A node that goes silent turns its site STALE without any report: sweep for that.
  veu::verifier::StaleSweeper stale_sweeper(
      db, stale_after,
      std::max(absl::Seconds(1), std::min(absl::Seconds(10), stale_after / 4)),
      publish, is_leader);
  // Raw evidence beyond the configured retention goes (results and log leaves stay); off unless
  // configured.
  const veu::verifier::EvidenceRetention retention = veu::verifier::RetentionOf(*config);
  if (retention.any()) {
    veu::Log("verifier", absl::StrCat("evidence retention: per agent the newest ",
                                      retention.keep_per_agent, " appraisals (0: any), up to ",
                                      retention.max_bytes_per_agent, " bytes (0: any), for ",
                                      absl::ToInt64Hours(retention.max_age) / 24,
                                      " days (0: ever); the rest is dropped every 5 minutes"));
  }
  veu::verifier::EvidencePruner evidence_pruner(db, retention, absl::Minutes(5), is_leader);
  absl::StatusOr<std::unique_ptr<veu::verifier::notify::WebhookNotifier>> webhooks =
      veu::verifier::notify::WebhookNotifier::Start(feed ? webhook_verdicts : verdicts,
                                                    config->webhooks());
  if (!webhooks.ok()) return Fail(webhooks.status());
  if (feed) {
    // The shared webhook cursor moves only past changes the notifier settled.
    feed->TrackDelivery([n = webhooks->get()] { return n->OldestUnsettled(); });
  }

  veu::verifier::EnrollmentService enrollment_service(&enroller);
  veu::verifier::AttestationService attestation_service(db, &nonces, &committer,
                                                        &timers, &metrics, policy,
                                                        stream_options);
  // Transparency log: the store appends every committed appraisal; this signs checkpoints.
  // Replicas must all sign with one key: with PostgreSQL it is given, never made here.
  if (leases != nullptr && !std::filesystem::exists(config->log_key())) {
    return Fail(absl::FailedPreconditionError(absl::StrCat(
        "log key ", config->log_key(), " does not exist; replicas sharing a database must share "
        "one log key: create it once (veu-verifier with SQLite makes one) and give every replica "
        "a copy")));
  }
  absl::StatusOr<veu::translog::NoteSigner> log_signer =
      veu::verifier::LoadOrCreateLogKey(config->log_key(), config->log_origin());
  if (!log_signer.ok()) return Fail(log_signer.status());
  veu::verifier::CheckpointPublisher checkpoints(
      log, &*log_signer, config->log_origin(),
      absl::Seconds(config->checkpoint_interval_seconds()), is_leader);
  veu::verifier::QueryService query_service(
      db, absl::Seconds(config->stale_after_seconds()), log);
  veu::verifier::AdminService admin_service(db, &enroller,
                                            veu::verifier::EkCertificateKeyHash);
  // A revoked agent's live stream closes now, not at its next report.
  admin_service.SetRevocationListener([&attestation_service](const std::string& agent_id) {
    attestation_service.EndAgentStream(
        agent_id, veu::verifier::SessionEnd(absl::StatusCode::kPermissionDenied,
                                            veu::v1::AGENT_REVOKED,
                                            "this agent was revoked by an operator"));
  });

  // Reports are signed with the report key, by default the log key: one public key then
  // checks reports and checkpoints alike.
  absl::StatusOr<std::string> report_key_pem =
      config->report_key().empty() ? log_signer->PrivateKeyPem()
                                   : veu::ReadFileToString(config->report_key(), 64 << 10);
  if (!report_key_pem.ok()) return Fail(report_key_pem.status());
  absl::StatusOr<veu::verifier::ReportSigner> report_signer =
      veu::verifier::ReportSigner::FromPrivateKeyPem(*report_key_pem);
  if (!report_signer.ok()) return Fail(report_signer.status());
  veu::regulator::RegulatorOptions regulator_options;
  regulator_options.origin = config->log_origin();
  regulator_options.stale_after = stale_after;
  regulator_options.pack = policy.pack;
  regulator_options.build = "veu-verifier 0.1.0";
  veu::regulator::RegulatorService regulator_service(db, log, &*log_signer,
                                                     &*report_signer, &verdicts,
                                                     regulator_options);
  std::unique_ptr<grpc::Server> regulator_server;
  int regulator_port = 0;
  if (!config->regulator_listen_address().empty()) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> mtls = veu::ServerTlsCredentials(
        config->regulator_tls().cert_file(), config->regulator_tls().key_file(),
        config->regulator_client_ca());
    if (!mtls.ok()) return Fail(mtls.status());
    // The standard health service and reflection, so generic tools (grpcurl,
    // grpc_health_probe) work against the regulator port.
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(config->regulator_listen_address(), *mtls, &regulator_port);
    builder.RegisterService(&regulator_service);
    builder.experimental().SetInterceptorCreators(veu::MalformedRequestInterceptors());
    regulator_server = builder.BuildAndStart();
    if (!regulator_server || regulator_port == 0) {
      return Fail(absl::UnavailableError(
          absl::StrCat("cannot listen on ", config->regulator_listen_address())));
    }
    veu::Log("verifier", absl::StrCat("regulator API on port ", regulator_port,
                                      " (mutual TLS, client CA ", config->regulator_client_ca(),
                                      ")"));
    if (!regulator_port_file.empty()) std::ofstream(regulator_port_file) << regulator_port << "\n";
  }

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> tls = veu::ServerTlsCredentials(
      config->tls().cert_file(), config->tls().key_file());
  if (!tls.ok()) return Fail(tls.status());

  int port = 0;
  grpc::ServerBuilder agents_builder;
  agents_builder.AddListeningPort(config->listen_address(), *tls, &port);
  agents_builder.RegisterService(&enrollment_service);
  // Unparseable requests: INVALID_ARGUMENT saying so, not gRPC's INTERNAL with no message.
  agents_builder.experimental().SetInterceptorCreators(veu::MalformedRequestInterceptors());
  agents_builder.RegisterService(&attestation_service);
  // Bound what a single peer can make us hold in memory: evidence with an event log is a few
  // hundred KiB; 8 MiB leaves room for IMA logs while refusing abuse, and half the admin API's
  // limit, so whatever was stored can be read back (common/rpc/limits.h).
  agents_builder.SetMaxReceiveMessageSize(veu::kMaxEvidenceMessageBytes);
  // Bound what one HTTP/2 connection may hold open; the unauthenticated-stream cap bounds all.
  agents_builder.AddChannelArgument(
      GRPC_ARG_MAX_CONCURRENT_STREAMS,
      config->max_streams_per_connection() > 0 ? static_cast<int>(config->max_streams_per_connection())
                                               : 1000);
  grpc::EnableDefaultHealthCheckService(true);
  std::unique_ptr<grpc::Server> agents_server = agents_builder.BuildAndStart();
  if (agents_server) {
    health.store(agents_server->GetHealthCheckService());
    health.load()->SetServingStatus(store_health.serving());
  }
  if (!agents_server || port == 0) {
    return Fail(absl::UnavailableError(
        absl::StrCat("cannot listen on ", config->listen_address())));
  }

  std::error_code ec;
  const std::filesystem::path socket_path(config->admin_socket());
  std::filesystem::create_directories(socket_path.parent_path(), ec);
  std::filesystem::remove(socket_path, ec);
  grpc::ServerBuilder admin_builder;
  admin_builder.AddListeningPort(absl::StrCat("unix:", config->admin_socket()),
                                 grpc::InsecureServerCredentials());
  admin_builder.SetMaxReceiveMessageSize(veu::kMaxMessageBytes);
  admin_builder.SetMaxSendMessageSize(veu::kMaxMessageBytes);
  admin_builder.RegisterService(&query_service);
  admin_builder.RegisterService(&admin_service);
  std::unique_ptr<grpc::Server> admin_server = admin_builder.BuildAndStart();
  if (!admin_server) {
    return Fail(absl::UnavailableError(
        absl::StrCat("cannot listen on unix:", config->admin_socket())));
  }
  // The socket is the admin API's authentication: owner (and group) only.
  chmod(config->admin_socket().c_str(), 0660);

  const std::string host = config->listen_address().substr(0, config->listen_address().rfind(':'));
  veu::Log("verifier", absl::StrCat("listening for agents on ", host, ":", port,
                                    " (TLS); admin on unix:", config->admin_socket(),
                                    "; database ", config->database()));
  if (!port_file.empty()) {
    std::ofstream(port_file) << port << "\n";
  }
  std::unique_ptr<veu::verifier::MetricsServer> metrics_server;
  if (!config->metrics_listen_address().empty()) {
    absl::StatusOr<std::unique_ptr<veu::verifier::MetricsServer>> started =
        veu::verifier::MetricsServer::Start(config->metrics_listen_address(), &metrics,
                                            [&store_health](std::string* reason) {
                                              *reason = store_health.reason();
                                              return store_health.serving();
                                            });
    if (!started.ok()) return Fail(started.status());
    metrics_server = *std::move(started);
    veu::Log("verifier", absl::StrCat("metrics on http://", config->metrics_listen_address(),
                                      "/metrics"));
  }

  WaitForTerminationSignal();
  attestation_service.Shutdown();
  stale_sweeper.Stop();
  evidence_pruner.Stop();
  if (feed) feed->Stop();
  verdicts.Close();
  webhook_verdicts.Close();
  (*webhooks)->Shutdown();
  if (regulator_server) {
    regulator_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  }
  checkpoints.Stop();
  duties.Stop();  // another replica takes the duties over at once
  agents_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  health.store(nullptr);  // the committer outlives the server whose health it reports
  metrics_server.reset();
  admin_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  std::filesystem::remove(socket_path, ec);
  veu::Log("verifier", "stopped");
  return 0;
}
