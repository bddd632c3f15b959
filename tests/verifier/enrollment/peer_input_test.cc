// What unauthenticated peers send is bounded and of the expected alphabet before anything is
// stored or logged (issue 17: multi-MB site names filled the disk; newlines forged log lines).
#include "verifier/peer_input.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/peer_text.h"
#include "tests/support/status_matchers.h"

namespace veu::verifier {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::veu::testing::StatusIs;

veu::v1::BeginEnrollmentRequest GoodRequest() {
  veu::v1::BeginEnrollmentRequest r;
  r.set_site("fra-1 Frankfurt (Hall B)");
  r.set_hostname("node-07.fra1.example");
  r.set_enrollment_token("veu1.0123456789abcdef0123456789abcdef0123456789abcdef");
  r.mutable_identity()->set_ek_certificate(std::string(1500, 'c'));
  r.mutable_identity()->set_ak_name(std::string(34, 'n'));
  return r;
}

TEST(PeerText, AcceptsWhatRealPeersSend) {
  EXPECT_OK(CheckSiteName("demo-site"));
  EXPECT_OK(CheckSiteName("Zürich Süd"));  // UTF-8 is fine in a name an administrator chose
  EXPECT_OK(CheckHostname(""));
  EXPECT_OK(CheckHostname("node_7.example-dc.de"));
  EXPECT_OK(CheckEnrollmentToken(""));
  EXPECT_OK(CheckAgentVersion("veu-agent 0.1.0"));
  EXPECT_OK(CheckAgentId(std::string(64, 'a')));
}

TEST(PeerText, RefusesNewlinesControlsAndBadUtf8InSiteNames) {
  EXPECT_THAT(CheckSiteName("site-a\n2026-01-01T00:00:00.000Z enrol: agent x re-enrolled"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("byte 6 is a control")));
  EXPECT_THAT(CheckSiteName("a\x1b[2Jb"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckSiteName("a\xc2\x85"), StatusIs(absl::StatusCode::kInvalidArgument));  // NEL
  EXPECT_THAT(CheckSiteName("a\xff"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
  EXPECT_THAT(CheckSiteName("\xc0\xaf"), StatusIs(absl::StatusCode::kInvalidArgument));  // overlong
  EXPECT_THAT(CheckSiteName(""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
}

TEST(PeerText, BoundsEveryStringWithoutEchoingIt) {
  const std::string huge(5 << 20, 'x');
  for (const absl::Status& s : {CheckSiteName(huge), CheckHostname(huge), CheckEnrollmentToken(huge),
                                CheckAgentVersion(huge), CheckAgentId(huge)}) {
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("5242880 bytes, at most")));
    EXPECT_LT(s.message().size(), 100u);
  }
  EXPECT_OK(CheckSiteName(std::string(kMaxSiteNameBytes, 's')));
  EXPECT_THAT(CheckSiteName(std::string(kMaxSiteNameBytes + 1, 's')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PeerText, HostnamesTokensAndVersionsAreAsciiOnly) {
  EXPECT_THAT(CheckHostname("node 7"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("byte 4")));
  EXPECT_THAT(CheckHostname("n\r\nx"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckEnrollmentToken("veu1.\n"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("0x0a")));
  EXPECT_THAT(CheckAgentVersion("0.1\n2026 appraisal: VERDICT_ACCEPT"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("byte 3")));
  EXPECT_THAT(CheckAgentId("ABCDEF"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hex")));
}

TEST(PeerInput, AcceptsAWellFormedEnrolmentRequest) { EXPECT_OK(ValidateBeginEnrollmentRequest(GoodRequest())); }

TEST(PeerInput, NamesTheFieldOfABadEnrolmentRequest) {
  veu::v1::BeginEnrollmentRequest r = GoodRequest();
  r.set_site(std::string(3 << 20, 's'));
  EXPECT_THAT(ValidateBeginEnrollmentRequest(r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("BeginEnrollmentRequest.site (")));
  r = GoodRequest();
  r.set_hostname("evil\nline");
  EXPECT_THAT(ValidateBeginEnrollmentRequest(r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("BeginEnrollmentRequest.hostname (")));
  r = GoodRequest();
  r.set_enrollment_token(std::string(4096, 't'));
  EXPECT_THAT(ValidateBeginEnrollmentRequest(r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("enrollment_token")));
  r = GoodRequest();
  r.mutable_identity()->set_ek_certificate(std::string(kMaxEkCertificateBytes + 1, 'c'));
  EXPECT_THAT(ValidateBeginEnrollmentRequest(r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("identity.ek_certificate")));
  r = GoodRequest();
  r.mutable_identity()->set_ak_name(std::string(kMaxTpmNameBytes + 1, 'n'));
  EXPECT_THAT(ValidateBeginEnrollmentRequest(r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("identity.ak_name")));
}

TEST(PeerInput, BoundsTheActivationAnswer) {
  veu::v1::CompleteEnrollmentRequest r;
  r.set_enrollment_id(std::string(32, 'a'));
  r.set_activated_secret(std::string(32, 's'));
  EXPECT_OK(ValidateCompleteEnrollmentRequest(r));
  r.set_activated_secret(std::string(1 << 20, 's'));
  EXPECT_THAT(ValidateCompleteEnrollmentRequest(r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("CompleteEnrollmentRequest.activated_secret: 1048576 bytes")));
}

TEST(PeerInput, ChecksTheHelloAStreamOpensWith) {
  veu::v1::AgentHello hello;
  hello.set_agent_id(std::string(64, 'e'));
  hello.set_ak_name(std::string(34, 'n'));
  hello.set_agent_version("0.1.0");
  EXPECT_OK(ValidateAgentHello(hello));
  hello.set_agent_version("0.1.0\n2026-01-01T00:00:00.000Z appraisal: x: #1 VERDICT_ACCEPT");
  EXPECT_THAT(ValidateAgentHello(hello),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("AgentHello.agent_version (")));
  hello.set_agent_version(std::string(8 << 20, 'v'));
  EXPECT_THAT(ValidateAgentHello(hello), StatusIs(absl::StatusCode::kInvalidArgument,
                                                  Not(HasSubstr("vvvvvvvv"))));
  hello.set_agent_version("0.1.0");
  hello.set_agent_id("../../etc");
  EXPECT_THAT(ValidateAgentHello(hello),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("AgentHello.agent_id (")));
}

}  // namespace
}  // namespace veu::verifier
