// Webhooks end to end: a real verifier started with --webhook/--webhook-secret, a real agent
// enrolling at a site, and an HTTP receiver in this test standing in for the operator's
// endpoint. The receiver checks each POST the way webhook_notifier.h tells operators to: the
// HMAC-SHA256 over timestamp + "." + body, computed here with OpenSSL from the secret file.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/random.h"
#include "common/hex.h"
#include "common/proto_time.h"
#include "tests/integration/deployment.h"
#include "tests/support/status_matchers.h"
#include "tests/verifier/notify/test_http_receiver.h"
#include "tests/verifier/notify/webhook_receiving.h"
#include "veu/v1/regulator.pb.h"

namespace veu::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::veu::verifier::notify::testing::Delivery;
using ::veu::verifier::notify::testing::ParseDelivery;
using ::veu::verifier::notify::testing::ReceivedRequest;
using ::veu::verifier::notify::testing::ReceiverSignature;
using ::veu::verifier::notify::testing::TestHttpReceiver;

// Verifies a received POST as webhook_notifier.h prescribes (constant-time compare, fresh
// timestamp).
::testing::AssertionResult SignatureVerifies(const ReceivedRequest& r, const std::string& secret) {
  const std::string timestamp = r.Header("x-veu-timestamp");
  const std::string signature = r.Header("x-veu-signature");
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(timestamp, &seconds)) {
    return ::testing::AssertionFailure() << "X-VEU-Timestamp is not a number: '" << timestamp << "'";
  }
  if (absl::AbsDuration(absl::FromUnixSeconds(seconds) - r.received_at) > absl::Minutes(1)) {
    return ::testing::AssertionFailure() << "X-VEU-Timestamp " << timestamp << " is not now";
  }
  const std::string expected = ReceiverSignature(secret, timestamp, r.body);
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return ::testing::AssertionFailure() << "X-VEU-Signature '" << signature << "', expected '"
                                         << expected << "' over " << timestamp << "." << r.body;
  }
  return ::testing::AssertionSuccess();
}

class WebhookIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The verifier's libcurl honours *_proxy variables (inherited from here); the receiver is
    // local, so keep any proxy out of it.
    ::setenv("no_proxy", "127.0.0.1,localhost", 1);
    ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    absl::StatusOr<std::unique_ptr<Deployment>> created = Deployment::Create();
    ASSERT_OK(created.status());
    d_ = *std::move(created);
    absl::StatusOr<std::string> random = crypto::RandomBytes(16);
    ASSERT_OK(random.status());
    secret_ = "whsec-" + ToHex(*random);
    secret_file_ = d_->dir() + "/webhook.secret";
    // With a trailing newline, as `echo` writes it: the key is the bytes without it.
    std::ofstream(secret_file_) << secret_ << "\n";
  }

  // Starts the verifier posting to `receiver`, then a node enrolling at site fra1.
  void StartWith(const TestHttpReceiver& receiver) {
    ASSERT_TRUE(receiver.ok());
    VerifierOptions options;
    options.extra_args = {"--webhook", receiver.Url("/hook"), "--webhook-secret", secret_file_};
    ASSERT_OK(d_->StartVerifier(options));
    ASSERT_OK(d_->AddSiteAndStartAgent("fra1"));
  }

  std::unique_ptr<Deployment> d_;
  std::string secret_;
  std::string secret_file_;
};

TEST_F(WebhookIntegrationTest, TheFirstVerdictChangeArrivesSignedAndNamesSiteAndAgent) {
  TestHttpReceiver receiver([](const ReceivedRequest&, size_t) { return 200; });
  StartWith(receiver);
  ASSERT_TRUE(receiver.WaitForRequests(1, absl::Seconds(30))) << d_->VerifierLog() << d_->AgentLog();
  const ReceivedRequest first = receiver.Requests().front();

  EXPECT_EQ(first.method, "POST");
  EXPECT_EQ(first.target, "/hook");
  EXPECT_THAT(first.Header("content-type"), HasSubstr("application/json"));
  EXPECT_TRUE(SignatureVerifies(first, secret_));
  // The check above is not vacuous: another key, or one changed byte of the body, fails it.
  EXPECT_FALSE(SignatureVerifies(first, secret_ + "\n"));
  ReceivedRequest altered = first;
  altered.body.back() = altered.body.back() == '}' ? ' ' : '}';
  EXPECT_FALSE(SignatureVerifies(altered, secret_));

  Delivery delivery;
  ASSERT_TRUE(ParseDelivery(first.body, &delivery));
  EXPECT_THAT(delivery.delivery_id, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(first.Header("x-veu-delivery"), delivery.delivery_id);
  absl::StatusOr<std::string> agent = d_->FirstAgentId();
  ASSERT_OK(agent.status());
  EXPECT_EQ(delivery.change.site(), "fra1");
  EXPECT_EQ(delivery.change.country(), "DE");
  EXPECT_EQ(delivery.change.organisation(), "Example AI");
  EXPECT_EQ(delivery.change.agent_id(), *agent);
  // The node's first appraisal: from no verdict to one.
  EXPECT_EQ(delivery.change.previous(), veu::v1::VERDICT_UNSPECIFIED);
  EXPECT_NE(delivery.change.verdict(), veu::v1::VERDICT_UNSPECIFIED);
  EXPECT_FALSE(delivery.change.appraisal_id().empty());
  // Within a few seconds of the appraisal that changed the verdict.
  const absl::Duration latency = first.received_at - FromProtoTime(delivery.change.at());
  EXPECT_LT(latency, absl::Seconds(5)) << "from appraisal to the receiver";
  EXPECT_GT(latency, absl::Seconds(-1));
}

TEST_F(WebhookIntegrationTest, ARefusedDeliveryIsRetriedWithTheSameDeliveryId) {
  // The endpoint fails the first attempt with a 500, then accepts.
  TestHttpReceiver receiver([](const ReceivedRequest&, size_t index) { return index == 0 ? 500 : 200; });
  StartWith(receiver);
  // The retry comes after the 1 s base backoff (+ up to 50 % jitter).
  ASSERT_TRUE(receiver.WaitForRequests(2, absl::Seconds(40))) << d_->VerifierLog() << d_->AgentLog();
  const std::vector<ReceivedRequest> requests = receiver.Requests();
  const ReceivedRequest& refused = requests[0];
  const ReceivedRequest& retry = requests[1];

  EXPECT_FALSE(refused.Header("x-veu-delivery").empty());
  EXPECT_EQ(retry.Header("x-veu-delivery"), refused.Header("x-veu-delivery"));
  EXPECT_EQ(retry.body, refused.body);  // the same change, byte for byte
  EXPECT_TRUE(SignatureVerifies(refused, secret_));
  EXPECT_TRUE(SignatureVerifies(retry, secret_));  // each attempt signs its own timestamp
  EXPECT_GE(retry.received_at - refused.received_at, absl::Milliseconds(900));
  Delivery delivery;
  ASSERT_TRUE(ParseDelivery(retry.body, &delivery));
  EXPECT_EQ(delivery.delivery_id, retry.Header("x-veu-delivery"));
  EXPECT_EQ(delivery.change.site(), "fra1");
}

TEST_F(WebhookIntegrationTest, TheVerifierLogNeverContainsTheSecret) {
  // A failing endpoint makes the verifier log the most about it: a 500, retries, then a final
  // 404; stopping the verifier logs what is abandoned.
  TestHttpReceiver receiver([](const ReceivedRequest&, size_t index) { return index == 0 ? 500 : 404; });
  StartWith(receiver);
  ASSERT_TRUE(receiver.WaitForRequests(2, absl::Seconds(40))) << d_->VerifierLog() << d_->AgentLog();
  absl::SleepFor(absl::Milliseconds(500));  // the final 404 is logged after it arrives
  d_->StopAgent();
  d_->StopVerifier();
  const std::string log = d_->VerifierLog();
  // The log does talk about the webhook (so this looks at the right output)...
  EXPECT_THAT(log, HasSubstr(absl::StrCat("127.0.0.1:", receiver.port())));
  // ...but never its secret, nor a signature made with it.
  EXPECT_THAT(log, Not(HasSubstr(secret_)));
  for (const ReceivedRequest& r : receiver.Requests()) {
    const std::string signature = r.Header("x-veu-signature");
    ASSERT_FALSE(signature.empty());
    EXPECT_THAT(log, Not(HasSubstr(signature.substr(7))));  // after "sha256="
  }
}

}  // namespace
}  // namespace veu::testing
