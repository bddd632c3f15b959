// Every real event log in ../shared/fixtures/eventlogs meets its NAME.expected.json.
#include "tests/common/eventlog/fixtures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/eventlog/binding.h"
#include "common/eventlog/facts.h"
#include "common/eventlog/findings.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"
#include "tests/support/status_matchers.h"

namespace veu::eventlog {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::veu::testing::StatusIs;

class FixtureLog : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureLog, ParsesOrFailsAsExpectedAndReplaysToTheExpectedPcrs) {
  const testing::Expectation want = testing::LoadExpectation(GetParam());
  auto log = ParseEventLog(testing::FixtureLog(GetParam()));
  if (!want.ok) {
    EXPECT_THAT(log, StatusIs(absl::StatusCode::kInvalidArgument,
                              ::testing::AllOf(HasSubstr("record 0"), HasSubstr("offset 0"))));
    return;
  }
  ASSERT_TRUE(log.ok()) << log.status();
  const PcrValues replayed = Replay(*log);
  int compared = 0;
  for (const auto& [alg, bank] : want.pcrs) {
    ASSERT_TRUE(replayed.count(alg)) << "bank " << crypto::HashAlgName(alg) << " not replayed";
    for (const auto& [pcr, value] : bank) {
      auto it = replayed.at(alg).find(pcr);
      if (it == replayed.at(alg).end()) {
        // Not extended by the log: the TPM read must then not contradict an empty history.
        continue;
      }
      ++compared;
      EXPECT_EQ(ToHex(it->second), ToHex(value)) << crypto::HashAlgName(alg) << " PCR " << pcr;
    }
  }
  if (!want.pcrs.empty()) {
    EXPECT_GT(compared, 0);
  }
}

TEST_P(FixtureLog, BindsToItsExpectedPcrValuesWithoutFindings) {
  const testing::Expectation want = testing::LoadExpectation(GetParam());
  if (!want.ok || want.pcrs.empty()) GTEST_SKIP() << "no PCR values to bind to";
  auto log = ParseEventLog(testing::FixtureLog(GetParam()));
  ASSERT_TRUE(log.ok()) << log.status();
  BindingOutcome outcome = BindToQuote(*log, want.pcrs);
  ASSERT_TRUE(outcome.verified.has_value()) << outcome.check.detail();
  EXPECT_EQ(outcome.check.status(), veu::v1::CHECK_PASS);
  EXPECT_THAT(FindStructuralProblems(*log), IsEmpty());
  // Facts extract without surprises from every real log.
  const veu::v1::MeasuredBootFacts facts = ExtractFacts(*outcome.verified);
  EXPECT_THAT(facts.findings(), IsEmpty());
  EXPECT_FALSE(facts.bound_pcrs().empty());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureLog, ::testing::ValuesIn(testing::FixtureNames()),
                         testing::ParamName);

TEST(Fixtures, AllThirtyOneLogsArePresent) { EXPECT_EQ(testing::FixtureNames().size(), 31u); }

}  // namespace
}  // namespace veu::eventlog
