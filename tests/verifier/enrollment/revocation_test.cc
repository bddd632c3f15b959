// CheckNotRevoked: what the stream and enrolment say to a revoked agent.
#include "verifier/enrollment/revocation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "tests/support/status_matchers.h"
#include "verifier/enrollment/enroller.h"
#include "verifier/store/sqlite_store.h"

namespace veu::verifier {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::veu::testing::StatusIs;

veu::v1::AgentRecord Agent(veu::v1::AgentStatus status) {
  veu::v1::AgentRecord a;
  a.set_agent_id("0123abcd");
  a.set_site("site-a");
  a.set_status(status);
  return a;
}

TEST(Revocation, AnEnrolledAgentPasses) {
  EXPECT_OK(CheckNotRevoked(Agent(veu::v1::AGENT_STATUS_ENROLLED)));
}

TEST(Revocation, ARevokedAgentIsRefusedWithAgentRevokedSayingWhyWhenAndWhatToDo) {
  veu::v1::AgentRecord a = Agent(veu::v1::AGENT_STATUS_REVOKED);
  a.mutable_revocation()->set_reason("decommissioned");
  *a.mutable_revocation()->mutable_revoked_at() = ToProtoTime(absl::FromUnixSeconds(1800000000));
  const absl::Status s = CheckNotRevoked(a);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kPermissionDenied,
                          AllOf(HasSubstr("decommissioned"), HasSubstr("2027-01-15T08:00:00Z"),
                                HasSubstr("veuctl agent allow 0123abcd"))));
  EXPECT_EQ(RefusalReason(s), veu::v1::AGENT_REVOKED);
}

TEST(Revocation, ReadsTheAgentFromTheStore) {
  auto store = SqliteStore::Open(":memory:");
  ASSERT_OK(store);
  veu::v1::Site site;
  site.set_name("site-a");
  ASSERT_OK((*store)->AddSite(site));
  EXPECT_OK(CheckNotRevoked(**store, "never-enrolled"));
  ASSERT_OK((*store)->PutAgent(Agent(veu::v1::AGENT_STATUS_ENROLLED), {}));
  EXPECT_OK(CheckNotRevoked(**store, "0123abcd"));
  veu::v1::Revocation r;
  r.set_agent_id("0123abcd");
  r.set_reason("EK leaked");
  *r.mutable_revoked_at() = ToProtoTime(absl::FromUnixSeconds(1800000000));
  veu::v1::Event e;
  e.set_kind(veu::v1::EVENT_AGENT_REVOKED);
  e.set_agent_id("0123abcd");
  e.set_site("site-a");
  *e.mutable_at() = r.revoked_at();
  ASSERT_OK((*store)->RevokeAgent(r, e));
  EXPECT_EQ(RefusalReason(CheckNotRevoked(**store, "0123abcd")), veu::v1::AGENT_REVOKED);
}

}  // namespace
}  // namespace veu::verifier
