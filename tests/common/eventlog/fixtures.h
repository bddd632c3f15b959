// Test helpers: the real event logs in ../shared/fixtures/eventlogs and their expectations.
#ifndef VEU_TESTS_COMMON_EVENTLOG_FIXTURES_H_
#define VEU_TESTS_COMMON_EVENTLOG_FIXTURES_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/crypto/digest.h"
#include "common/eventlog/replay.h"
#include "common/hex.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace veu::eventlog::testing {

inline std::filesystem::path EventLogFixtureDir() {
  return std::filesystem::path(VEU_FIXTURES_DIR) / "eventlogs";
}

inline std::string ReadFileOrDie(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Names of every fixture log (files that have a NAME.expected.json beside them), sorted.
inline std::vector<std::string> FixtureNames() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(EventLogFixtureDir())) {
    const std::string file = entry.path().filename().string();
    const std::string suffix = ".expected.json";
    if (file.size() > suffix.size() && file.ends_with(suffix)) {
      names.push_back(file.substr(0, file.size() - suffix.size()));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

inline std::string FixtureLog(const std::string& name) {
  return ReadFileOrDie(EventLogFixtureDir() / name);
}

// Test-name-safe form of a fixture name, for INSTANTIATE_TEST_SUITE_P.
inline std::string ParamName(const ::testing::TestParamInfo<std::string>& param) {
  std::string name;
  for (char c : param.param) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

struct Expectation {
  bool ok = false;  // "expect": "ok"
  PcrValues pcrs;   // what the whole log must replay to (a TPM read: may include PCRs the
                    // log does not extend, such as IMA's PCR 10)
};

inline Expectation LoadExpectation(const std::string& name) {
  google::protobuf::Struct root;
  const std::string json = ReadFileOrDie(EventLogFixtureDir() / (name + ".expected.json"));
  if (!google::protobuf::util::JsonStringToMessage(json, &root).ok()) {
    throw std::runtime_error("bad expected.json for " + name);
  }
  Expectation e;
  e.ok = root.fields().at("expect").string_value() == "ok";
  auto pcrs = root.fields().find("pcrs");
  if (pcrs == root.fields().end()) return e;
  for (const auto& [bank, values] : pcrs->second.struct_value().fields()) {
    const uint16_t alg = *crypto::HashAlgFromName(bank);
    for (const auto& [pcr, hex] : values.struct_value().fields()) {
      e.pcrs[alg][static_cast<uint32_t>(std::stoul(pcr))] = *FromHex(hex.string_value());
    }
  }
  return e;
}

}  // namespace veu::eventlog::testing

#endif  // VEU_TESTS_COMMON_EVENTLOG_FIXTURES_H_
