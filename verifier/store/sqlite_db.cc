#include "verifier/store/sqlite_db.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace veu::verifier::sqlite {

absl::Status ErrorStatus(int rc, std::string_view operation, std::string_view detail) {
  const std::string message =
      absl::StrFormat("%s: %s (SQLite: %s)", operation, detail, sqlite3_errstr(rc));
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_ROWID:
      return absl::AlreadyExistsError(message);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return absl::FailedPreconditionError(
          absl::StrCat(message, "; a referenced row (e.g. the site or agent) does not exist"));
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
      return absl::InvalidArgumentError(message);
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(
          absl::StrCat(message, "; another connection holds the database lock, retry later"));
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(
          absl::StrCat(message, "; the database file is damaged: restore it from a backup"));
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(absl::StrCat(message, "; free disk space"));
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return absl::UnavailableError(
          absl::StrCat(message, "; check the path exists and is writable by the verifier"));
    default:
      return absl::InternalError(message);
  }
}

// ---- Statement ----------------------------------------------------------------------------

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use, std::string_view operation)
    : db_(db), stmt_(stmt), in_use_(in_use), operation_(operation) {
  if (in_use_ != nullptr) *in_use_ = true;
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      operation_(std::move(other.operation_)),
      bind_status_(std::move(other.bind_status_)) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (in_use_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
}

void Statement::NoteBind(int rc, int index) {
  if (rc != SQLITE_OK && bind_status_.ok()) {
    bind_status_ = ErrorStatus(
        rc, operation_, absl::StrFormat("binding parameter %d: %s", index, sqlite3_errmsg(db_)));
  }
}

void Statement::BindText(int index, std::string_view value) {
  // A NULL data pointer would bind SQL NULL; an empty value must stay ''.
  const char* data = value.data() != nullptr ? value.data() : "";
  NoteBind(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
           index);
}

void Statement::BindBlob(int index, std::string_view value) {
  // A NULL data pointer would bind SQL NULL; an empty value must stay a zero-length blob.
  if (value.empty()) {
    NoteBind(sqlite3_bind_zeroblob(stmt_, index, 0), index);
    return;
  }
  NoteBind(sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT), index);
}

void Statement::BindInt64(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, index, value), index);
}

absl::StatusOr<bool> Statement::Step() {
  if (!bind_status_.ok()) return bind_status_;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ErrorStatus(sqlite3_extended_errcode(db_), operation_, sqlite3_errmsg(db_));
}

absl::Status Statement::Run() {
  absl::StatusOr<bool> row = Step();
  if (!row.ok()) return row.status();
  while (*row) {
    row = Step();
    if (!row.ok()) return row.status();
  }
  return absl::OkStatus();
}

std::string Statement::ColumnBytes(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);  // after _blob, as SQLite requires
  if (data == nullptr || size <= 0) return std::string();
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

int64_t Statement::ColumnInt64(int column) const { return sqlite3_column_int64(stmt_, column); }

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// ---- Connection ---------------------------------------------------------------------------

// The database holds every appraisal's raw evidence: create it readable by the verifier only,
// whatever the caller's umask (SQLite gives its -wal and -shm files the database's mode).
// An existing file keeps the mode its operator gave it.
absl::Status CreatePrivately(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return absl::OkStatus();
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, kDatabaseFileMode);
  if (fd < 0) {
    if (errno == EEXIST) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat("creating database '", path, "': ",
                                               std::strerror(errno),
                                               "; check the directory exists and is writable"));
  }
  const int chmod_rc = fchmod(fd, kDatabaseFileMode);  // the umask may have taken bits away
  close(fd);
  if (chmod_rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("setting mode of database '", path, "': ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                             int busy_timeout_ms) {
  if (absl::Status s = CreatePrivately(path); !s.ok()) return s;
  sqlite3* db = nullptr;
  // NOMUTEX: the caller serialises access, so SQLite's own per-connection mutex is redundant.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string detail = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return ErrorStatus(rc, absl::StrCat("opening database '", path, "'"), detail);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<Connection>(new Connection(db, path));
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

absl::StatusOr<Statement> Connection::Prepare(std::string_view sql, std::string_view operation) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !it->second.in_use) {
    return Statement(db_, it->second.stmt, &it->second.in_use, operation);
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return ErrorStatus(sqlite3_extended_errcode(db_), operation,
                       absl::StrCat("preparing SQL: ", sqlite3_errmsg(db_)));
  }
  if (it != cache_.end()) {
    // The cached copy is busy (a nested use of the same SQL): use a private one this time.
    return Statement(db_, stmt, nullptr, operation);
  }
  CachedStatement& slot = cache_[std::string(sql)];
  slot.stmt = stmt;
  return Statement(db_, stmt, &slot.in_use, operation);
}

absl::Status Connection::Exec(const std::string& sql, std::string_view operation) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return absl::OkStatus();
  const std::string detail = error != nullptr ? error : sqlite3_errmsg(db_);
  sqlite3_free(error);
  return ErrorStatus(sqlite3_extended_errcode(db_), operation, detail);
}

absl::StatusOr<std::string> Connection::Pragma(const std::string& pragma) {
  const std::string sql = absl::StrCat("PRAGMA ", pragma);
  const std::string operation = absl::StrCat(sql, " on '", path_, "'");
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return ErrorStatus(sqlite3_extended_errcode(db_), operation, sqlite3_errmsg(db_));
  }
  Statement statement(db_, stmt, nullptr, operation);
  absl::StatusOr<bool> row = statement.Step();
  if (!row.ok()) return row.status();
  return *row ? statement.ColumnBytes(0) : std::string();
}

// ---- Transaction --------------------------------------------------------------------------

Transaction::Transaction(Connection* connection, std::string_view operation)
    : connection_(connection), operation_(operation) {}

Transaction::Transaction(Transaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)),
      operation_(std::move(other.operation_)) {}

absl::StatusOr<Transaction> Transaction::Begin(Connection& connection, std::string_view operation) {
  absl::StatusOr<Statement> begin = connection.Prepare("BEGIN IMMEDIATE", operation);
  if (!begin.ok()) return begin.status();
  absl::Status status = begin->Run();
  if (!status.ok()) return status;
  return Transaction(&connection, operation);
}

absl::Status Transaction::Commit() {
  if (connection_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(operation_, ": commit of a transaction that is no longer open"));
  }
  absl::StatusOr<Statement> commit = connection_->Prepare("COMMIT", operation_);
  if (!commit.ok()) return commit.status();
  absl::Status status = commit->Run();
  if (status.ok()) connection_ = nullptr;  // on failure the destructor rolls back
  return status;
}

Transaction::~Transaction() {
  if (connection_ == nullptr) return;
  absl::StatusOr<Statement> rollback = connection_->Prepare("ROLLBACK", operation_);
  // A failed ROLLBACK leaves nothing better to do: SQLite rolls back on close anyway.
  if (rollback.ok()) rollback->Run().IgnoreError();
}

}  // namespace veu::verifier::sqlite
