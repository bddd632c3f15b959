#include "verifier/store/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace veu::verifier::pg {
namespace {

// Type OIDs from PostgreSQL's catalog (src/include/catalog/pg_type.dat); fixed since 7.x, and
// libpq ships no header for them outside the server development package.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;

constexpr int kBinary = 1;

std::string BigEndian(uint64_t value, int bytes) {
  std::string out(bytes, '\0');
  for (int i = bytes - 1; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

int64_t FromBigEndian(const char* data, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<unsigned char>(data[i]);
  // Sign-extend the narrower integer types.
  if (bytes < 8 && bytes > 0 && (value & (uint64_t{1} << (bytes * 8 - 1))) != 0) {
    value |= ~uint64_t{0} << (bytes * 8);
  }
  return static_cast<int64_t>(value);
}

// "host:port/dbname" of a connection, for messages: never the user or the password.
std::string Where(pg_conn* conn) {
  const char* host = PQhost(conn);
  const char* port = PQport(conn);
  const char* db = PQdb(conn);
  return absl::StrCat(host != nullptr ? host : "?", ":", port != nullptr ? port : "?", "/",
                      db != nullptr ? db : "?");
}

}  // namespace

absl::Status ErrorStatus(absl::string_view sqlstate, absl::string_view operation,
                         absl::string_view detail) {
  const std::string message =
      absl::StrFormat("%s: PostgreSQL error %s: %s", operation, sqlstate,
                      absl::StripTrailingAsciiWhitespace(detail));
  if (sqlstate == "23505") return absl::AlreadyExistsError(message);
  if (sqlstate == "23503") return absl::FailedPreconditionError(message);
  if (sqlstate == "23514" || sqlstate == "23502" || sqlstate == "22P02") {
    return absl::InvalidArgumentError(message);
  }
  if (sqlstate == "40001" || sqlstate == "40P01") return absl::AbortedError(message);
  if (absl::StartsWith(sqlstate, "08") || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03" || sqlstate == "53300" || sqlstate == "25006" || sqlstate.empty()) {
    return absl::UnavailableError(message);
  }
  if (sqlstate == "53100") return absl::ResourceExhaustedError(message);
  if (sqlstate == "XX001" || sqlstate == "XX002") return absl::DataLossError(message);
  return absl::InternalError(message);
}

// ---- Param ----------------------------------------------------------------------------------

Param Param::Text(absl::string_view value) {
  Param p;
  p.oid_ = kTextOid;
  p.wire_.assign(value.data(), value.size());
  return p;
}

Param Param::Bytes(absl::string_view value) {
  Param p;
  p.oid_ = kByteaOid;
  p.wire_.assign(value.data(), value.size());
  return p;
}

Param Param::Int(int64_t value) {
  Param p;
  p.oid_ = kInt8Oid;
  p.wire_ = BigEndian(static_cast<uint64_t>(value), 8);
  return p;
}

Param Param::Bool(bool value) {
  Param p;
  p.oid_ = kBoolOid;
  p.wire_.assign(1, value ? '\1' : '\0');
  return p;
}

// ---- Result ---------------------------------------------------------------------------------

Result::Result(Result&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }

Result& Result::operator=(Result&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

Result::~Result() {
  if (result_ != nullptr) PQclear(result_);
}

int Result::rows() const { return result_ == nullptr ? 0 : PQntuples(result_); }

int64_t Result::affected() const {
  if (result_ == nullptr) return 0;
  const char* n = PQcmdTuples(result_);
  return (n == nullptr || *n == '\0') ? 0 : std::strtoll(n, nullptr, 10);
}

bool Result::IsNull(int row, int column) const {
  if (row < 0 || row >= rows() || column < 0 || column >= PQnfields(result_)) return true;
  return PQgetisnull(result_, row, column) != 0;
}

std::string Result::Bytes(int row, int column) const {
  if (IsNull(row, column)) return std::string();
  return std::string(PQgetvalue(result_, row, column), PQgetlength(result_, row, column));
}

int64_t Result::Int(int row, int column) const {
  if (IsNull(row, column)) return 0;
  const int length = PQgetlength(result_, row, column);
  const char* data = PQgetvalue(result_, row, column);
  switch (PQftype(result_, column)) {
    case kInt8Oid:
      return length == 8 ? FromBigEndian(data, 8) : 0;
    case kInt4Oid:
      return length == 4 ? FromBigEndian(data, 4) : 0;
    case kInt2Oid:
      return length == 2 ? FromBigEndian(data, 2) : 0;
    case kBoolOid:
      return length == 1 && data[0] != 0 ? 1 : 0;
    default:
      return 0;
  }
}

// ---- Connection -----------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo,
                                                             absl::Duration connect_timeout) {
  const std::string timeout =
      absl::StrCat(std::max<int64_t>(2, absl::ToInt64Seconds(connect_timeout)));
  // libpq merges expanded keywords over the dbname string (which may itself be a URI).
  const char* keywords[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {conninfo.c_str(), timeout.c_str(), "veu-verifier", nullptr};
  pg_conn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return absl::ResourceExhaustedError("libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string detail = PQerrorMessage(conn);
    const std::string where = Where(conn);
    PQfinish(conn);
    return absl::UnavailableError(absl::StrFormat(
        "cannot connect to PostgreSQL at %s: %s; check that the server runs and that "
        "VerifierConfig.database names it",
        where, absl::StripTrailingAsciiWhitespace(detail)));
  }
  // Server NOTICEs ("relation ... already exists, skipping") are not errors and must not reach
  // the verifier's stderr.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn, Where(conn)));
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

absl::Status Connection::StatusOf(pg_result* result, absl::string_view operation) const {
  const ExecStatusType status = PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return absl::OkStatus();
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* detail = PQresultErrorMessage(result);
  std::string state = sqlstate != nullptr ? sqlstate : "";
  if (state.empty() && !healthy()) state = "08006";  // connection_failure
  return ErrorStatus(state, absl::StrCat(operation, " (on ", where_, ")"),
                     detail != nullptr && *detail != '\0' ? detail : PQerrorMessage(conn_));
}

absl::StatusOr<Result> Connection::Query(absl::string_view sql, const std::vector<Param>& params,
                                         absl::string_view operation) {
  const std::string text(sql);
  auto it = prepared_.find(text);
  if (it == prepared_.end()) {
    const std::string name = absl::StrCat("veu_", prepared_.size() + 1);
    std::vector<Oid> types;
    types.reserve(params.size());
    for (const Param& p : params) types.push_back(p.oid_);
    Result prepared(PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(params.size()),
                              types.data()));
    if (absl::Status s = StatusOf(prepared.result_, absl::StrCat(operation, ": preparing"));
        !s.ok()) {
      return s;
    }
    it = prepared_.emplace(text, name).first;
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  values.reserve(params.size());
  for (const Param& p : params) {
    values.push_back(p.wire_.data());
    lengths.push_back(static_cast<int>(p.wire_.size()));
    formats.push_back(kBinary);
  }
  Result result(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                               values.data(), lengths.data(), formats.data(), kBinary));
  if (absl::Status s = StatusOf(result.result_, operation); !s.ok()) return s;
  return result;
}

absl::Status Connection::Exec(const std::string& sql, absl::string_view operation) {
  Result result(PQexec(conn_, sql.c_str()));
  return StatusOf(result.result_, operation);
}

// ---- Transaction ----------------------------------------------------------------------------

Transaction::Transaction(Connection* connection, absl::string_view operation)
    : connection_(connection), operation_(operation) {}

Transaction::Transaction(Transaction&& other) noexcept
    : connection_(other.connection_), operation_(std::move(other.operation_)) {
  other.connection_ = nullptr;
}

absl::StatusOr<Transaction> Transaction::Begin(Connection& connection,
                                               absl::string_view operation) {
  if (absl::Status s = connection.Exec("BEGIN", absl::StrCat(operation, ": BEGIN")); !s.ok()) {
    return s;
  }
  return Transaction(&connection, operation);
}

Transaction::~Transaction() {
  if (connection_ != nullptr && connection_->healthy()) {
    // Best effort: a failed ROLLBACK leaves the connection unhealthy and the pool drops it.
    connection_->Exec("ROLLBACK", absl::StrCat(operation_, ": ROLLBACK")).IgnoreError();
  }
}

absl::Status Transaction::Commit() {
  Connection* connection = connection_;
  connection_ = nullptr;
  if (connection == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(operation_, ": the transaction is over"));
  }
  return connection->Exec("COMMIT", absl::StrCat(operation_, ": COMMIT"));
}

// ---- Pool -----------------------------------------------------------------------------------

Lease::~Lease() {
  if (pool_ != nullptr) pool_->GiveBack(std::move(connection_));
}

Pool::Pool(std::string conninfo, const Options& options)
    : conninfo_(std::move(conninfo)), options_(options) {}

Pool::~Pool() {
  absl::MutexLock lock(&mu_);
  idle_.clear();
}

absl::StatusOr<Lease> Pool::Acquire() {
  std::unique_ptr<Connection> connection;
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.size;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&available), options_.acquire_timeout)) {
      return absl::UnavailableError(absl::StrFormat(
          "all %d PostgreSQL connections stayed busy for %s; the database is slower than the "
          "load (see its CPU and I/O), or raise the pool size",
          options_.size, absl::FormatDuration(options_.acquire_timeout)));
    }
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
      if (connection->healthy()) return Lease(this, std::move(connection));
      connection.reset();  // lost while idle (server restart): replaced below
    } else {
      ++open_;
    }
  }
  // Connect outside the lock: it takes a round trip or a timeout.
  absl::StatusOr<std::unique_ptr<Connection>> opened =
      Connection::Open(conninfo_, options_.connect_timeout);
  if (!opened.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return opened.status();
  }
  return Lease(this, std::move(*opened));
}

void Pool::GiveBack(std::unique_ptr<Connection> connection) {
  absl::MutexLock lock(&mu_);
  if (connection != nullptr && connection->healthy()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;  // a connection that went bad is closed, and a new one opened when needed
  }
}

}  // namespace veu::verifier::pg
