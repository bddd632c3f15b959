// A thin C++ face over libpq: one connection with prepared statements cached by their text,
// binary parameters and results, transactions that roll back unless committed, a fixed-size
// pool, and one mapping of PostgreSQL errors (SQLSTATE) to absl::Status. Used by PostgresStore
// only; nothing here knows the schema.
//
// Values travel in PostgreSQL's binary format, so bytea (evidence, hashes, records) is never
// hex-escaped: parameters are typed text, bytea, int8 or bool; result columns may be text,
// bytea, int2/int4/int8 or bool.
//
// Thread-safety: a Connection is used by one thread at a time (the pool hands each out to one
// caller); the Pool itself is safe for concurrent use.
#ifndef VEU_VERIFIER_STORE_PG_CONNECTION_H_
#define VEU_VERIFIER_STORE_PG_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

struct pg_conn;
struct pg_result;

namespace veu::verifier::pg {

// Maps a PostgreSQL error to a canonical Status whose message names `operation` and carries
// the server's text: unique_violation -> AlreadyExists; foreign_key_violation ->
// FailedPrecondition; check/not-null violations -> InvalidArgument; serialization failure and
// deadlock -> Aborted (retry the transaction); connection failures, shutdown, too many
// connections and read-only standbys -> Unavailable (retry elsewhere or later); disk full ->
// ResourceExhausted; data corruption -> DataLoss; anything else -> Internal.
absl::Status ErrorStatus(absl::string_view sqlstate, absl::string_view operation,
                         absl::string_view detail);

// One statement parameter: a typed value or SQL NULL.
class Param {
 public:
  static Param Text(absl::string_view value);
  static Param Bytes(absl::string_view value);
  static Param Int(int64_t value);
  static Param Bool(bool value);
  static Param Null();

 private:
  friend class Connection;
  unsigned int oid_ = 0;
  bool null_ = false;
  std::string wire_;  // binary format
};

// The rows of one statement, in binary format. Column accessors check the column's type and
// return DataLoss for a value that does not match (never read out of bounds).
class Result {
 public:
  Result(Result&& other) noexcept;
  Result& operator=(Result&& other) noexcept;
  Result(const Result&) = delete;
  ~Result();

  int rows() const;
  // Rows an INSERT/UPDATE/DELETE affected.
  int64_t affected() const;
  bool IsNull(int row, int column) const;
  // text or bytea; NULL reads as "".
  std::string Bytes(int row, int column) const;
  // int2/int4/int8 or bool; NULL reads as 0. A column of another type reads as 0 too: the
  // store's queries are fixed, so this is a programming error caught by the tests.
  int64_t Int(int row, int column) const;

 private:
  friend class Connection;
  explicit Result(pg_result* result) : result_(result) {}
  pg_result* result_;
};

class Connection {
 public:
  // Connects with a libpq connection string ("host=127.0.0.1 port=5432 dbname=veu" or a
  // postgresql:// URI). Unavailable naming the server (never the password) if that fails.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& conninfo,
                                                          absl::Duration connect_timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with `params` ($1, $2, ...), prepared once per connection and cached by
  // its text. `operation` names what it is for in error messages.
  absl::StatusOr<Result> Query(absl::string_view sql, const std::vector<Param>& params,
                               absl::string_view operation);
  // Runs `sql`, which may hold several statements and no parameters (migrations, BEGIN).
  absl::Status Exec(const std::string& sql, absl::string_view operation);

  // False once the connection to the server was lost; the pool replaces such a connection.
  bool healthy() const;
  // Where this connection goes, for messages: "host:port/dbname" (no user or password).
  const std::string& where() const { return where_; }

 private:
  Connection(pg_conn* conn, std::string where) : conn_(conn), where_(std::move(where)) {}
  absl::Status StatusOf(pg_result* result, absl::string_view operation) const;

  pg_conn* conn_;
  std::string where_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
};

// BEGIN ... COMMIT on one connection. Rolls back on destruction unless Commit() succeeded.
class Transaction {
 public:
  static absl::StatusOr<Transaction> Begin(Connection& connection, absl::string_view operation);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  absl::Status Commit();

 private:
  Transaction(Connection* connection, absl::string_view operation);
  Connection* connection_;  // nullptr once committed, rolled back or moved from
  std::string operation_;
};

class Pool;

// A connection lent by the pool; given back when destroyed (or dropped if it went bad).
class Lease {
 public:
  Lease(Lease&& other) noexcept : pool_(other.pool_), connection_(std::move(other.connection_)) {
    other.pool_ = nullptr;
  }
  Lease& operator=(Lease&&) = delete;
  ~Lease();
  Connection& operator*() const { return *connection_; }
  Connection* operator->() const { return connection_.get(); }

 private:
  friend class Pool;
  Lease(Pool* pool, std::unique_ptr<Connection> connection)
      : pool_(pool), connection_(std::move(connection)) {}
  Pool* pool_;
  std::unique_ptr<Connection> connection_;
};

// At most `size` connections to one server, opened as needed. Acquire waits up to
// `acquire_timeout` for a free one (Unavailable after that: the database is the bottleneck,
// not a reason to open more connections than PostgreSQL's max_connections allows).
class Pool {
 public:
  struct Options {
    int size = 8;
    absl::Duration connect_timeout = absl::Seconds(5);
    absl::Duration acquire_timeout = absl::Seconds(10);
  };
  Pool(std::string conninfo, const Options& options);
  ~Pool();

  absl::StatusOr<Lease> Acquire();

 private:
  friend class Lease;
  void GiveBack(std::unique_ptr<Connection> connection);

  const std::string conninfo_;
  const Options options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + lent
};

}  // namespace veu::verifier::pg

#endif  // VEU_VERIFIER_STORE_PG_CONNECTION_H_
