// What veuctl tells the operator when the admin socket cannot be reached (issue 17: a
// permission error was answered "is veu-verifier running?").
#include "verifier/veuctl/admin_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace veu::veuctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(AdminConnectHint, APermissionErrorSaysSoAndDoesNotAskWhetherTheVerifierRuns) {
  // The message gRPC 1.51 gives when connect(2) on the socket fails with EACCES (captured from
  // veuctl run as nobody against a 0600 socket).
  const grpc::Status denied(grpc::StatusCode::UNAVAILABLE,
                            "failed to connect to all addresses; last error: UNKNOWN: "
                            "unix:/run/veu-verifier/admin.sock: Permission denied");
  EXPECT_THAT(AdminConnectHint(denied), HasSubstr("refuses this user"));
  EXPECT_THAT(AdminConnectHint(denied), Not(HasSubstr("running")));
}

TEST(AdminConnectHint, AMissingSocketAsksWhetherTheVerifierRuns) {
  const grpc::Status missing(grpc::StatusCode::UNAVAILABLE,
                             "failed to connect to all addresses; last error: UNKNOWN: "
                             "unix:/tmp/none.sock: No such file or directory");
  EXPECT_THAT(AdminConnectHint(missing), HasSubstr("is veu-verifier running?"));
  EXPECT_EQ(AdminConnectHint(grpc::Status(grpc::StatusCode::NOT_FOUND, "no agent")), "");
}

}  // namespace
}  // namespace veu::veuctl
