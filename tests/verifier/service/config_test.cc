// Specifications of veu-verifier's configuration: the shipped example parses with every section,
// flags override it, and what cannot work is refused at start with the field to fix.
#include "verifier/config.h"
#include "verifier/store/postgres_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace veu::verifier {
namespace {

using ::testing::HasSubstr;
using ::veu::testing::StatusIs;

const std::string kExample = std::string(VEU_BINARY_DIR) + "/deploy/config/verifier.textproto";

TEST(VerifierConfigTest, TheShippedExampleParsesWithEverySection) {
  std::string port_file, regulator_port_file;
  absl::StatusOr<veu::v1::VerifierConfig> c =
      LoadVerifierConfig({"--config", kExample}, &port_file, &regulator_port_file);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->regulator_listen_address(), "0.0.0.0:9443");
  EXPECT_EQ(c->regulator_tls().cert_file(), c->tls().cert_file());  // defaults to the agents'
  ASSERT_EQ(c->webhooks_size(), 1);
  EXPECT_EQ(c->webhooks(0).max_attempts(), 6u);
  EXPECT_FALSE(c->policy_pack().empty());
}

// Issue 10: the replica examples (systemd template, Kubernetes) are configs the verifier accepts,
// sharing one database and one log key.
TEST(VerifierConfigTest, TheReplicaExamplesParseAndNameASharedLogKey) {
  std::string port_file, regulator_port_file;
  absl::StatusOr<veu::v1::VerifierConfig> systemd = LoadVerifierConfig(
      {"--config", std::string(VEU_BINARY_DIR) + "/deploy/config/verifier-replica.textproto"},
      &port_file, &regulator_port_file);
  ASSERT_TRUE(systemd.ok()) << systemd.status();
  EXPECT_TRUE(PostgresStore::IsPostgresUrl(systemd->database())) << systemd->database();
  EXPECT_FALSE(systemd->log_key().empty());
  EXPECT_FALSE(systemd->metrics_listen_address().empty());
  // Kubernetes passes the URL from a Secret as --database.
  absl::StatusOr<veu::v1::VerifierConfig> k8s = LoadVerifierConfig(
      {"--config", std::string(VEU_SOURCE_DIR) + "/deploy/k8s/verifier.textproto", "--database",
       "postgresql://veu@db:5432/veu"},
      &port_file, &regulator_port_file);
  ASSERT_TRUE(k8s.ok()) << k8s.status();
  EXPECT_EQ(k8s->log_key(), "/etc/veu-attest/log-key/log-key.pem");
  // Without the URL the k8s config alone would fall back to SQLite in a read-only root: the
  // manifests always pass --database (tests/deploy/check_k8s.py checks that).
}

// Issue 17: the raw evidence kept per agent is bounded when configured; the example bounds it.
TEST(VerifierConfigTest, EvidenceRetentionComesFromTheFileOrFlagsAndIsOffByDefault) {
  std::string port_file;
  absl::StatusOr<veu::v1::VerifierConfig> example =
      LoadVerifierConfig({"--config", kExample}, &port_file);
  ASSERT_TRUE(example.ok()) << example.status();
  const EvidenceRetention shipped = RetentionOf(*example);
  EXPECT_TRUE(shipped.any());
  EXPECT_EQ(shipped.keep_per_agent, 20000u);
  EXPECT_EQ(shipped.max_age, absl::Hours(24 * 90));

  EXPECT_FALSE(RetentionOf(veu::v1::VerifierConfig{}).any()) << "nothing is dropped unless asked";

  absl::StatusOr<veu::v1::VerifierConfig> flags = LoadVerifierConfig(
      {"--config", kExample, "--evidence-keep", "10",
       "--evidence-max-bytes", "5000000000", "--evidence-max-age-days", "7"},
      &port_file);
  ASSERT_TRUE(flags.ok()) << flags.status();
  const EvidenceRetention r = RetentionOf(*flags);
  EXPECT_EQ(r.keep_per_agent, 10u);
  EXPECT_EQ(r.max_bytes_per_agent, 5000000000u);
  EXPECT_EQ(r.max_age, absl::Hours(24 * 7));
  for (const std::string bad : {"0", "-1", "x", "4294967296"}) {
    EXPECT_THAT(LoadVerifierConfig({"--config", kExample, "--evidence-keep", bad}, &port_file),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--evidence-keep")))
        << bad;
  }
}

TEST(VerifierConfigTest, FlagsOverrideTheFileAndAddAWebhook) {
  std::string port_file, regulator_port_file;
  absl::StatusOr<veu::v1::VerifierConfig> c = LoadVerifierConfig(
      {"--config", kExample, "--regulator-listen", "127.0.0.1:0", "--regulator-port-file", "/tmp/p",
       "--webhook", "http://127.0.0.1:1/h", "--webhook-secret", "/tmp/s", "--report-key", "/k"},
      &port_file, &regulator_port_file);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->regulator_listen_address(), "127.0.0.1:0");
  EXPECT_EQ(regulator_port_file, "/tmp/p");
  EXPECT_EQ(c->report_key(), "/k");
  ASSERT_EQ(c->webhooks_size(), 2);
  EXPECT_EQ(c->webhooks(1).url(), "http://127.0.0.1:1/h");
}

TEST(VerifierConfigTest, ARegulatorApiWithoutAClientCaIsRefused) {
  std::string port_file;
  EXPECT_THAT(LoadVerifierConfig({"--tls-cert", "c", "--tls-key", "k", "--ek-roots", "r",
                                  "--regulator-listen", "127.0.0.1:0"},
                                 &port_file),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("regulator_client_ca")));
  EXPECT_THAT(LoadVerifierConfig({"--tls-cert", "c", "--tls-key", "k", "--ek-roots", "r",
                                  "--webhook", "http://x/"},
                                 &port_file),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--webhook-secret")));
}

// Issue 17: power-loss durability existed in the store's API but nothing turned it on.
TEST(VerifierConfigTest, DurabilityIsAConfigFieldDefaultingToPowerLoss) {
  std::string port_file;
  absl::StatusOr<veu::v1::VerifierConfig> c = LoadVerifierConfig({"--config", kExample}, &port_file);
  ASSERT_OK(c);
  EXPECT_EQ(c->store_durability(), veu::v1::STORE_DURABILITY_POWER_LOSS);
  EXPECT_EQ(StoreOptions(*c).durability, SqliteStore::Options::Durability::kPowerLoss);
  c = LoadVerifierConfig({"--config", kExample, "--store-durability", "process-crash"}, &port_file);
  ASSERT_OK(c);
  EXPECT_EQ(StoreOptions(*c).durability, SqliteStore::Options::Durability::kProcessCrash);
  EXPECT_THAT(LoadVerifierConfig({"--store-durability", "fast"}, &port_file),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("power-loss or process-crash")));
}

}  // namespace
}  // namespace veu::verifier
