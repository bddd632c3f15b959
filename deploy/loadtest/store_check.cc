#include "deploy/loadtest/store_check.h"

#include <sqlite3.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <set>

#include "verifier/store/pg_connection.h"
#include "verifier/store/postgres_store.h"

namespace veu::loadgen {
namespace {

// The two questions the check asks of a store, whichever database it is.
struct Queries {
  std::function<int64_t(const std::string& id)> count_id;  // rows with that appraisal id
  std::function<int64_t(const char* sql)> one;              // a one-number query; -1 on error
};

}  // namespace

// Every acknowledged id in the store exactly once (read-only, beside running verifiers), and the
// transparency log holding every stored appraisal once at leaf indices 0..n-1. `database` is an
// SQLite file or a PostgreSQL connection string, as VerifierConfig.database.
int Check(const std::string& database, const std::string& acked_file) {
  Queries q;
  sqlite3* lite = nullptr;
  sqlite3_stmt* by_id = nullptr;
  std::unique_ptr<verifier::pg::Connection> pg;
  if (verifier::PostgresStore::IsPostgresUrl(database)) {
    absl::StatusOr<std::unique_ptr<verifier::pg::Connection>> opened =
        verifier::pg::Connection::Open(database, absl::Seconds(5));
    if (!opened.ok()) {
      std::cerr << "veu-loadgen check: " << opened.status().message() << "\n";
      return 2;
    }
    pg = *std::move(opened);
    q.count_id = [&pg](const std::string& id) -> int64_t {
      auto r = pg->Query("SELECT COUNT(*) FROM appraisals WHERE id = $1",
                         {verifier::pg::Param::Text(id)}, "checking an acknowledged id");
      return r.ok() ? r->Int(0, 0) : 0;
    };
    q.one = [&pg](const char* sql) -> int64_t {
      auto r = pg->Query(sql, {}, "checking the log");
      return r.ok() && r->rows() == 1 ? r->Int(0, 0) : -1;
    };
  } else {
    if (sqlite3_open_v2(database.c_str(), &lite, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      std::cerr << "veu-loadgen check: cannot open " << database << ": " << sqlite3_errmsg(lite)
                << "\n";
      sqlite3_close(lite);
      return 2;
    }
    sqlite3_busy_timeout(lite, 5000);
    sqlite3_prepare_v2(lite, "SELECT COUNT(*) FROM appraisals WHERE id = ?1", -1, &by_id, nullptr);
    q.count_id = [by_id](const std::string& id) -> int64_t {
      sqlite3_reset(by_id);
      sqlite3_bind_text(by_id, 1, id.c_str(), -1, SQLITE_TRANSIENT);
      return sqlite3_step(by_id) == SQLITE_ROW ? sqlite3_column_int64(by_id, 0) : 0;
    };
    q.one = [lite](const char* sql) -> int64_t {
      sqlite3_stmt* s = nullptr;
      int64_t v = -1;
      if (sqlite3_prepare_v2(lite, sql, -1, &s, nullptr) == SQLITE_OK &&
          sqlite3_step(s) == SQLITE_ROW) {
        v = sqlite3_column_int64(s, 0);
      }
      sqlite3_finalize(s);
      return v;
    };
  }

  std::ifstream in(acked_file);
  std::string id;
  uint64_t checked = 0, lost = 0, duplicated = 0;
  std::set<std::string> seen;
  while (std::getline(in, id)) {
    if (id.empty()) continue;
    ++checked;
    if (!seen.insert(id).second) ++duplicated;  // acknowledged twice: two acks, one id
    const int64_t count = q.count_id(id);
    if (count == 0) ++lost;
    if (count > 1) ++duplicated;
  }
  const int64_t appraisals = q.one("SELECT COUNT(*) FROM appraisals");
  const int64_t logged =
      q.one("SELECT COUNT(DISTINCT log_index) FROM appraisals WHERE log_index IS NOT NULL");
  const int64_t max_index = q.one("SELECT COALESCE(MAX(log_index), -1) FROM appraisals");
  const int64_t tree_size = q.one("SELECT tree_size FROM log_state WHERE id = 1");
  if (by_id != nullptr) sqlite3_finalize(by_id);
  if (lite != nullptr) sqlite3_close(lite);
  const bool log_consistent =
      appraisals >= 0 && appraisals == logged && tree_size == appraisals && max_index + 1 == tree_size;
  std::cout << "checked " << checked << "\nlost " << lost << "\nduplicated " << duplicated
            << "\nstored " << appraisals << "\nlog_tree_size " << tree_size
            << "\nlog_consistent " << (log_consistent ? "yes" : "no") << "\n";
  return lost == 0 && duplicated == 0 && log_consistent ? 0 : 1;
}

}  // namespace veu::loadgen
