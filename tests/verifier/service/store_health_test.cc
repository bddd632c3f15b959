// Specification of StoreHealth (verifier/service/store_health.h): commits answer whether the
// verifier can keep what it acknowledges; with no commits, a probe of the store does.
#include "verifier/service/store_health.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <httplib.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "verifier/service/metrics.h"
#include "verifier/service/metrics_server.h"
#include "verifier/store/sqlite_store.h"

namespace veu::verifier {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

struct Harness {
  absl::Time now = absl::FromUnixSeconds(1'000'000);
  absl::Status store_answer = absl::OkStatus();
  int probes = 0;
  std::vector<std::pair<bool, std::string>> changes;

  StoreHealth Make() {
    StoreHealth::Options options;
    options.probe_after = absl::Seconds(2);
    options.now = [this] { return now; };
    return StoreHealth(
        [this] {
          ++probes;
          return store_answer;
        },
        [this](bool serving, const std::string& reason) { changes.emplace_back(serving, reason); },
        options);
  }
};

TEST(StoreHealthTest, StartsServingAndDoesNotProbeWhileCommitsAnswer) {
  Harness h;
  StoreHealth health = h.Make();
  EXPECT_TRUE(health.serving());
  for (int i = 0; i < 10; ++i) {
    h.now += absl::Seconds(1);
    health.OnGroupCommitted(5, 0);
    health.Tick();
  }
  EXPECT_EQ(h.probes, 0);
  EXPECT_TRUE(h.changes.empty());
}

TEST(StoreHealthTest, AGroupThatFailedWholeStopsServingAndTheNextGoodOneRestores) {
  Harness h;
  StoreHealth health = h.Make();
  health.OnGroupCommitted(3, 1);  // partly failed: the store still takes writes
  EXPECT_TRUE(health.serving());
  health.OnGroupCommitted(3, 3);
  EXPECT_FALSE(health.serving());
  EXPECT_THAT(health.reason(), HasSubstr("3 appraisals failed"));
  health.OnGroupCommitted(2, 0);
  EXPECT_TRUE(health.serving());
  EXPECT_EQ(health.reason(), "");
  EXPECT_THAT(h.changes, ElementsAre(Pair(false, HasSubstr("failed to commit")), Pair(true, "")));
}

TEST(StoreHealthTest, AnIdleVerifierProbesTheStoreAndSeesItGo) {
  Harness h;
  StoreHealth health = h.Make();
  h.now += absl::Seconds(1);
  health.Tick();
  EXPECT_EQ(h.probes, 0) << "answered recently (at start)";
  h.now += absl::Seconds(2);
  health.Tick();
  EXPECT_EQ(h.probes, 1);
  EXPECT_TRUE(health.serving());

  h.store_answer = absl::UnavailableError("connection refused by 127.0.0.1:5432");
  h.now += absl::Seconds(2);
  health.Tick();
  EXPECT_FALSE(health.serving());
  EXPECT_THAT(health.reason(), HasSubstr("connection refused"));

  h.store_answer = absl::OkStatus();
  h.now += absl::Seconds(2);
  health.Tick();
  EXPECT_TRUE(health.serving());
  EXPECT_THAT(h.changes, ElementsAre(Pair(false, HasSubstr("refused")), Pair(true, "")));
}

TEST(StoreHealthTest, EmptyGroupsSayNothing) {
  Harness h;
  StoreHealth health = h.Make();
  health.OnGroupCommitted(0, 0);
  h.now += absl::Seconds(3);
  health.Tick();
  EXPECT_EQ(h.probes, 1) << "an empty group is not an answer from the store";
}

TEST(StoreHealthTest, TheProbeThreadRunsTicksUntilDestroyed) {
  int probes = 0;
  absl::Mutex mu;
  {
    StoreHealth::Options options;
    options.probe_after = absl::ZeroDuration();
    StoreHealth health(
        [&] {
          absl::MutexLock lock(&mu);
          ++probes;
          return absl::OkStatus();
        },
        nullptr, options);
    health.StartProbing(absl::Milliseconds(5));
    absl::MutexLock lock(&mu);
    mu.AwaitWithTimeout(absl::Condition(
                            +[](int* p) { return *p >= 3; }, &probes),
                        absl::Seconds(10));
  }
  absl::MutexLock lock(&mu);
  EXPECT_GE(probes, 3);
}

// The real SQLite store answers the probe, and fails it while it cannot take the write lock.
TEST(StoreHealthTest, SqliteCheckWritableFailsWhileAnotherWriterHoldsTheLock) {
  const std::string dir = ::testing::TempDir() + "/store_health_lock";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/veu.db";
  SqliteStore::Options options;
  options.busy_timeout = absl::Milliseconds(100);
  auto store = SqliteStore::Open(path, options);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->CheckWritable().ok());

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const absl::Status locked = (*store)->CheckWritable();
  EXPECT_EQ(locked.code(), absl::StatusCode::kUnavailable) << locked;
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_TRUE((*store)->CheckWritable().ok());
}

// GET /healthz: what probes and load balancers that speak HTTP read (Kubernetes readiness).
TEST(HealthzTest, SaysServingOrNotServingWithTheReasonOnOneLine) {
  Metrics metrics;
  std::atomic<bool> serving{true};
  auto server = MetricsServer::Start("127.0.0.1:0", &metrics, [&serving](std::string* reason) {
    if (!serving) *reason = "connection to server failed\n\tIs the server running?";
    return serving.load();
  });
  ASSERT_TRUE(server.ok()) << server.status();
  httplib::Client client("127.0.0.1", (*server)->port());
  auto ok = client.Get("/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "SERVING\n");
  serving = false;
  auto down = client.Get("/healthz");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503);
  EXPECT_EQ(down->body, "NOT_SERVING: connection to server failed  Is the server running?\n");
  auto scrape = client.Get("/metrics");
  ASSERT_TRUE(scrape);
  EXPECT_EQ(scrape->status, 200) << "metrics are served whatever the health";
}

TEST(HealthzTest, WithoutAHealthFunctionThereIsNoHealthz) {
  Metrics metrics;
  auto server = MetricsServer::Start("127.0.0.1:0", &metrics);
  ASSERT_TRUE(server.ok()) << server.status();
  httplib::Client client("127.0.0.1", (*server)->port());
  auto res = client.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

}  // namespace
}  // namespace veu::verifier
