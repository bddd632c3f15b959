#include "tests/support/swtpm_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

extern char** environ;

namespace veu::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kStartAttempts = 5;
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kStopTimeout = std::chrono::seconds(3);

std::string ReadTail(const std::string& path, size_t max_bytes = 2000) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  return s;
}

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// Starts argv[0] (searched in PATH) with stdout and stderr appended to log_path.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& args, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot start ", args[0], ": ", std::strerror(rc), "; is it installed?"));
  }
  return pid;
}

std::string FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Like Spawn, but the child is SIGKILLed when the thread that started it exits
// (PR_SET_PDEATHSIG): a test killed on timeout leaves no swtpm behind holding ports.
absl::StatusOr<pid_t> SpawnTiedToParent(const std::vector<std::string>& args,
                                        const std::string& log_path) {
  // Everything that allocates happens before fork; the child only makes async-signal-safe calls.
  const std::string exe = FindInPath(args[0]);
  if (exe.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot find ", args[0], " in PATH; is it installed?"));
  }
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    if (log_fd >= 0) close(log_fd);
    if (null_fd >= 0) close(null_fd);
    return absl::InternalError(absl::StrCat("cannot open ", log_path, " or /dev/null"));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent already died
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  return pid;
}

// Runs a tool to completion; fails with its log tail when it exits non-zero.
absl::Status RunTool(const std::vector<std::string>& args, const std::string& log_path) {
  absl::StatusOr<pid_t> pid = Spawn(args, log_path);
  if (!pid.ok()) return pid.status();
  int wstatus = 0;
  while (waitpid(*pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return absl::InternalError("waitpid failed");
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return absl::InternalError(absl::StrCat("`", absl::StrJoin(args, " "), "` failed (wait status ",
                                            wstatus, "); log ", log_path, ":\n",
                                            ReadTail(log_path)));
  }
  return absl::OkStatus();
}

// A port P such that P and P+1 were both free on 127.0.0.1 a moment ago.
absl::StatusOr<int> FindFreePortPair() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    int fds[2] = {-1, -1};
    int port = 0;
    bool ok = true;
    for (int i = 0; i < 2 && ok; ++i) {
      fds[i] = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(static_cast<uint16_t>(i == 0 ? 0 : port + 1));
      if (fds[i] < 0 || bind(fds[i], reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        ok = false;
        break;
      }
      if (i == 0) {
        socklen_t len = sizeof(addr);
        getsockname(fds[0], reinterpret_cast<sockaddr*>(&addr), &len);
        port = ntohs(addr.sin_port);
        if (port >= 65535) ok = false;
      }
    }
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
    if (ok) return port;
  }
  return absl::UnavailableError("no two adjacent free TCP ports on 127.0.0.1");
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// The files swtpm_localca needs to sign without creating a new CA.
constexpr const char* kCaFiles[] = {"swtpm-localca-rootca-cert.pem",
                                    "swtpm-localca-rootca-privkey.pem", "signkey.pem",
                                    "issuercert.pem"};

std::string CaCacheDir() {
  const char* tmp = std::getenv("TMPDIR");
  return absl::StrCat((tmp != nullptr && *tmp != '\0') ? tmp : "/tmp", "/veu-swtpm-ca-", getuid(),
                      "-v1");
}

// Copies a cached CA into `localca`; false (nothing usable cached) is not an error.
bool UseCachedCa(const std::string& localca) {
  const std::string cache = CaCacheDir();
  std::error_code ec;
  for (const char* f : kCaFiles) {
    fs::copy_file(cache + "/" + f, localca + "/" + f, fs::copy_options::overwrite_existing, ec);
    if (ec) return false;
  }
  // Distinct serials per instance, as distinct TPMs from one manufacturer have.
  std::random_device rd;
  std::ofstream(localca + "/certserial") << (1000000 + rd() % 1000000000);
  return true;
}

// Publishes the CA swtpm_localca just created for later instances (atomically, first one wins).
void CacheCa(const std::string& localca) {
  std::string staging = CaCacheDir() + ".XXXXXX";
  if (mkdtemp(staging.data()) == nullptr) return;
  std::error_code ec;
  for (const char* f : kCaFiles) {
    fs::copy_file(localca + "/" + f, staging + "/" + f, ec);
    if (ec) break;
  }
  if (ec || rename(staging.c_str(), CaCacheDir().c_str()) != 0) fs::remove_all(staging, ec);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SwtpmProcess>> SwtpmProcess::Start(const SwtpmOptions& options) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ =
      absl::StrCat((tmp != nullptr && *tmp != '\0') ? tmp : "/tmp", "/veu-swtpm-XXXXXX");
  if (mkdtemp(templ.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp(", templ, "): ", std::strerror(errno)));
  }
  // From here on the destructor cleans up whatever exists.
  std::unique_ptr<SwtpmProcess> p(new SwtpmProcess(templ));
  p->hcrtm_data_ = options.hcrtm_data;
  const std::string dir = p->temp_dir_;
  std::error_code ec;
  for (const char* sub : {"state", "localca", "ca"}) fs::create_directories(dir + "/" + sub, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create dirs under ", dir));

  const std::string localca = dir + "/localca";
  std::string setup_conf = absl::StrCat("active_pcr_banks = ", options.pcr_banks, "\n");
  if (options.create_ek_cert) {
    if (auto s =
            WriteFile(dir + "/swtpm-localca.conf",
                      absl::StrCat("statedir = ", localca, "\nsigningkey = ", localca,
                                   "/signkey.pem\nissuercert = ", localca,
                                   "/issuercert.pem\ncertserial = ", localca, "/certserial\n"));
        !s.ok()) {
      return s;
    }
    if (auto s = WriteFile(dir + "/swtpm-localca.options",
                           "--platform-manufacturer VEU\n--platform-version 2.1\n"
                           "--platform-model swtpm-test\n");
        !s.ok()) {
      return s;
    }
    absl::StrAppend(&setup_conf, "create_certs_tool = swtpm_localca\n",
                    "create_certs_tool_config = ", dir, "/swtpm-localca.conf\n",
                    "create_certs_tool_options = ", dir, "/swtpm-localca.options\n");
  }
  if (auto s = WriteFile(dir + "/swtpm_setup.conf", setup_conf); !s.ok()) return s;
  const bool cached_ca = options.create_ek_cert && !options.fresh_ca && UseCachedCa(localca);

  std::vector<std::string> setup = {"swtpm_setup",  "--tpm2",         "--tpmstate",
                                    dir + "/state", "--config",       dir + "/swtpm_setup.conf",
                                    "--pcr-banks",  options.pcr_banks};
  if (options.create_ek_cert) {
    setup.push_back("--create-ek-cert");
    setup.push_back("--create-platform-cert");
  }
  if (auto s = RunTool(setup, dir + "/swtpm_setup.log"); !s.ok()) return s;

  if (options.create_ek_cert && !options.fresh_ca && !cached_ca) CacheCa(localca);
  if (options.create_ek_cert) {
    // The verifier's trust anchors: root and intermediate only, never the private keys.
    fs::copy_file(localca + "/swtpm-localca-rootca-cert.pem", dir + "/ca/root.pem", ec);
    if (!ec) fs::copy_file(localca + "/issuercert.pem", dir + "/ca/intermediate.pem", ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("swtpm_localca did not leave its CA certificates in ",
                                              localca, ": ", ec.message()));
    }
  }
  if (auto s = p->Launch(); !s.ok()) return s;
  return p;
}

absl::Status SwtpmProcess::Launch() {
  const std::string log = temp_dir_ + "/swtpm.log";
  absl::Status last = absl::UnavailableError("swtpm did not start");
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    absl::StatusOr<int> port = FindFreePortPair();
    if (!port.ok()) return port.status();
    absl::StatusOr<pid_t> pid = SpawnTiedToParent(
        {"swtpm", "socket", "--tpm2", "--server",
         absl::StrCat("type=tcp,port=", *port, ",bindaddr=127.0.0.1"), "--ctrl",
         absl::StrCat("type=tcp,port=", *port + 1, ",bindaddr=127.0.0.1"), "--flags",
         hcrtm_data_ ? "not-need-init" : "not-need-init,startup-clear", "--tpmstate",
         absl::StrCat("dir=", temp_dir_, "/state")},
        log);
    if (!pid.ok()) return pid.status();
    pid_ = *pid;
    port_ = *port;
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int wstatus = 0;
      if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {  // exited: most likely a port collision
        pid_ = -1;
        last = absl::UnavailableError(
            absl::StrCat("swtpm exited on port ", port_, "; log:\n", ReadTail(log)));
        break;
      }
      if (Accepts(port_)) return hcrtm_data_ ? HcrtmThenStartup() : absl::OkStatus();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (pid_ > 0) {
      Stop();
      last = absl::UnavailableError(absl::StrCat("swtpm did not accept connections on port ", port_,
                                                 " within ", kStartTimeout.count(), " s; log:\n",
                                                 ReadTail(log)));
    }
  }
  return last;
}

absl::Status SwtpmProcess::HcrtmThenStartup() {
  const std::string log = temp_dir_ + "/hcrtm.log";
  // The control channel's CMD_HASH_START/DATA/END are the _TPM_Hash_* indications a
  // hardware CRTM sends from locality 4; before TPM2_Startup they land in PCR 0.
  if (auto s = RunTool({"swtpm_ioctl", "--tcp", absl::StrCat("127.0.0.1:", port_ + 1), "-h",
                        *hcrtm_data_},
                       log);
      !s.ok()) {
    return s;
  }
  return RunTool({"tpm2_startup", "-c", "-T", Tcti()}, log);
}

void SwtpmProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  int wstatus = 0;
  while (waitpid(pid_, &wstatus, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &wstatus, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
}

absl::Status SwtpmProcess::Restart() {
  Stop();
  return Launch();
}

SwtpmProcess::~SwtpmProcess() {
  Stop();
  std::error_code ec;
  fs::remove_all(temp_dir_, ec);
}

std::string SwtpmProcess::Tcti() const { return absl::StrCat("swtpm:host=127.0.0.1,port=", port_); }
std::string SwtpmProcess::StateDir() const { return temp_dir_ + "/state"; }
std::string SwtpmProcess::CaDir() const { return temp_dir_ + "/ca"; }
std::string SwtpmProcess::TempDir() const { return temp_dir_; }

}  // namespace veu::testing
