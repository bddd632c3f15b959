// Real processes for integration tests: start a binary with arguments, its output captured to
// files, stop it by PID. No shell in between, so arguments need no quoting.
#ifndef VEU_TESTS_INTEGRATION_PROCESS_H_
#define VEU_TESTS_INTEGRATION_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace veu::testing {

class Process {
 public:
  // Starts `argv[0]` (a path) with `argv`; stdout and stderr go to `log_path`. `env` entries
  // are added to the environment.
  static absl::StatusOr<Process> Start(const std::vector<std::string>& argv,
                                       const std::string& log_path,
                                       const std::map<std::string, std::string>& env = {});
  Process(Process&& other) noexcept : pid_(other.pid_), log_path_(std::move(other.log_path_)) {
    other.pid_ = -1;
  }
  Process& operator=(Process&& other) noexcept;
  ~Process() { Stop(); }

  // SIGTERM, then SIGKILL after 3 s; returns the exit status (or -signal).
  int Stop();
  // Waits for the process to exit by itself, at most `timeout`; returns its exit code or
  // DeadlineExceeded.
  absl::StatusOr<int> Wait(absl::Duration timeout);
  bool Running();
  pid_t pid() const { return pid_; }
  // What the process printed so far.
  std::string Output() const;

 private:
  Process(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}
  pid_t pid_ = -1;
  std::string log_path_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs a command to completion (at most `timeout`) and captures its output.
RunResult Run(const std::vector<std::string>& argv,
              const std::map<std::string, std::string>& env = {},
              absl::Duration timeout = absl::Seconds(30));

// Polls `condition` every 100 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout);

// Reads a whole file ("" if absent).
std::string ReadFile(const std::string& path);

// A fresh directory under $TMPDIR, removed by the caller.
std::string MakeTempDir(const std::string& prefix);

}  // namespace veu::testing

#endif  // VEU_TESTS_INTEGRATION_PROCESS_H_
