// Specifications of which site verdict changes the stale sweeper publishes: only those into
// or out of STALE, naming the silent nodes.
#include "verifier/service/stale_sweeper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace veu::verifier {
namespace {

veu::v1::SiteStatus Status(veu::v1::Verdict verdict, bool first_node_stale) {
  veu::v1::SiteStatus s;
  s.mutable_site()->set_name("fra1");
  s.mutable_site()->set_country("DE");
  s.mutable_site()->set_organisation("Acme");
  s.set_verdict(verdict);
  auto* a = s.add_agents();
  a->mutable_agent()->set_agent_id("aaaa");
  a->set_stale(first_node_stale);
  auto* b = s.add_agents();
  b->mutable_agent()->set_agent_id("bbbb");
  return s;
}

const absl::Time kAt = absl::FromUnixSeconds(1795000000);

TEST(StaleTransition, GoingStaleIsPublishedNamingTheSilentNode) {
  std::optional<veu::v1::VerdictChange> c =
      StaleTransition(veu::v1::VERDICT_WARN, Status(veu::v1::VERDICT_STALE, true), kAt);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->site(), "fra1");
  EXPECT_EQ(c->country(), "DE");
  EXPECT_EQ(c->organisation(), "Acme");
  EXPECT_EQ(c->previous(), veu::v1::VERDICT_WARN);
  EXPECT_EQ(c->verdict(), veu::v1::VERDICT_STALE);
  EXPECT_EQ(c->site_verdict(), veu::v1::VERDICT_STALE);
  EXPECT_TRUE(c->agent_id().empty());
  EXPECT_THAT(c->failed(), ::testing::ElementsAre("stale:aaaa"));
}

TEST(StaleTransition, RecoveringFromStaleIsPublished) {
  EXPECT_TRUE(
      StaleTransition(veu::v1::VERDICT_STALE, Status(veu::v1::VERDICT_ACCEPT, false), kAt));
}

TEST(StaleTransition, OtherChangesAreLeftToTheAppraisalsThatCausedThem) {
  EXPECT_FALSE(
      StaleTransition(veu::v1::VERDICT_WARN, Status(veu::v1::VERDICT_REJECT, false), kAt));
  EXPECT_FALSE(
      StaleTransition(veu::v1::VERDICT_STALE, Status(veu::v1::VERDICT_STALE, true), kAt));
}

}  // namespace
}  // namespace veu::verifier
