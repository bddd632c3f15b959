#include "deploy/loadtest/store_check.h"

#include <sqlite3.h>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <set>

namespace veu::loadgen {

// Every acknowledged id in the store exactly once (read-only, beside a running verifier).
int Check(const std::string& database, const std::string& acked_file) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::cerr << "veu-loadgen check: cannot open " << database << ": " << sqlite3_errmsg(db) << "\n";
    sqlite3_close(db);
    return 2;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM appraisals WHERE id = ?1", -1, &stmt, nullptr);
  std::ifstream in(acked_file);
  std::string id;
  uint64_t checked = 0, lost = 0, duplicated = 0;
  std::set<std::string> seen;
  while (std::getline(in, id)) {
    if (id.empty()) continue;
    ++checked;
    if (!seen.insert(id).second) ++duplicated;  // acknowledged twice: two acks, one id
    sqlite3_reset(stmt);
    sqlite3_bind_text(stmt, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    int64_t count = 0;
    if (sqlite3_step(stmt) == SQLITE_ROW) count = sqlite3_column_int64(stmt, 0);
    if (count == 0) ++lost;
    if (count > 1) ++duplicated;
  }
  sqlite3_finalize(stmt);
  // The transparency log holds every stored appraisal once, at leaf indices 0..n-1.
  auto one = [db](const char* sql) -> int64_t {
    sqlite3_stmt* q = nullptr;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, nullptr) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
      v = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    return v;
  };
  const int64_t appraisals = one("SELECT COUNT(*) FROM appraisals");
  const int64_t logged = one("SELECT COUNT(DISTINCT log_index) FROM appraisals WHERE log_index IS NOT NULL");
  const int64_t max_index = one("SELECT COALESCE(MAX(log_index), -1) FROM appraisals");
  const int64_t tree_size = one("SELECT tree_size FROM log_state WHERE id = 1");
  sqlite3_close(db);
  const bool log_consistent =
      appraisals == logged && tree_size == appraisals && max_index + 1 == tree_size;
  std::cout << "checked " << checked << "\nlost " << lost << "\nduplicated " << duplicated
            << "\nstored " << appraisals << "\nlog_tree_size " << tree_size
            << "\nlog_consistent " << (log_consistent ? "yes" : "no") << "\n";
  return lost == 0 && duplicated == 0 && log_consistent ? 0 : 1;
}

}  // namespace veu::loadgen
