// A private PostgreSQL server for tests: Debian's postgresql-15 binaries (initdb, postgres) on a
// temporary directory and a free port on 127.0.0.1, stopped by its PID.
//
//   auto server = veu::testing::PostgresServer::Start();
//   ASSERT_OK(server.status());
//   auto conninfo = (*server)->CreateDatabase();      // a fresh, empty database
//   auto store = PostgresStore::Open(*conninfo);
//
// PostgreSQL refuses to run as root; a test running as root runs the server as the `postgres`
// user that Debian's package creates (the temporary directory is given to that user). The
// server is killed if the thread that started it exits (PR_SET_PDEATHSIG), so a test killed on
// timeout leaves nothing running. Not thread-safe; one test (or one test binary) owns it.
#ifndef VEU_TESTS_SUPPORT_POSTGRES_SERVER_H_
#define VEU_TESTS_SUPPORT_POSTGRES_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace veu::testing {

class PostgresServer {
 public:
  // initdb on a new temporary directory, then starts the server and waits until it accepts
  // connections. Unavailable (saying what to install) if the binaries are missing.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  // Stops the server by its PID (SIGINT: fast shutdown, then SIGKILL) and removes the directory.
  ~PostgresServer();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // A libpq connection string for database `dbname` on this server.
  std::string ConnInfo(const std::string& dbname) const;
  // Creates a new, empty database (veu_1, veu_2, ...) and returns its connection string.
  absl::StatusOr<std::string> CreateDatabase();

  // Stops the server (fast shutdown) and waits for it to exit.
  absl::Status Stop();
  // SIGKILL, as a crash of the database machine's server process would be.
  absl::Status Kill();
  // Starts it again on the same directory and port, after Stop or Kill.
  absl::Status Restart();

  // The server's log, for failure messages.
  std::string LogTail() const;

 private:
  PostgresServer() = default;
  absl::Status Launch();

  std::string dir_;       // temporary directory: data/, socket, log
  std::string bin_dir_;   // /usr/lib/postgresql/<N>/bin
  int port_ = 0;
  pid_t pid_ = -1;
  uid_t run_uid_ = 0;     // the user the server runs as (not root)
  gid_t run_gid_ = 0;
  bool drop_privileges_ = false;
  int databases_ = 0;
};

}  // namespace veu::testing

#endif  // VEU_TESTS_SUPPORT_POSTGRES_SERVER_H_
