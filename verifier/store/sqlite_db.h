// A thin C++ face over one SQLite connection: cached prepared statements with bound parameters,
// IMMEDIATE transactions that roll back unless committed, and one mapping of SQLite result codes
// to absl::Status. Used by SqliteStore only; nothing here knows the schema.
//
// Thread-safety: none. A Connection and its Statements must be used by one thread at a time;
// SqliteStore serialises all use behind its mutex.
#ifndef VEU_VERIFIER_STORE_SQLITE_DB_H_
#define VEU_VERIFIER_STORE_SQLITE_DB_H_

#include <sqlite3.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace veu::verifier::sqlite {

// Maps an SQLite (extended) result code to a canonical Status whose message names `operation`
// and carries SQLite's own text `detail`: BUSY/LOCKED -> Unavailable (retry), UNIQUE/PRIMARY KEY
// constraint -> AlreadyExists, FOREIGN KEY -> FailedPrecondition, CHECK/NOT NULL ->
// InvalidArgument, CORRUPT/NOTADB -> DataLoss, FULL -> ResourceExhausted, else Internal.
absl::Status ErrorStatus(int rc, std::string_view operation, std::string_view detail);

// One prepared statement in use. Bind parameters (1-based), then Step() or Run(). Bind errors
// are remembered and returned by the next Step/Run. On destruction the statement is reset and
// returned to its connection's cache (or finalised if it was not cached).
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  void BindText(int index, std::string_view value);
  void BindBlob(int index, std::string_view value);  // empty binds a zero-length blob, not NULL
  void BindInt64(int index, int64_t value);

  // Advances: true if a row is available, false when done; an error status otherwise.
  absl::StatusOr<bool> Step();
  // Steps to completion of a statement that returns no rows.
  absl::Status Run();

  // Column accessors for the current row (0-based). NULL reads as empty / 0.
  std::string ColumnBytes(int column) const;
  int64_t ColumnInt64(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  friend class Connection;
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use, std::string_view operation);
  void NoteBind(int rc, int index);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;  // the cache slot's flag; nullptr if this statement is not cached
  std::string operation_;
  absl::Status bind_status_;
};

// Mode of a database file the verifier creates: evidence and enrolment records, the verifier's
// user only. SQLite creates the -wal and -shm files with the same mode.
inline constexpr mode_t kDatabaseFileMode = 0600;

class Connection {
 public:
  // Opens (creating if needed, with mode kDatabaseFileMode whatever the umask) the database at
  // `path` (":memory:" for a private in-memory one) with extended result codes and the given
  // busy timeout. Fails with Unavailable if the file cannot be opened, naming the path.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path,
                                                          int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Returns a ready statement for `sql` (one statement; parameters as ?1, ?2 ...). Compiled once
  // and cached by its text. `operation` names what it is for in error messages.
  absl::StatusOr<Statement> Prepare(std::string_view sql, std::string_view operation);
  // Runs `sql`, which may hold several statements and no parameters (migrations, pragmas).
  absl::Status Exec(const std::string& sql, std::string_view operation);
  // Runs a one-row PRAGMA and returns its first column as text ("" if it returns no row).
  absl::StatusOr<std::string> Pragma(const std::string& pragma);
  // The rowid of the last row inserted on this connection.
  int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

 private:
  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;  // for error messages
  std::unordered_map<std::string, CachedStatement> cache_;
};

// BEGIN IMMEDIATE ... COMMIT. The write lock is taken at Begin, so a busy database surfaces
// there (as Unavailable) rather than half-way through. Rolls back on destruction unless
// Commit() succeeded.
class Transaction {
 public:
  static absl::StatusOr<Transaction> Begin(Connection& connection, std::string_view operation);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  absl::Status Commit();

 private:
  Transaction(Connection* connection, std::string_view operation);
  Connection* connection_;  // nullptr once committed, rolled back or moved from
  std::string operation_;
};

}  // namespace veu::verifier::sqlite

#endif  // VEU_VERIFIER_STORE_SQLITE_DB_H_
