// Reading what deploy/loadtest's scripts and veu-loadgen print: "key value" lines and the
// script's summary line. Shared by the fleet, replica and partition tests.
#ifndef VEU_TESTS_INTEGRATION_LOADTEST_OUTPUT_H_
#define VEU_TESTS_INTEGRATION_LOADTEST_OUTPUT_H_

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"

namespace veu::testing {

// "key value" lines (veu-loadgen's figures, store_check's counts) as a map; a key seen twice
// keeps its last value.
inline std::map<std::string, std::string> Fields(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string key, value;
  while (in >> key >> value) out[key] = value;
  return out;
}

// The number under `key`; a test failure (and -1) when it is missing or not a number.
inline double Number(const std::map<std::string, std::string>& fields, const std::string& key) {
  double n = -1;
  auto it = fields.find(key);
  EXPECT_TRUE(it != fields.end() && absl::SimpleAtod(it->second, &n)) << "no number " << key;
  return n;
}

// The last non-empty line: the scripts' summary.
inline std::string LastLine(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  const size_t nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

}  // namespace veu::testing

#endif  // VEU_TESTS_INTEGRATION_LOADTEST_OUTPUT_H_
