// Test helpers for the GPU fixtures (../shared/fixtures/gpu): file reading and cases.json.
#ifndef VEU_TESTS_COMMON_GPU_FIXTURES_H_
#define VEU_TESTS_COMMON_GPU_FIXTURES_H_

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/hex.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace veu::gpu::testing {

inline std::filesystem::path GpuFixtures() {
  return std::filesystem::path(VEU_FIXTURES_DIR) / "gpu";
}

inline std::string ReadFixture(const std::string& relative) {
  std::ifstream in(GpuFixtures() / relative, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A report fixture (hex text) as raw bytes; "" when it is not hex.
inline std::string ReportBytes(const std::string& relative) {
  std::string text = ReadFixture(relative);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) {
    text.pop_back();
  }
  auto bytes = FromHex(text);
  return bytes.ok() ? *bytes : std::string();
}

inline google::protobuf::Struct ParseJsonObject(const std::string& text) {
  google::protobuf::Struct s;
  (void)google::protobuf::util::JsonStringToMessage(text, &s);
  return s;
}

inline google::protobuf::ListValue Cases() {
  google::protobuf::Value v;
  (void)google::protobuf::util::JsonStringToMessage(ReadFixture("cases.json"), &v);
  return v.list_value();
}

// A time at which every device certificate in the fixtures is valid and the full positive RIM
// case holds (the README: between 2023-06-27 and 2025-06-22).
inline absl::Time PinnedTime() { return absl::FromCivil(absl::CivilDay(2024, 6, 1), absl::UTCTimeZone()); }

}  // namespace veu::gpu::testing

#endif  // VEU_TESTS_COMMON_GPU_FIXTURES_H_
