// SqliteStore: the conformance suite on a WAL file in a fresh temporary directory, plus what is
// particular to SQLite (migrations, schema versions, locking, damaged files).
#include "verifier/store/sqlite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/hex.h"
#include "tests/support/status_matchers.h"
#include "tests/verifier/store/store_conformance_test.h"
#include "tests/verifier/store/store_records_conformance_test.h"
#include "tests/verifier/store/store_revocation_conformance_test.h"
#include "tests/verifier/store/store_fleet_conformance_test.h"
#include "verifier/store/migrations.h"

namespace veu::verifier::testing {
namespace {

using ::testing::HasSubstr;

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "veu-store-XXXXXX").string();
    const char* made = mkdtemp(pattern.data());
    if (made == nullptr) ADD_FAILURE() << "mkdtemp failed for " << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

class SqliteFileBackend {
 public:
  absl::StatusOr<std::unique_ptr<Store>> Open() {
    auto store = SqliteStore::Open(dir_.File("veu.db"));
    if (!store.ok()) return store.status();
    return std::unique_ptr<Store>(std::move(*store));
  }

 private:
  TempDir dir_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(SqliteStoreConformance, StoreConformanceTest,
                               ::testing::Types<SqliteFileBackend>);
INSTANTIATE_TYPED_TEST_SUITE_P(SqliteStoreConformance, StoreRecordsConformanceTest,
                               ::testing::Types<SqliteFileBackend>);
INSTANTIATE_TYPED_TEST_SUITE_P(SqliteStoreConformance, StoreRevocationConformanceTest,
                               ::testing::Types<SqliteFileBackend>);
INSTANTIATE_TYPED_TEST_SUITE_P(SqliteStoreConformance, StoreFleetConformanceTest,
                               ::testing::Types<SqliteFileBackend>);

// Runs SQL on the file behind the store's back, as an operator with the sqlite3 shell would.
void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

int64_t RawCount(const std::string& path, const std::string& query) {
  sqlite3* db = nullptr;
  int64_t value = -1;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, query.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return value;
}

TEST(SqliteStoreTest, EmbeddedMigrationsAreNumberedWithoutGaps) {
  EXPECT_OK(ValidateMigrations(EmbeddedMigrations()));
  EXPECT_EQ(EmbeddedMigrations().front().name, "0001_initial.sql");
  EXPECT_EQ(SqliteStore::LatestSchemaVersion(), static_cast<int>(EmbeddedMigrations().size()));
}

TEST(SqliteStoreTest, MigrationValidationRejectsGapsAndEmptyFiles) {
  const Migration gap[] = {{1, "0001_a.sql", "SELECT 1;"}, {3, "0003_c.sql", "SELECT 1;"}};
  EXPECT_THAT(ValidateMigrations(gap),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("0003_c.sql")));
  const Migration empty[] = {{1, "0001_a.sql", " \n"}};
  EXPECT_THAT(ValidateMigrations(empty), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(ValidateMigrations({}), StatusIs(absl::StatusCode::kInternal));
}

TEST(SqliteStoreTest, CreatesAWalDatabaseAtTheLatestSchemaVersion) {
  TempDir dir;
  const std::string path = dir.File("veu.db");
  {
    auto store = SqliteStore::Open(path);
    ASSERT_OK(store);
    ASSERT_OK((*store)->AddSite(MakeSite("fra-1")));
  }
  EXPECT_EQ(RawCount(path, "SELECT MAX(version) FROM schema_version"),
            SqliteStore::LatestSchemaVersion());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(SqliteStoreTest, ReopeningAppliesNoMigrationTwice) {
  TempDir dir;
  const std::string path = dir.File("veu.db");
  for (int i = 0; i < 3; ++i) {
    auto store = SqliteStore::Open(path);
    ASSERT_OK(store);
  }
  EXPECT_EQ(RawCount(path, "SELECT COUNT(*) FROM schema_version"),
            SqliteStore::LatestSchemaVersion());
}

TEST(SqliteStoreTest, RefusesADatabaseWithANewerSchema) {
  TempDir dir;
  const std::string path = dir.File("veu.db");
  ASSERT_OK(SqliteStore::Open(path).status());
  ASSERT_NO_FATAL_FAILURE(
      RawExec(path, "INSERT INTO schema_version (version, name) VALUES (999, '0999_future.sql')"));
  EXPECT_THAT(SqliteStore::Open(path),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::AllOf(HasSubstr("schema version 999"), HasSubstr(path))));
}

TEST(SqliteStoreTest, RefusesTheDatabaseOfAnotherApplication) {
  TempDir dir;
  const std::string path = dir.File("other.db");
  ASSERT_NO_FATAL_FAILURE(RawExec(path, "CREATE TABLE customers (id INTEGER)"));
  EXPECT_THAT(SqliteStore::Open(path),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("another application")));
  EXPECT_EQ(RawCount(path, "SELECT COUNT(*) FROM sqlite_schema"), 1);  // left untouched
}

TEST(SqliteStoreTest, AFileThatIsNotADatabaseIsDataLoss) {
  TempDir dir;
  const std::string path = dir.File("garbage.db");
  std::ofstream(path) << std::string(4096, 'x');
  EXPECT_THAT(SqliteStore::Open(path), StatusIs(absl::StatusCode::kDataLoss, HasSubstr(path)));
}

TEST(SqliteStoreTest, AMissingDirectoryIsUnavailableAndNamesThePath) {
  TempDir dir;
  const std::string path = dir.File("no/such/dir/veu.db");
  EXPECT_THAT(SqliteStore::Open(path), StatusIs(absl::StatusCode::kUnavailable, HasSubstr(path)));
  EXPECT_THAT(SqliteStore::Open(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SqliteStoreTest, ADatabaseLockedByAnotherConnectionIsUnavailable) {
  TempDir dir;
  const std::string path = dir.File("veu.db");
  SqliteStore::Options options;
  options.busy_timeout = absl::Milliseconds(20);
  auto store = SqliteStore::Open(path, options);
  ASSERT_OK(store);

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_THAT((*store)->AddSite(MakeSite("fra-1")),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("adding site 'fra-1'")));
  // WAL: readers are not blocked by the writer.
  EXPECT_THAT((*store)->ListSites(), IsOkAndHolds(::testing::IsEmpty()));
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_OK((*store)->AddSite(MakeSite("fra-1")));
}

TEST(SqliteStoreTest, ARecordThatNoLongerParsesIsDataLoss) {
  TempDir dir;
  const std::string path = dir.File("veu.db");
  {
    auto store = SqliteStore::Open(path);
    ASSERT_OK(store);
    ASSERT_OK((*store)->AddSite(MakeSite("fra-1")));
  }
  ASSERT_NO_FATAL_FAILURE(RawExec(path, "UPDATE sites SET record = x'ffffffff'"));
  auto store = SqliteStore::Open(path);
  ASSERT_OK(store);
  EXPECT_THAT((*store)->GetSite("fra-1"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("veu.v1.Site")));
}

TEST(SqliteStoreTest, InMemoryDatabaseWorksForTests) {
  auto store = SqliteStore::Open(":memory:");
  ASSERT_OK(store);
  ASSERT_OK((*store)->AddSite(MakeSite("fra-1")));
  EXPECT_THAT((*store)->ListSites(), IsOkAndHolds(::testing::SizeIs(1)));
}

TEST(SqliteStoreTest, PowerLossDurabilityCommitsToo) {
  TempDir dir;
  SqliteStore::Options options;
  options.durability = SqliteStore::Options::Durability::kPowerLoss;
  auto store = SqliteStore::Open(dir.File("veu.db"), options);
  ASSERT_OK(store);
  // The setting is per connection: ask the store's own (issue 17: this was never checked).
  EXPECT_THAT((*store)->PragmaValue("synchronous"), IsOkAndHolds("2"));  // FULL
  ASSERT_OK((*store)->AddSite(MakeSite("fra-1")));
  veu::v1::AgentRecord agent = MakeAgent("a1", "fra-1");
  ASSERT_OK((*store)->PutAgent(agent, {}));
  EXPECT_OK((*store)->CommitAppraisal(MakeCommit("ap-1", agent, 100)));
  EXPECT_THAT((*store)->PragmaValue("synchronous"), IsOkAndHolds("2"));
}

TEST(SqliteStoreTest, ProcessCrashDurabilityIsSynchronousNormal) {
  TempDir dir;
  SqliteStore::Options options;
  options.durability = SqliteStore::Options::Durability::kProcessCrash;
  auto store = SqliteStore::Open(dir.File("veu.db"), options);
  ASSERT_OK(store);
  EXPECT_THAT((*store)->PragmaValue("synchronous"), IsOkAndHolds("1"));  // NORMAL
}

// Issue 17: the demo left the database world-readable (0644, from the caller's umask).
TEST(SqliteStoreTest, CreatesTheDatabaseAndItsWalPrivatelyWhateverTheUmask) {
  TempDir dir;
  const std::string path = dir.File("veu.db");
  const mode_t saved = umask(0);
  {
    auto store = SqliteStore::Open(path);
    umask(saved);
    ASSERT_OK(store);
    ASSERT_OK((*store)->AddSite(MakeSite("fra-1")));
    for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
      struct stat st {};
      ASSERT_EQ(stat(file.c_str(), &st), 0) << file;
      EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
    }
  }
  // A file the operator made keeps its mode.
  const std::string own = dir.File("own.db");
  { std::ofstream(own) << ""; }
  ASSERT_EQ(chmod(own.c_str(), 0640), 0);
  ASSERT_OK(SqliteStore::Open(own));
  struct stat st {};
  ASSERT_EQ(stat(own.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

// A literal for a serialised record in raw SQL.
std::string BlobLiteral(const google::protobuf::Message& message) {
  return absl::StrCat("X'", ToHex(message.SerializeAsString()), "'");
}

TEST(SqliteStoreTest, ADatabaseAtSchemaThreeIsUpgradedAndKeepsItsData) {
  TempDir dir;
  const std::string path = dir.File("veu.db");
  // What a release with migrations 0001..0003 left behind: its schema, a site, an agent and an
  // appraisal stored before the log existed (log_index NULL).
  std::string sql =
      "CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, "
      "applied_at TEXT NOT NULL DEFAULT 'then');";
  ASSERT_GE(EmbeddedMigrations().size(), 4u);
  for (const Migration& m : EmbeddedMigrations().first(3)) {
    absl::StrAppend(&sql, std::string(m.sql), ";\nINSERT INTO schema_version (version, name) VALUES (",
                    m.version, ", '", std::string(m.name), "');\n");
  }
  const veu::v1::AgentRecord agent = MakeAgent("a1", "fra-1");
  veu::v1::Appraisal old;
  old.set_id("ap-old");
  old.set_agent_id("a1");
  old.set_site("fra-1");
  *old.mutable_appraised_at() = Ts(50);
  absl::StrAppend(&sql, "INSERT INTO sites (name, record) VALUES ('fra-1', ",
                  BlobLiteral(MakeSite("fra-1")), ");",
                  "INSERT INTO agents (agent_id, site, record) VALUES ('a1', 'fra-1', ",
                  BlobLiteral(agent), ");",
                  "INSERT INTO appraisals (id, agent_id, site, appraised_at_micros, verdict, "
                  "record, evidence, challenge) VALUES ('ap-old', 'a1', 'fra-1', 50000000, 1, ",
                  BlobLiteral(old), ", X'', X'');");
  ASSERT_NO_FATAL_FAILURE(RawExec(path, sql));
  ASSERT_EQ(RawCount(path, "SELECT MAX(version) FROM schema_version"), 3);

  auto store = SqliteStore::Open(path);
  ASSERT_OK(store);
  EXPECT_EQ(RawCount(path, "SELECT MAX(version) FROM schema_version"),
            SqliteStore::LatestSchemaVersion());
  EXPECT_THAT((*store)->GetAgent("a1"), IsOkAndHolds(AgentRecordEq(agent)));
  EXPECT_THAT((*store)->LatestAppraisal("a1"), IsOkAndHolds(ProtoEq(old)));

  // The unlogged appraisal is no link of the chain: the first logged one has no predecessor.
  AppraisalCommit first = MakeCommit("ap-1", agent, 100);
  first.sightings = {"serial:A"};
  ASSERT_OK((*store)->CommitAppraisal(first));
  AppraisalCommit second = MakeCommit("ap-2", first.agent, 200);
  ASSERT_OK((*store)->CommitAppraisal(second));
  auto listed = (*store)->ListAppraisals("a1", 0, /*with_evidence=*/false);
  ASSERT_OK(listed);
  ASSERT_THAT(*listed, ::testing::SizeIs(3));
  EXPECT_EQ((*listed)[0].appraisal().previous_log_index(), 0u);
  EXPECT_TRUE((*listed)[0].appraisal().has_previous_log_index());
  EXPECT_FALSE((*listed)[1].appraisal().has_previous_log_index());
  EXPECT_THAT((*store)->ListSightings({"serial:A"}), IsOkAndHolds(::testing::SizeIs(1)));
  EXPECT_THAT((*store)->ListSiteAppraisals({"fra-1", absl::InfinitePast(), absl::InfiniteFuture()}),
              IsOkAndHolds(::testing::SizeIs(2)));  // the unlogged one cannot be proven
}

TEST(SqliteStoreTest, TimestampsOutsideTheProtobufRangeAreInvalid) {
  auto store = SqliteStore::Open(":memory:");
  ASSERT_OK(store);
  ASSERT_OK((*store)->AddSite(MakeSite("fra-1")));
  veu::v1::AgentRecord agent = MakeAgent("a1", "fra-1");
  ASSERT_OK((*store)->PutAgent(agent, {}));
  AppraisalCommit commit = MakeCommit("ap-1", agent, 100);
  commit.appraisal.mutable_appraised_at()->set_seconds(INT64_MAX);
  EXPECT_THAT((*store)->CommitAppraisal(commit), StatusIs(absl::StatusCode::kInvalidArgument));
  veu::v1::Event event = MakeEvent(veu::v1::EVENT_REBOOTED, "a1", "fra-1", 1);
  event.mutable_at()->set_nanos(-1);
  EXPECT_THAT((*store)->AppendEvent(event), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace veu::verifier::testing
