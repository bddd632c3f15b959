// Where the offline spool lives: the one file seam the spool writes through, so its policy
// (bounds, drops, refusals) is tested in memory and truncation or corruption needs no TPM.
//
// PosixSpoolFile: Append writes with O_APPEND and fdatasync()s before returning; Replace writes
// PATH.tmp, fsync()s it, renames it over PATH and fsync()s the directory, so a crash leaves the
// old file or the new one, never a mix. Errors name the path and the failing call.
#ifndef VEU_AGENT_SPOOL_FILE_H_
#define VEU_AGENT_SPOOL_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace veu::agent {

class SpoolFile {
 public:
  virtual ~SpoolFile() = default;
  // The whole file; NotFound when it does not exist.
  virtual absl::StatusOr<std::string> Read() = 0;
  // Appends `bytes`, durable when this returns OK.
  virtual absl::Status Append(std::string_view bytes) = 0;
  // Replaces the whole content atomically, durable when this returns OK.
  virtual absl::Status Replace(std::string_view bytes) = 0;
};

class PosixSpoolFile final : public SpoolFile {
 public:
  explicit PosixSpoolFile(std::string path) : path_(std::move(path)) {}
  absl::StatusOr<std::string> Read() override;
  absl::Status Append(std::string_view bytes) override;
  absl::Status Replace(std::string_view bytes) override;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace veu::agent

#endif  // VEU_AGENT_SPOOL_FILE_H_
