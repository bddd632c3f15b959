// An IMA measurement log file as `veuctl ima` and `veuctl runtime-policy learn` take it: binary
// or ASCII (detected), a per-bank binary file (binary_runtime_measurements_<alg>, Linux 6.10+)
// read with that bank's template hash, at most kMaxImaLogBytes.
#ifndef VEU_VERIFIER_VEUCTL_IMA_LOG_FILE_H_
#define VEU_VERIFIER_VEUCTL_IMA_LOG_FILE_H_

#include <cstddef>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

#include "common/ima/ima_log.h"
#include "verifier/veuctl/input_file.h"

namespace veu::veuctl {

inline constexpr size_t kMaxImaLogBytes = 512u << 20;

// The bank a per-bank file's name gives, 0 for the classic file name.
inline uint16_t BankFromFileName(const std::string& path) {
  const std::string base = path.substr(path.find_last_of('/') + 1);
  const std::string prefix = "binary_runtime_measurements_";
  if (base.rfind(prefix, 0) != 0) return 0;
  return ima::TpmAlgForImaName(base.substr(prefix.size()));
}

// The parsed log, or nullopt after printing why it could not be read or parsed (the command
// then exits with its usage/unreadable-input code). `bytes` receives the file's contents.
inline std::optional<ima::ParsedLog> ReadImaLogFile(const std::string& path, std::string* bytes) {
  if (!ReadBounded(path, kMaxImaLogBytes, bytes)) {
    std::cerr << "cannot read IMA log " << path << " (missing, unreadable or over "
              << (kMaxImaLogBytes >> 20) << " MiB)\n";
    return std::nullopt;
  }
  const bool ascii = ima::LooksAscii(*bytes);
  ima::ParseOptions options;
  if (!ascii) options.template_hash_alg = BankFromFileName(path);
  absl::StatusOr<ima::ParsedLog> log =
      ascii ? ima::ParseAscii(*bytes, options) : ima::ParseBinary(*bytes, options);
  if (!log.ok()) {
    std::cerr << "IMA log " << path << " is malformed: " << log.status().message() << "\n";
    return std::nullopt;
  }
  return *std::move(log);
}

}  // namespace veu::veuctl

#endif  // VEU_VERIFIER_VEUCTL_IMA_LOG_FILE_H_
