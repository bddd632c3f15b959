// LogField: what a peer sends can neither forge log lines nor flood the log.
#include "common/log.h"

#include <string>

#include "gtest/gtest.h"

namespace veu {
namespace {

TEST(LogField, KeepsPrintableAsciiAsItIs) {
  EXPECT_EQ(LogField("veu-agent 0.1.0 (rack-7)"), "veu-agent 0.1.0 (rack-7)");
}

TEST(LogField, EscapesNewlinesSoAPeerCannotWriteItsOwnLines) {
  const std::string forged = "site-a\n2026-01-01T00:00:00.000Z appraisal: x: #1 VERDICT_ACCEPT";
  const std::string field = LogField(forged, 1000);
  EXPECT_EQ(field.find('\n'), std::string::npos);
  EXPECT_EQ(field.rfind("site-a\\x0a2026", 0), 0u) << field;
}

TEST(LogField, EscapesControlBytesBackslashAndNonAscii) {
  EXPECT_EQ(LogField(std::string("a\rb\x1b[31m\\\xff", 10)), "a\\x0db\\x1b[31m\\x5c\\xff");
}

TEST(LogField, CutsLongInputAndSaysHowLongItWas) {
  const std::string field = LogField(std::string(5 << 20, 'x'), 16);
  EXPECT_EQ(field, std::string(16, 'x') + "...(5242880 bytes)");
}

}  // namespace
}  // namespace veu
