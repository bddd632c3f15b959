#include "tests/support/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace veu::testing {
namespace {

std::string ReadTail(const std::string& path, size_t max_bytes = 3000) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

// The newest /usr/lib/postgresql/<N>/bin that has initdb and postgres.
std::string FindBinDir() {
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string bin = (entry.path() / "bin").string();
    if (access((bin + "/initdb").c_str(), X_OK) != 0 ||
        access((bin + "/postgres").c_str(), X_OK) != 0) {
      continue;
    }
    const int version = std::atoi(entry.path().filename().c_str());
    if (version > best_version) {
      best_version = version;
      best = bin;
    }
  }
  return best;
}

// Forks and execs `args` as (uid, gid) when `drop` (the caller is root), output to `log_path`;
// the child dies with the thread that started it.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& args, const std::string& log_path,
                            bool drop, uid_t uid, gid_t gid) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    if (log_fd >= 0) close(log_fd);
    if (null_fd >= 0) close(null_fd);
    return absl::InternalError(absl::StrCat("cannot open ", log_path, " or /dev/null"));
  }
  if (drop) fchown(log_fd, uid, gid);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (drop && (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) _exit(126);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  return pid;
}

absl::StatusOr<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return absl::UnavailableError("no free TCP port on 127.0.0.1");
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Waits for `pid` to exit, up to `timeout`; true if it did.
bool WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  server->bin_dir_ = FindBinDir();
  if (server->bin_dir_.empty()) {
    return absl::UnavailableError(
        "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; install Debian's "
        "postgresql-15 (deploy/install-deps.sh does)");
  }
  std::string pattern =
      (std::filesystem::temp_directory_path() / "veu-postgres-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  server->dir_ = pattern;
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) {
      return absl::UnavailableError(
          "running as root and there is no `postgres` user to run the server as (PostgreSQL "
          "refuses root); install postgresql-15, which creates it");
    }
    server->drop_privileges_ = true;
    server->run_uid_ = pw->pw_uid;
    server->run_gid_ = pw->pw_gid;
    if (chown(server->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return absl::InternalError(absl::StrCat("chown ", server->dir_, ": ", std::strerror(errno)));
    }
  }
  const std::string log = server->dir_ + "/initdb.log";
  absl::StatusOr<pid_t> initdb =
      Spawn({server->bin_dir_ + "/initdb", "-D", server->dir_ + "/data", "-U", "veu", "-A",
             "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
            log, server->drop_privileges_, server->run_uid_, server->run_gid_);
  if (!initdb.ok()) return initdb.status();
  int status = 0;
  while (waitpid(*initdb, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("initdb failed:\n", ReadTail(log)));
  }
  absl::StatusOr<int> port = FreePort();
  if (!port.ok()) return port.status();
  server->port_ = *port;
  if (absl::Status s = server->Launch(); !s.ok()) return s;
  return server;
}

absl::Status PostgresServer::Launch() {
  absl::StatusOr<pid_t> pid =
      Spawn({bin_dir_ + "/postgres", "-D", dir_ + "/data", "-p", absl::StrCat(port_), "-k", dir_,
             "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c",
             "shared_buffers=64MB", "-c", "fsync=on", "-c", "synchronous_commit=on"},
            dir_ + "/server.log", drop_privileges_, run_uid_, run_gid_);
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  const std::string ping = absl::StrCat("host=127.0.0.1 port=", port_, " dbname=postgres user=veu");
  // Generous: after Kill the server first runs crash recovery.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(ping.c_str()) == PQPING_OK) return absl::OkStatus();
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(absl::StrCat("postgres exited at start:\n", LogTail()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("postgres did not accept connections within 90 s:\n", LogTail()));
}

PostgresServer::~PostgresServer() {
  Stop().IgnoreError();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string PostgresServer::ConnInfo(const std::string& dbname) const {
  return absl::StrCat("host=127.0.0.1 port=", port_, " dbname=", dbname, " user=veu");
}

absl::StatusOr<std::string> PostgresServer::CreateDatabase() {
  const std::string name = absl::StrCat("veu_", ++databases_);
  PGconn* conn = PQconnectdb(ConnInfo("postgres").c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string error = PQerrorMessage(conn);
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("connecting to create ", name, ": ", error));
  }
  // FILE_COPY, not PostgreSQL 15's default WAL_LOG: WAL_LOG writes the whole template (~8 MB)
  // to the WAL for every database, and a test that kills the server then waits for crash
  // recovery to replay all of it (over 30 s on a loaded 2-core machine, seen in CI).
  PGresult* result =
      PQexec(conn, absl::StrCat("CREATE DATABASE ", name, " STRATEGY = FILE_COPY").c_str());
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  std::string error = ok ? "" : PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(conn);
  if (!ok) return absl::InternalError(absl::StrCat("CREATE DATABASE ", name, ": ", error));
  return ConnInfo(name);
}

absl::Status PostgresServer::Stop() {
  if (pid_ <= 0) return absl::OkStatus();
  kill(pid_, SIGINT);  // fast shutdown: ends sessions, checkpoints, exits
  if (!WaitExit(pid_, std::chrono::seconds(20))) {
    kill(pid_, SIGKILL);
    WaitExit(pid_, std::chrono::seconds(5));
  }
  pid_ = -1;
  return absl::OkStatus();
}

absl::Status PostgresServer::Kill() {
  if (pid_ <= 0) return absl::FailedPreconditionError("the server is not running");
  kill(pid_, SIGKILL);
  WaitExit(pid_, std::chrono::seconds(5));
  pid_ = -1;
  // The postmaster's children notice it died and exit; its shared memory goes with them.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  return absl::OkStatus();
}

absl::Status PostgresServer::Restart() {
  if (pid_ > 0) return absl::FailedPreconditionError("the server is still running");
  return Launch();
}

std::string PostgresServer::LogTail() const { return ReadTail(dir_ + "/server.log"); }

}  // namespace veu::testing
