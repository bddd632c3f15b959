// PostgresStore: the same conformance suites as SqliteStore on a real PostgreSQL server
// (tests/support/postgres_server.h, one per test binary, a fresh database per test), then what
// only a shared database has: several stores (replicas) writing at once, migrations racing,
// and the server going away and coming back.
#include "verifier/store/postgres_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/merkle/compact_range.h"
#include "common/merkle/hasher.h"
#include "tests/support/postgres_server.h"
#include "tests/support/status_matchers.h"
#include "tests/verifier/store/store_conformance_test.h"
#include "tests/verifier/store/store_fleet_conformance_test.h"
#include "tests/verifier/store/store_records_conformance_test.h"
#include "tests/verifier/store/store_revocation_conformance_test.h"
#include "tests/verifier/translog/log_storage_conformance.h"
#include "verifier/notify/change_feed_follower.h"
#include "verifier/service/leader_lease.h"
#include "verifier/store/migrations.h"
#include "verifier/store/pg_connection.h"

namespace veu::verifier::testing {

// The binary's server, started by the first test that needs it and stopped at exit.
veu::testing::PostgresServer& Server() {
  static std::unique_ptr<veu::testing::PostgresServer> server = [] {
    auto started = veu::testing::PostgresServer::Start();
    if (!started.ok()) {
      ADD_FAILURE() << started.status();
      return std::unique_ptr<veu::testing::PostgresServer>();
    }
    return std::move(*started);
  }();
  if (server == nullptr) std::abort();  // reported above; nothing can run without it
  return *server;
}

class PostgresBackend {
 public:
  absl::StatusOr<std::unique_ptr<Store>> Open() {
    if (conninfo_.empty()) {
      auto created = Server().CreateDatabase();
      if (!created.ok()) return created.status();
      conninfo_ = *created;
    }
    auto store = PostgresStore::Open(conninfo_);
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(std::move(*store));
  }

 private:
  std::string conninfo_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(PostgresStoreConformance, StoreConformanceTest,
                               ::testing::Types<PostgresBackend>);
INSTANTIATE_TYPED_TEST_SUITE_P(PostgresStoreConformance, StoreRecordsConformanceTest,
                               ::testing::Types<PostgresBackend>);
INSTANTIATE_TYPED_TEST_SUITE_P(PostgresStoreConformance, StoreRevocationConformanceTest,
                               ::testing::Types<PostgresBackend>);
INSTANTIATE_TYPED_TEST_SUITE_P(PostgresStoreConformance, StoreFleetConformanceTest,
                               ::testing::Types<PostgresBackend>);

}  // namespace veu::verifier::testing

namespace veu::translog::testing {
namespace {

struct PostgresLogStorageFactory {
  static std::unique_ptr<LogStorage> Create() {
    auto conninfo = veu::verifier::testing::Server().CreateDatabase();
    if (!conninfo.ok()) {
      ADD_FAILURE() << conninfo.status();
      return nullptr;
    }
    auto store = veu::verifier::PostgresStore::Open(*conninfo);
    if (!store.ok()) {
      ADD_FAILURE() << store.status();
      return nullptr;
    }
    return std::move(*store);
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, LogStorageConformanceTest, PostgresLogStorageFactory);

}  // namespace
}  // namespace veu::translog::testing

namespace veu::verifier::testing {
namespace {

using ::testing::HasSubstr;

// Runs SQL on the database behind the store's back, as an operator with psql would.
void RawExec(const std::string& conninfo, const std::string& sql) {
  auto db = pg::Connection::Open(conninfo, absl::Seconds(5));
  ASSERT_OK(db);
  ASSERT_OK((*db)->Exec(sql, "test SQL"));
}

class PostgresReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conninfo = Server().CreateDatabase();
    ASSERT_OK(conninfo);
    conninfo_ = *conninfo;
    for (int i = 0; i < 3; ++i) {
      auto store = PostgresStore::Open(conninfo_);
      ASSERT_OK(store);
      replicas_.push_back(std::move(*store));
    }
  }

  std::string conninfo_;
  std::vector<std::unique_ptr<PostgresStore>> replicas_;
};

TEST(PostgresStoreTest, EmbeddedMigrationsAreNumberedWithoutGaps) {
  EXPECT_OK(ValidateMigrations(EmbeddedPostgresMigrations()));
  EXPECT_GE(PostgresStore::LatestSchemaVersion(), 1);
}

TEST(PostgresStoreTest, RecognisesPostgresConnectionStringsOnly) {
  EXPECT_TRUE(PostgresStore::IsPostgresUrl("postgresql://veu@db.example/veu"));
  EXPECT_TRUE(PostgresStore::IsPostgresUrl("postgres://db/veu"));
  EXPECT_TRUE(PostgresStore::IsPostgresUrl("host=127.0.0.1 port=5432 dbname=veu"));
  EXPECT_FALSE(PostgresStore::IsPostgresUrl("/var/lib/veu-verifier/veu.db"));
  EXPECT_FALSE(PostgresStore::IsPostgresUrl(":memory:"));
}

TEST(PostgresStoreTest, AnUnreachableServerIsUnavailableAndNamesIt) {
  PostgresStore::Options options;
  options.connect_timeout = absl::Seconds(2);
  // Port 1 on loopback: nothing listens there.
  auto store = PostgresStore::Open("host=127.0.0.1 port=1 dbname=veu user=veu", options);
  EXPECT_THAT(store.status(), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("127.0.0.1")));
}

TEST(PostgresStoreTest, RefusesADatabaseWithANewerSchema) {
  auto conninfo = Server().CreateDatabase();
  ASSERT_OK(conninfo);
  ASSERT_OK(PostgresStore::Open(*conninfo));
  RawExec(*conninfo, "INSERT INTO schema_version (version, name) VALUES (9999, '9999_future.sql')");
  EXPECT_THAT(PostgresStore::Open(*conninfo).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("newer release")));
}

TEST(PostgresStoreTest, RefusesTheDatabaseOfAnotherApplication) {
  auto conninfo = Server().CreateDatabase();
  ASSERT_OK(conninfo);
  RawExec(*conninfo, "CREATE TABLE invoices (id INTEGER)");
  EXPECT_THAT(PostgresStore::Open(*conninfo).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("another application")));
}

TEST(PostgresStoreTest, ReplicasStartingTogetherMigrateOnce) {
  auto conninfo = Server().CreateDatabase();
  ASSERT_OK(conninfo);
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (PostgresStore::Open(*conninfo).ok()) ++opened;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(opened.load(), 4);
  auto db = pg::Connection::Open(*conninfo, absl::Seconds(5));
  ASSERT_OK(db);
  auto rows = (*db)->Query("SELECT count(*) FROM schema_version", {}, "counting migrations");
  ASSERT_OK(rows);
  EXPECT_EQ(rows->Int(0, 0), PostgresStore::LatestSchemaVersion());
}

// The heart of running replicas: three stores committing groups at once into one log. Every
// appraisal lands once, the leaves are 0..N-1 without gap or repeat, each agent's chain of
// previous_log_index is intact, and the stored tree is the tree of the stored leaves.
TEST_F(PostgresReplicasTest, ConcurrentGroupCommitsFromReplicasFormOneConsistentLog) {
  constexpr int kAgentsPerReplica = 4;
  constexpr int kGroups = 6;
  constexpr int kGroupSize = 5;
  ASSERT_OK(replicas_[0]->AddSite(MakeSite("fra-1")));
  std::vector<std::vector<veu::v1::AgentRecord>> agents(replicas_.size());
  for (size_t r = 0; r < replicas_.size(); ++r) {
    for (int a = 0; a < kAgentsPerReplica; ++a) {
      agents[r].push_back(MakeAgent(absl::StrCat("r", r, "-a", a), "fra-1"));
      ASSERT_OK(replicas_[r]->PutAgent(agents[r].back(), {}));
    }
  }
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (size_t r = 0; r < replicas_.size(); ++r) {
    threads.emplace_back([&, r] {
      int64_t at = 1000;
      for (int g = 0; g < kGroups; ++g) {
        std::vector<AppraisalCommit> group;
        for (int i = 0; i < kGroupSize; ++i) {
          const auto& agent = agents[r][i % kAgentsPerReplica];
          group.push_back(MakeCommit(absl::StrCat("r", r, "-g", g, "-", i), agent, ++at));
        }
        for (const absl::Status& s : replicas_[r]->CommitAppraisals(group)) {
          if (!s.ok()) {
            ++failures;
            ADD_FAILURE() << s;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);

  const uint64_t total = replicas_.size() * kGroups * kGroupSize;
  ASSERT_THAT(replicas_[1]->TreeSize(), IsOkAndHolds(total));
  merkle::CompactRange range;
  std::set<std::string> ids;
  std::map<std::string, uint64_t> last_leaf;
  for (uint64_t i = 0; i < total; ++i) {
    auto entry = replicas_[2]->LogEntryByIndex(i);
    ASSERT_OK(entry);
    veu::v1::Appraisal appraisal;
    ASSERT_TRUE(appraisal.ParseFromString(entry->appraisal));
    EXPECT_EQ(appraisal.log_index(), i);
    EXPECT_TRUE(ids.insert(appraisal.id()).second) << "appraisal stored twice: " << appraisal.id();
    auto previous = last_leaf.find(appraisal.agent_id());
    if (previous == last_leaf.end()) {
      EXPECT_FALSE(appraisal.has_previous_log_index()) << appraisal.id();
    } else {
      EXPECT_EQ(appraisal.previous_log_index(), previous->second) << appraisal.id();
    }
    last_leaf[appraisal.agent_id()] = i;
    ASSERT_OK(range.Append(merkle::LeafHash(entry->appraisal)));
  }
  // The root from the stored nodes equals the root of the stored leaves.
  auto stored = merkle::CompactRange::Load(*replicas_[0], total);
  ASSERT_OK(stored);
  EXPECT_EQ(stored->Root(), range.Root());
}

TEST_F(PostgresReplicasTest, ARevocationByOneReplicaIsNotUndoneByAnothersAppraisals) {
  ASSERT_OK(replicas_[0]->AddSite(MakeSite("fra-1")));
  veu::v1::AgentRecord agent = MakeAgent("a1", "fra-1");
  agent.mutable_last_inventory()->set_reported(true);
  agent.mutable_last_inventory()->set_count(8);
  agent.mutable_last_inventory()->set_tpp(100);
  ASSERT_OK(replicas_[0]->PutAgent(agent, {}));
  std::thread appraiser([&] {
    for (int i = 0; i < 40; ++i) {
      // Each appraisal writes back the record it read before the revocation.
      replicas_[1]->CommitAppraisal(MakeCommit(absl::StrCat("x", i), agent, 100 + i)).IgnoreError();
    }
  });
  veu::v1::Revocation revocation;
  revocation.set_agent_id("a1");
  revocation.set_reason("EK leaked");
  *revocation.mutable_revoked_at() = Ts(1700000100);
  const absl::Status revoked = replicas_[2]->RevokeAgent(
      revocation, MakeEvent(veu::v1::EVENT_AGENT_REVOKED, "a1", "fra-1", 50));
  appraiser.join();
  ASSERT_OK(revoked);
  for (auto& replica : replicas_) {
    auto read = replica->GetAgent("a1");
    ASSERT_OK(read);
    EXPECT_EQ(read->status(), veu::v1::AGENT_STATUS_REVOKED);
    auto totals = replica->ListSiteInventoryTotals();
    ASSERT_OK(totals);
    EXPECT_THAT(*totals, IsEmpty()) << "a revoked agent must not count in its site's totals";
  }
}

TEST_F(PostgresReplicasTest, SiteTotalsAreExactOnEveryReplica) {
  ASSERT_OK(replicas_[0]->AddSite(MakeSite("fra-1")));
  std::vector<std::thread> threads;
  for (size_t r = 0; r < replicas_.size(); ++r) {
    threads.emplace_back([&, r] {
      for (int a = 0; a < 5; ++a) {
        veu::v1::AgentRecord agent = MakeAgent(absl::StrCat("r", r, "-", a), "fra-1");
        EXPECT_OK(replicas_[r]->PutAgent(agent, {}));
        AppraisalCommit commit = MakeCommit(absl::StrCat("c", r, "-", a), agent, 10 + a);
        commit.agent.mutable_last_inventory()->set_reported(true);
        commit.agent.mutable_last_inventory()->set_count(8);
        commit.agent.mutable_last_inventory()->set_tpp(1000);
        EXPECT_OK(replicas_[r]->CommitAppraisal(commit));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& replica : replicas_) {
    auto totals = replica->ListSiteInventoryTotals();
    ASSERT_OK(totals);
    ASSERT_EQ(totals->size(), 1u);
    EXPECT_EQ((*totals)[0].nodes, 15u);
    EXPECT_EQ((*totals)[0].accelerators, 120u);
    EXPECT_EQ((*totals)[0].tpp, 15000u);
  }
}

TEST_F(PostgresReplicasTest, ATokenIsConsumedOnceAcrossReplicas) {
  ASSERT_OK(replicas_[0]->AddSite(MakeSite("fra-1")));
  ASSERT_OK(replicas_[0]->AddEnrollmentToken(MakeToken("secret", "fra-1", 4102444800)));
  std::atomic<int> consumed{0};
  std::vector<std::thread> threads;
  for (size_t r = 0; r < replicas_.size(); ++r) {
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&, r] {
        auto use = replicas_[r]->ConsumeEnrollmentToken(crypto::Sha256("secret"), "fra-1",
                                                        absl::FromUnixSeconds(1700000000));
        if (use.ok() && *use == TokenUse::kConsumed) ++consumed;
      });
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(consumed.load(), 1);
}

TEST_F(PostgresReplicasTest, ALeaseHasOneHolderUntilItExpiresOrIsReleased) {
  EXPECT_THAT(replicas_[0]->HoldLease("duties", "r0", absl::Milliseconds(800)), IsOkAndHolds(true));
  EXPECT_THAT(replicas_[1]->HoldLease("duties", "r1", absl::Seconds(5)), IsOkAndHolds(false));
  EXPECT_THAT(replicas_[0]->HoldLease("duties", "r0", absl::Milliseconds(800)), IsOkAndHolds(true))
      << "the holder renews its own lease";
  absl::SleepFor(absl::Milliseconds(1000));  // r0 died without releasing: its grant runs out
  EXPECT_THAT(replicas_[1]->HoldLease("duties", "r1", absl::Seconds(5)), IsOkAndHolds(true));
  EXPECT_THAT(replicas_[0]->HoldLease("duties", "r0", absl::Seconds(5)), IsOkAndHolds(false));
  ASSERT_OK(replicas_[1]->ReleaseLease("duties", "r1"));
  EXPECT_THAT(replicas_[2]->HoldLease("duties", "r2", absl::Seconds(5)), IsOkAndHolds(true))
      << "a released lease is free at once";
  EXPECT_OK(replicas_[0]->ReleaseLease("duties", "r0")) << "releasing what one does not hold is a no-op";
  EXPECT_THAT(replicas_[1]->HoldLease("duties", "r1", absl::Seconds(5)), IsOkAndHolds(false));
}

// Cluster duties run in exactly one replica, and move when it stops.
TEST_F(PostgresReplicasTest, ExactlyOneLeaderLeaseIsHeldAndAnotherTakesOverWhenItStops) {
  LeaderLease::Options options;
  options.ttl = absl::Seconds(1);
  options.renew_every = absl::Milliseconds(200);
  std::vector<std::unique_ptr<LeaderLease>> leases;
  for (int i = 0; i < 3; ++i) {
    leases.push_back(std::make_unique<LeaderLease>(replicas_[i].get(), "cluster-duties",
                                                   absl::StrCat("replica-", i), options));
  }
  auto holders = [&] {
    int held = 0;
    for (const auto& lease : leases) held += lease != nullptr && lease->held() ? 1 : 0;
    return held;
  };
  ASSERT_EQ(holders(), 1);
  size_t leader = 0;
  while (!leases[leader]->held()) ++leader;
  leases[leader]->Stop();  // releases: another replica takes over at its next renewal
  leases[leader].reset();
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (holders() == 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(holders(), 1);
}

// WatchVerdicts on any replica sees every replica's verdict changes; webhooks get them from
// the one replica that delivers.
TEST_F(PostgresReplicasTest, EveryReplicaPublishesEveryReplicasVerdictChangesInFeedOrder) {
  notify::VerdictBus watchers[2], webhooks[2];
  std::unique_ptr<notify::Subscription> watching[2], hooked[2];
  std::vector<std::unique_ptr<notify::ChangeFeedFollower>> followers;
  for (int i = 0; i < 2; ++i) {
    watching[i] = watchers[i].Subscribe(nullptr);
    hooked[i] = webhooks[i].Subscribe(nullptr);
    followers.push_back(std::make_unique<notify::ChangeFeedFollower>(
        replicas_[i].get(), &watchers[i], &webhooks[i], [i] { return i == 0; },
        absl::Milliseconds(20)));
  }
  for (int k = 0; k < 6; ++k) {
    veu::v1::VerdictChange change;
    change.set_site(absl::StrCat("site-", k));
    change.set_verdict(veu::v1::VERDICT_REJECT);
    followers[k % 2]->Append(change);  // made by alternating replicas
  }
  for (int i = 0; i < 2; ++i) {
    for (int k = 0; k < 6; ++k) {
      veu::v1::VerdictChange got;
      ASSERT_TRUE(watching[i]->Next(&got, absl::Now() + absl::Seconds(5))) << "replica " << i << " change " << k;
      EXPECT_EQ(got.site(), absl::StrCat("site-", k));
    }
  }
  // The webhooks get them from the delivering replica, after its watchers (same poll).
  for (int k = 0; k < 6; ++k) {
    veu::v1::VerdictChange got;
    ASSERT_TRUE(hooked[0]->Next(&got, absl::Now() + absl::Seconds(5))) << "webhook change " << k;
    EXPECT_EQ(got.site(), absl::StrCat("site-", k));
  }
  absl::SleepFor(absl::Milliseconds(100));  // a few more polls: nothing further arrives
  for (auto& f : followers) f->Stop();
  veu::v1::VerdictChange got;
  int delivered[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    webhooks[i].Close();
    while (hooked[i]->Next(&got, absl::Now() + absl::Milliseconds(10))) ++delivered[i];
  }
  EXPECT_EQ(delivered[0], 0) << "each change once";
  EXPECT_EQ(delivered[1], 0);
}

// Issue 10: webhook deliveries survive a lease handover. Changes made while no replica held the
// lease (the holder died, the lease not yet taken) are delivered by the next holder, from the
// cursor the last one left in the store, and what the last holder delivered is not sent again.
TEST_F(PostgresReplicasTest, ANewLeaseHolderDeliversWebhooksFromWhereTheLastOneStopped) {
  std::atomic<int> holder{0};
  notify::VerdictBus watchers[2], webhooks[2];
  std::unique_ptr<notify::Subscription> hooked[2];
  std::vector<std::unique_ptr<notify::ChangeFeedFollower>> followers;
  for (int i = 0; i < 2; ++i) {
    hooked[i] = webhooks[i].Subscribe(nullptr);
    followers.push_back(std::make_unique<notify::ChangeFeedFollower>(
        replicas_[i].get(), &watchers[i], &webhooks[i], [i, &holder] { return holder == i; },
        absl::Milliseconds(20)));
  }
  auto append = [&](int k) {
    veu::v1::VerdictChange change;
    change.set_site(absl::StrCat("site-", k));
    change.set_verdict(veu::v1::VERDICT_REJECT);
    followers[k % 2]->Append(change);
  };
  auto next_site = [](notify::Subscription& s) {
    veu::v1::VerdictChange got;
    return s.Next(&got, absl::Now() + absl::Seconds(5)) ? got.site() : std::string("(none)");
  };
  for (int k = 0; k < 3; ++k) append(k);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(next_site(*hooked[0]), absl::StrCat("site-", k));

  holder = -1;  // the holder is gone; the lease has not moved yet
  absl::SleepFor(absl::Milliseconds(100));
  append(3);
  append(4);
  absl::SleepFor(absl::Milliseconds(200));  // both followers have polled past them
  holder = 1;
  EXPECT_EQ(next_site(*hooked[1]), "site-3");
  EXPECT_EQ(next_site(*hooked[1]), "site-4");
  append(5);
  EXPECT_EQ(next_site(*hooked[1]), "site-5");
  for (auto& f : followers) f->Stop();
  veu::v1::VerdictChange got;
  EXPECT_FALSE(hooked[1]->Next(&got, absl::Now() + absl::Milliseconds(50)))
      << "delivered again: " << got.site();
  EXPECT_FALSE(hooked[0]->Next(&got, absl::Now() + absl::Milliseconds(50)))
      << "the old holder delivered after losing the lease: " << got.site();
}

// Issue 10: the cursor follows deliveries, not hand-overs. A holder that handed changes to a
// notifier that never settled them (it died mid-retry) leaves the cursor before them, and the
// next holder delivers them again; each webhook change carries its feed position to dedupe by.
TEST_F(PostgresReplicasTest, ChangesAHolderHandedOverButNeverDeliveredAreDeliveredByTheNext) {
  std::atomic<int> holder{0};
  std::atomic<int64_t> stuck_at{0};  // holder 0's notifier: the oldest change it has not settled
  notify::VerdictBus watchers[2], webhooks[2];
  std::unique_ptr<notify::Subscription> hooked[2];
  std::vector<std::unique_ptr<notify::ChangeFeedFollower>> followers;
  for (int i = 0; i < 2; ++i) {
    hooked[i] = webhooks[i].Subscribe(nullptr);
    followers.push_back(std::make_unique<notify::ChangeFeedFollower>(
        replicas_[i].get(), &watchers[i], &webhooks[i], [i, &holder] { return holder == i; },
        absl::Milliseconds(20)));
  }
  // Holder 0's notifier never settles site-1 (it is stuck retrying it): noted as it is
  // published, as the real notifier's filter notes accepted changes, before the cursor is saved.
  auto stuck = webhooks[0].Subscribe([&stuck_at](const veu::v1::VerdictChange& c) {
    if (c.site() == "site-1") stuck_at = c.feed_position();
    return false;
  });
  followers[0]->TrackDelivery([&stuck_at]() -> std::optional<int64_t> {
    return stuck_at == 0 ? std::nullopt : std::optional<int64_t>(stuck_at.load());
  });
  auto append = [&](int k) {
    veu::v1::VerdictChange change;
    change.set_site(absl::StrCat("site-", k));
    followers[0]->Append(change);
  };
  auto next = [](notify::Subscription& s) {
    veu::v1::VerdictChange got;
    if (!s.Next(&got, absl::Now() + absl::Seconds(5))) got.set_site("(none)");
    return got;
  };
  append(0);
  const veu::v1::VerdictChange first = next(*hooked[0]);
  EXPECT_EQ(first.site(), "site-0");
  EXPECT_GT(first.feed_position(), 0) << "webhook changes carry their feed position";
  absl::SleepFor(absl::Milliseconds(100));  // settled at once: the cursor passes site-0
  // site-1 and site-2 are handed over, but the notifier is stuck on site-1.
  append(1);
  const veu::v1::VerdictChange second = next(*hooked[0]);
  EXPECT_EQ(stuck_at.load(), second.feed_position());
  append(2);
  EXPECT_EQ(next(*hooked[0]).site(), "site-2");
  absl::SleepFor(absl::Milliseconds(100));

  holder = 1;  // holder 0 died with site-1 and site-2 unsettled
  const veu::v1::VerdictChange again = next(*hooked[1]);
  EXPECT_EQ(again.site(), "site-1");
  EXPECT_EQ(again.feed_position(), second.feed_position()) << "the same change, to dedupe by";
  EXPECT_EQ(next(*hooked[1]).site(), "site-2");
  for (auto& f : followers) f->Stop();
  veu::v1::VerdictChange got;
  EXPECT_FALSE(hooked[1]->Next(&got, absl::Now() + absl::Milliseconds(50)))
      << "site-0 was settled and must not come again: " << got.site();
}

// PostgreSQL restarting under a store: calls fail Unavailable while it is down (never a
// crash, never a silent success), the pool replaces its dead connections afterwards, and
// nothing committed before is lost. Restarts the binary's shared server, so it comes last.
TEST(PostgresStoreRestartTest, ZAStoreOutlivesARestartOfTheServerAndLosesNothing) {
  auto conninfo = Server().CreateDatabase();
  ASSERT_OK(conninfo);
  auto store = PostgresStore::Open(*conninfo);
  ASSERT_OK(store);
  ASSERT_OK((*store)->AddSite(MakeSite("fra-1")));
  const veu::v1::AgentRecord agent = MakeAgent("a1", "fra-1");
  ASSERT_OK((*store)->PutAgent(agent, {}));
  ASSERT_OK((*store)->CommitAppraisal(MakeCommit("before", agent, 10)));
  EXPECT_OK((*store)->CheckWritable());

  ASSERT_OK(Server().Kill());
  EXPECT_THAT((*store)->CommitAppraisal(MakeCommit("during", agent, 11)),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT((*store)->GetAgent("a1").status(), StatusIs(absl::StatusCode::kUnavailable));
  // The health probe's question gets the same answer with no commit to ask it (issue 10).
  EXPECT_THAT((*store)->CheckWritable(), StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_OK(Server().Restart()) << Server().LogTail();
  absl::Status writable = (*store)->CheckWritable();
  for (int i = 0; i < 10 && absl::IsUnavailable(writable); ++i) writable = (*store)->CheckWritable();
  EXPECT_OK(writable);

  // The first call after the restart may still find a connection that died with the server
  // (Unavailable); the pool drops it, and the next call gets a fresh one.
  absl::Status after = (*store)->CommitAppraisal(MakeCommit("after", agent, 12));
  for (int i = 0; i < 10 && absl::IsUnavailable(after); ++i) {
    after = (*store)->CommitAppraisal(MakeCommit("after", agent, 12));
  }
  ASSERT_OK(after);
  auto listed = (*store)->ListAppraisals("a1", 10, false);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].appraisal().id(), "after");
  EXPECT_EQ((*listed)[1].appraisal().id(), "before");
  EXPECT_EQ((*listed)[0].appraisal().log_index(), 1u);
}

}  // namespace
}  // namespace veu::verifier::testing
