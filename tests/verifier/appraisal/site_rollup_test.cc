// RollUpSite: a site is as bad as its worst current node; a silent node makes it STALE.
#include "verifier/appraisal/site_rollup.h"

#include <gtest/gtest.h>

#include "common/proto_time.h"

namespace veu::verifier {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
const absl::Duration kStaleAfter = absl::Minutes(5);

NodeState Node(const std::string& id, veu::v1::Verdict verdict,
               absl::Duration seen_ago = absl::Seconds(10)) {
  NodeState n;
  n.agent.set_agent_id(id);
  n.agent.set_status(veu::v1::AGENT_STATUS_ENROLLED);
  *n.agent.mutable_last_seen() = ToProtoTime(kNow - seen_ago);
  veu::v1::Appraisal a;
  a.set_agent_id(id);
  a.set_verdict(verdict);
  n.latest = a;
  return n;
}

veu::v1::Site SiteA() {
  veu::v1::Site s;
  s.set_name("site-a");
  return s;
}

TEST(RollUpSiteTest, AllAcceptedNodesMakeAnAcceptedSite) {
  veu::v1::SiteStatus s =
      RollUpSite(SiteA(), {Node("a", veu::v1::VERDICT_ACCEPT), Node("b", veu::v1::VERDICT_ACCEPT)},
                 kNow, kStaleAfter);
  EXPECT_EQ(s.verdict(), veu::v1::VERDICT_ACCEPT);
  EXPECT_EQ(s.site().name(), "site-a");
  ASSERT_EQ(s.agents_size(), 2);
  EXPECT_FALSE(s.agents(0).stale());
}

TEST(RollUpSiteTest, TheWorstNodeVerdictWins) {
  EXPECT_EQ(
      RollUpSite(SiteA(), {Node("a", veu::v1::VERDICT_ACCEPT), Node("b", veu::v1::VERDICT_WARN)},
                 kNow, kStaleAfter)
          .verdict(),
      veu::v1::VERDICT_WARN);
  EXPECT_EQ(RollUpSite(SiteA(),
                       {Node("a", veu::v1::VERDICT_REJECT), Node("b", veu::v1::VERDICT_WARN),
                        Node("c", veu::v1::VERDICT_ACCEPT)},
                       kNow, kStaleAfter)
                .verdict(),
            veu::v1::VERDICT_REJECT);
}

TEST(RollUpSiteTest, ANodeSilentLongerThanTheLimitMakesTheSiteStale) {
  veu::v1::SiteStatus s = RollUpSite(
      SiteA(),
      {Node("a", veu::v1::VERDICT_ACCEPT), Node("b", veu::v1::VERDICT_ACCEPT, absl::Minutes(6))},
      kNow, kStaleAfter);
  EXPECT_EQ(s.verdict(), veu::v1::VERDICT_STALE);
  ASSERT_EQ(s.agents_size(), 2);
  EXPECT_FALSE(s.agents(0).stale());
  EXPECT_TRUE(s.agents(1).stale());
}

TEST(RollUpSiteTest, ANodeNeverSeenIsStale) {
  NodeState never;
  never.agent.set_agent_id("new");
  never.agent.set_status(veu::v1::AGENT_STATUS_ENROLLED);
  veu::v1::SiteStatus s =
      RollUpSite(SiteA(), {Node("a", veu::v1::VERDICT_ACCEPT), never}, kNow, kStaleAfter);
  EXPECT_EQ(s.verdict(), veu::v1::VERDICT_STALE);
}

TEST(RollUpSiteTest, AStaleNodeDoesNotHideARejection) {
  veu::v1::SiteStatus s = RollUpSite(
      SiteA(),
      {Node("a", veu::v1::VERDICT_REJECT), Node("b", veu::v1::VERDICT_ACCEPT, absl::Hours(1))},
      kNow, kStaleAfter);
  EXPECT_EQ(s.verdict(), veu::v1::VERDICT_REJECT);
}

TEST(RollUpSiteTest, ASiteWithoutNodesHasNoVerdict) {
  EXPECT_EQ(RollUpSite(SiteA(), {}, kNow, kStaleAfter).verdict(), veu::v1::VERDICT_NONE);
}

TEST(RollUpSiteTest, RevokedNodesAreListedButIgnored) {
  NodeState revoked = Node("gone", veu::v1::VERDICT_REJECT, absl::Hours(48));
  revoked.agent.set_status(veu::v1::AGENT_STATUS_REVOKED);
  veu::v1::SiteStatus s =
      RollUpSite(SiteA(), {Node("a", veu::v1::VERDICT_ACCEPT), revoked}, kNow, kStaleAfter);
  EXPECT_EQ(s.verdict(), veu::v1::VERDICT_ACCEPT);
  EXPECT_EQ(s.agents_size(), 2);
  EXPECT_EQ(RollUpSite(SiteA(), {revoked}, kNow, kStaleAfter).verdict(), veu::v1::VERDICT_NONE);
}

TEST(VerdictSeverityTest, OrdersRejectStaleWarnNoneAccept) {
  EXPECT_GT(VerdictSeverity(veu::v1::VERDICT_REJECT), VerdictSeverity(veu::v1::VERDICT_STALE));
  EXPECT_GT(VerdictSeverity(veu::v1::VERDICT_STALE), VerdictSeverity(veu::v1::VERDICT_WARN));
  EXPECT_GT(VerdictSeverity(veu::v1::VERDICT_WARN), VerdictSeverity(veu::v1::VERDICT_NONE));
  EXPECT_GT(VerdictSeverity(veu::v1::VERDICT_NONE), VerdictSeverity(veu::v1::VERDICT_ACCEPT));
  EXPECT_EQ(VerdictSeverity(veu::v1::Verdict(99)), VerdictSeverity(veu::v1::VERDICT_REJECT));
}

}  // namespace
}  // namespace veu::verifier
