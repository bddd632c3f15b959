// EventLogToJson: what `veuctl eventlog --json` prints.
#include "common/eventlog/json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/eventlog/findings.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/common/eventlog/fixtures.h"
#include "tests/support/status_matchers.h"

namespace veu::eventlog {
namespace {

google::protobuf::Struct JsonOf(const std::string& fixture) {
  auto log = ParseEventLog(testing::FixtureLog(fixture));
  EXPECT_TRUE(log.ok()) << log.status();
  const std::string json = EventLogToJson(*log, Replay(*log), FindStructuralProblems(*log));
  google::protobuf::Struct out;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &out).ok()) << json.substr(0, 500);
  return out;
}

TEST(Json, ListsEventsAndTheReplayedPcrsOfEveryBank) {
  const auto root = JsonOf("go-tpm-tools__rhel8-uefi.bin");
  const auto& events = root.fields().at("events").list_value();
  ASSERT_EQ(events.values_size(), 83);
  const auto& sb = events.values(3).struct_value().fields();
  EXPECT_EQ(sb.at("type").string_value(), "EV_EFI_VARIABLE_DRIVER_CONFIG");
  EXPECT_EQ(sb.at("pcr").number_value(), 7);
  EXPECT_EQ(sb.at("data").struct_value().fields().at("name").string_value(), "SecureBoot");
  EXPECT_EQ(sb.at("digests").struct_value().fields().at("sha256").string_value().size(), 64u);

  const testing::Expectation want = testing::LoadExpectation("go-tpm-tools__rhel8-uefi.bin");
  const auto& pcrs = root.fields().at("pcrs").struct_value().fields();
  EXPECT_EQ(pcrs.at("sha256").struct_value().fields().at("7").string_value(),
            ToHex(want.pcrs.at(crypto::kAlgSha256).at(7)));
  EXPECT_EQ(pcrs.at("sha1").struct_value().fields().at("0").string_value(),
            ToHex(want.pcrs.at(crypto::kAlgSha1).at(0)));
  EXPECT_EQ(root.fields().at("findings").list_value().values_size(), 0);
}

TEST(Json, EveryFixturePrintsAsValidJson) {
  for (const std::string& name : testing::FixtureNames()) {
    if (!testing::LoadExpectation(name).ok) continue;
    SCOPED_TRACE(name);
    EXPECT_TRUE(JsonOf(name).fields().count("pcrs"));
  }
}

TEST(Json, EscapesControlAndNonAsciiBytes) {
  EXPECT_EQ(JsonString(std::string("a\"\\\n\x01\xff", 6)), "\"a\\\"\\\\\\n\\u0001\\u00ff\"");
}

}  // namespace
}  // namespace veu::eventlog
