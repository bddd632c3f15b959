#include "verifier/config.h"

#include "verifier/store/postgres_store.h"

#include <google/protobuf/text_format.h>

#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/flags.h"
#include "common/install_paths.h"
#include "common/rpc/tls.h"
#include "common/status_macros.h"

namespace veu::verifier {

std::string VerifierUsage() {
  // Defaults shown are those of this build's install prefix (common/install_paths.h).
  return absl::StrReplaceAll(R"(usage: veu-verifier [--config FILE] [flags]

Appraises TPM evidence from veu-agents, keeps every result and its raw evidence.

  --config FILE          text-format veu.v1.VerifierConfig (example: {DATA}/examples/verifier.textproto)
  --listen HOST:PORT     agents' TLS endpoint (default 0.0.0.0:8443; port 0 picks a free port)
  --port-file FILE       write the bound port there once listening (for scripts and tests)
  --admin-socket PATH    Unix socket for veuctl (default /run/veu-verifier/admin.sock)
  --database FILE|URL    SQLite database file (default {STATE}/veu-verifier/veu.db), or a
                         PostgreSQL URL (postgresql://...) shared by replicas
  --tls-cert FILE        server certificate chain (PEM)
  --tls-key FILE         server private key (PEM)
  --ek-roots DIR         manufacturer EK root and intermediate CAs (PEM or DER)
  --interval SECONDS     challenge interval (default 30)
  --timeout SECONDS      nonce lifetime, and how long a new stream may stay silent (default 10)
  --enrollment-timeout SECONDS  time to answer an enrolment credential (default 30)
  --allow-sha1           accept quotes signed over SHA-1
  --reference-values FILE  measured-boot reference values (veuctl refvalues learn)
  --require-event-log    a report without a measured-boot log fails instead of warning
  --policy-pack FILE     VEU controls evaluated over every verified report
  --log-key FILE         PEM EC P-256 key signing transparency log checkpoints (created 0600 if
                         missing; default log-key.pem beside the database; public key FILE.pub)
  --log-origin NAME      checkpoint origin and key name (default veu-verifier)
  --checkpoint-interval SECONDS  publish a checkpoint this often when the log grew (default 10)
  --regulator-listen HOST:PORT  serve the regulator API there (mutual TLS; off by default)
  --regulator-port-file FILE    write its bound port there
  --regulator-client-ca FILE    CA of the regulators', operators' and admins' client
                         certificates (required with --regulator-listen)
  --regulator-cert FILE, --regulator-key FILE  its server certificate (default --tls-cert/-key)
  --report-key FILE      PEM EC P-256 or Ed25519 key signing reports (default: the log key)
  --webhook URL          POST verdict changes there (JSON, HMAC-SHA256 signed)
  --webhook-secret FILE  the webhook's HMAC key
  --metrics-listen HOST:PORT  serve Prometheus metrics at http://HOST:PORT/metrics (plain HTTP)
  --first-challenges-per-second N  pace new streams' first challenges (default 1000)
  --store-durability power-loss|process-crash
                         what an acknowledged result survives (default power-loss)
  --evidence-keep N      keep raw evidence of each agent's newest N appraisals only
  --evidence-max-bytes N keep each agent's newest raw evidence up to N bytes only
  --evidence-max-age-days N  drop raw evidence older than N days (results are always kept;
                         default for all three: keep everything)
  --help                 this text
)",
      {{"{STATE}", CompiledInstallLayout().state_dir},
       {"{DATA}", CompiledInstallLayout().data_dir}});
}

absl::StatusOr<veu::v1::VerifierConfig> LoadVerifierConfig(const std::vector<std::string>& args,
                                                           std::string* port_file,
                                                           std::string* regulator_port_file) {
  ASSIGN_OR_RETURN(ParsedFlags flags,
                   ParseFlags(args,
                              {"config", "listen", "port-file", "admin-socket", "database",
                               "tls-cert", "tls-key", "ek-roots", "interval", "timeout",
                               "enrollment-timeout", "reference-values", "policy-pack", "log-key",
                               "log-origin", "checkpoint-interval", "regulator-listen",
                               "regulator-port-file", "regulator-client-ca", "regulator-cert",
                               "regulator-key", "report-key", "webhook", "webhook-secret",
                               "store-durability", "evidence-keep", "evidence-max-bytes",
                               "evidence-max-age-days",
                               "metrics-listen", "first-challenges-per-second"},
                              {"allow-sha1", "require-event-log"}));
  if (!flags.positional.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", flags.positional[0], "'"));
  }
  veu::v1::VerifierConfig config;
  if (auto path = flags.Get("config")) {
    ASSIGN_OR_RETURN(std::string text, ReadFileToString(*path, 1 << 20));
    if (!google::protobuf::TextFormat::ParseFromString(text, &config)) {
      return absl::InvalidArgumentError(
          absl::StrCat(*path, ": not a valid veu.v1.VerifierConfig in text format (the parser "
                              "printed the line above)"));
    }
  }
  if (auto v = flags.Get("listen")) config.set_listen_address(*v);
  if (auto v = flags.Get("admin-socket")) config.set_admin_socket(*v);
  if (auto v = flags.Get("database")) config.set_database(*v);
  if (auto v = flags.Get("tls-cert")) config.mutable_tls()->set_cert_file(*v);
  if (auto v = flags.Get("tls-key")) config.mutable_tls()->set_key_file(*v);
  if (auto v = flags.Get("ek-roots")) config.set_ek_roots_dir(*v);
  for (const char* name : {"interval", "timeout", "enrollment-timeout", "checkpoint-interval"}) {
    if (auto v = flags.Get(name)) {
      uint32_t seconds;
      if (!absl::SimpleAtoi(*v, &seconds) || seconds == 0) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a positive number of seconds"));
      }
      const std::string flag = name;
      if (flag == "interval") config.set_challenge_interval_seconds(seconds);
      else if (flag == "timeout") config.set_challenge_timeout_seconds(seconds);
      else if (flag == "checkpoint-interval") config.set_checkpoint_interval_seconds(seconds);
      else config.set_enrollment_timeout_seconds(seconds);
    }
  }
  if (flags.Has("allow-sha1")) config.set_allow_sha1_signatures(true);
  if (flags.Has("require-event-log")) config.set_require_event_log(true);
  if (auto v = flags.Get("reference-values")) config.set_reference_values_file(*v);
  if (auto v = flags.Get("policy-pack")) config.set_policy_pack(*v);
  if (auto v = flags.Get("port-file")) *port_file = *v;
  if (auto v = flags.Get("log-key")) config.set_log_key(*v);
  if (auto v = flags.Get("log-origin")) config.set_log_origin(*v);
  if (auto v = flags.Get("regulator-listen")) config.set_regulator_listen_address(*v);
  if (auto v = flags.Get("regulator-client-ca")) config.set_regulator_client_ca(*v);
  if (auto v = flags.Get("regulator-cert")) config.mutable_regulator_tls()->set_cert_file(*v);
  if (auto v = flags.Get("regulator-key")) config.mutable_regulator_tls()->set_key_file(*v);
  if (auto v = flags.Get("report-key")) config.set_report_key(*v);
  if (auto v = flags.Get("metrics-listen")) config.set_metrics_listen_address(*v);
  if (auto v = flags.Get("first-challenges-per-second")) {
    uint32_t rate = 0;
    if (!absl::SimpleAtoi(*v, &rate) || rate == 0) {
      return absl::InvalidArgumentError("--first-challenges-per-second needs a positive number");
    }
    config.set_first_challenges_per_second(rate);
  }
  for (const char* name : {"evidence-keep", "evidence-max-bytes", "evidence-max-age-days"}) {
    if (auto v = flags.Get(name)) {
      uint64_t n = 0;
      if (!absl::SimpleAtoi(*v, &n) || n == 0 ||
          (std::string(name) != "evidence-max-bytes" &&
           n > std::numeric_limits<uint32_t>::max())) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a positive number"));
      }
      veu::v1::EvidenceRetentionConfig& r = *config.mutable_evidence_retention();
      const std::string flag = name;
      if (flag == "evidence-keep") r.set_keep_per_agent(static_cast<uint32_t>(n));
      else if (flag == "evidence-max-bytes") r.set_max_bytes_per_agent(n);
      else r.set_max_age_days(static_cast<uint32_t>(n));
    }
  }
  if (auto v = flags.Get("regulator-port-file"); v && regulator_port_file != nullptr) {
    *regulator_port_file = *v;
  }
  if (flags.Get("webhook").has_value() != flags.Get("webhook-secret").has_value()) {
    return absl::InvalidArgumentError("--webhook and --webhook-secret go together");
  }
  if (auto v = flags.Get("store-durability")) {
    if (*v == "power-loss") {
      config.set_store_durability(veu::v1::STORE_DURABILITY_POWER_LOSS);
    } else if (*v == "process-crash") {
      config.set_store_durability(veu::v1::STORE_DURABILITY_PROCESS_CRASH);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "--store-durability is power-loss or process-crash, not '", *v, "'"));
    }
  }
  if (config.store_durability() == veu::v1::STORE_DURABILITY_UNSPECIFIED) {
    config.set_store_durability(veu::v1::STORE_DURABILITY_POWER_LOSS);
  }
  if (auto v = flags.Get("webhook")) {
    veu::v1::WebhookConfig* hook = config.add_webhooks();
    hook->set_url(*v);
    hook->set_secret_file(*flags.Get("webhook-secret"));
  }

  if (config.listen_address().empty()) config.set_listen_address("0.0.0.0:8443");
  if (config.admin_socket().empty()) config.set_admin_socket("/run/veu-verifier/admin.sock");
  if (config.database().empty()) config.set_database(absl::StrCat(CompiledInstallLayout().state_dir, "/veu-verifier/veu.db"));
  if (config.challenge_interval_seconds() == 0) config.set_challenge_interval_seconds(30);
  if (config.log_origin().empty()) config.set_log_origin("veu-verifier");
  if (config.checkpoint_interval_seconds() == 0) config.set_checkpoint_interval_seconds(10);
  if (config.log_key().empty() && PostgresStore::IsPostgresUrl(config.database())) {
    // Every replica must sign with the same key, so it cannot be created beside a file.
    return absl::InvalidArgumentError(
        "with a PostgreSQL database set log_key to the log signing key every replica shares "
        "(e.g. /etc/veu-attest/log-key.pem, distributed like the TLS key)");
  }
  if (config.log_key().empty()) {
    const std::string& db = config.database();
    const size_t slash = db.rfind('/');
    config.set_log_key(slash == std::string::npos ? "log-key.pem"
                                                  : db.substr(0, slash + 1) + "log-key.pem");
  }
  if (config.challenge_timeout_seconds() == 0) config.set_challenge_timeout_seconds(10);
  if (config.enrollment_timeout_seconds() == 0) config.set_enrollment_timeout_seconds(30);
  if (config.stale_after_seconds() == 0) {
    config.set_stale_after_seconds(3 * config.challenge_interval_seconds() +
                                   config.challenge_timeout_seconds());
  }
  if (config.pcr_selection().empty()) {
    veu::v1::PcrSelection* sel = config.add_pcr_selection();
    sel->set_hash_alg(0x000B);
    for (uint32_t pcr : {0, 1, 2, 3, 4, 5, 6, 7, 10}) sel->add_pcrs(pcr);
  }
  if (config.tls().cert_file().empty() || config.tls().key_file().empty()) {
    return absl::InvalidArgumentError(
        "the agents' endpoint needs TLS: set tls.cert_file and tls.key_file (or --tls-cert, "
        "--tls-key)");
  }
  if (!config.regulator_listen_address().empty()) {
    if (config.regulator_client_ca().empty()) {
      return absl::InvalidArgumentError(
          "the regulator API authenticates callers by client certificate: set "
          "regulator_client_ca (or --regulator-client-ca)");
    }
    if (config.regulator_tls().cert_file().empty()) {
      *config.mutable_regulator_tls() = config.tls();
    }
  }
  if (config.ek_roots_dir().empty()) {
    return absl::InvalidArgumentError(
        "no EK roots: set ek_roots_dir (or --ek-roots) to the directory of TPM manufacturer CAs");
  }
  return config;
}

SqliteStore::Options StoreOptions(const veu::v1::VerifierConfig& config) {
  SqliteStore::Options options;
  options.durability = config.store_durability() == veu::v1::STORE_DURABILITY_PROCESS_CRASH
                           ? SqliteStore::Options::Durability::kProcessCrash
                           : SqliteStore::Options::Durability::kPowerLoss;
  return options;
}

EvidenceRetention RetentionOf(const veu::v1::VerifierConfig& config) {
  EvidenceRetention retention;
  retention.keep_per_agent = config.evidence_retention().keep_per_agent();
  retention.max_bytes_per_agent = config.evidence_retention().max_bytes_per_agent();
  retention.max_age = absl::Hours(24) * config.evidence_retention().max_age_days();
  return retention;
}

}  // namespace veu::verifier
