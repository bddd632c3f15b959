// The pure pieces of a webhook delivery: backoff schedule, signature, JSON body, config checks.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "common/proto_time.h"
#include "tests/support/status_matchers.h"
#include "verifier/notify/backoff.h"
#include "verifier/notify/webhook_config.h"
#include "verifier/notify/webhook_payload.h"
#include "verifier/notify/webhook_signature.h"

namespace veu::verifier::notify {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::veu::testing::IsOk;
using ::veu::testing::StatusIs;

TEST(BackoffTest, DoublesFromTheBaseUpToTheCap) {
  BackoffPolicy p{absl::Seconds(1), absl::Seconds(10)};
  EXPECT_EQ(BackoffDelay(p, 1, 0.0), absl::Seconds(1));
  EXPECT_EQ(BackoffDelay(p, 2, 0.0), absl::Seconds(2));
  EXPECT_EQ(BackoffDelay(p, 3, 0.0), absl::Seconds(4));
  EXPECT_EQ(BackoffDelay(p, 4, 0.0), absl::Seconds(8));
  EXPECT_EQ(BackoffDelay(p, 5, 0.0), absl::Seconds(10));
  EXPECT_EQ(BackoffDelay(p, 1000, 0.0), absl::Seconds(10));  // no overflow for absurd counts
}

TEST(BackoffTest, JitterAddsUpToHalfTheNominalWait) {
  BackoffPolicy p{absl::Seconds(1), absl::Seconds(60)};
  EXPECT_EQ(BackoffDelay(p, 3, 1.0), absl::Seconds(6));
  EXPECT_EQ(BackoffDelay(p, 3, 0.5), absl::Seconds(5));
  EXPECT_EQ(BackoffDelay(p, 3, 7.0), absl::Seconds(6));   // clamped
  EXPECT_EQ(BackoffDelay(p, 3, -1.0), absl::Seconds(4));  // clamped
  for (int i = 0; i < 100; ++i) {
    const absl::Duration d = BackoffDelayWithRandomJitter(p, 2);
    EXPECT_GE(d, absl::Seconds(2));
    EXPECT_LE(d, absl::Seconds(3));
  }
}

TEST(WebhookSignatureTest, IsHmacSha256OfTimestampDotBody) {
  // Expected value computed independently: python3 hmac.new(b"Jefe",
  // b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
  EXPECT_EQ(WebhookSignature("Jefe", 1700000000, R"({"a":1})"),
            "sha256=fa5f6481efc59da48b19c9dc10196c9953e5651f8304b3a318b6b87d70272e0a");
}

TEST(WebhookSignatureTest, ChangesWithEveryInput) {
  const std::string base = WebhookSignature("k", 1, "body");
  EXPECT_NE(WebhookSignature("K", 1, "body"), base);
  EXPECT_NE(WebhookSignature("k", 2, "body"), base);
  EXPECT_NE(WebhookSignature("k", 1, "bodY"), base);
}

veu::v1::VerdictChange SampleChange() {
  veu::v1::VerdictChange c;
  c.set_site("fra-1");
  c.set_organisation("Example DC GmbH");
  c.set_country("DE");
  c.set_agent_id("ab12cd34");
  c.set_previous(veu::v1::VERDICT_ACCEPT);
  c.set_verdict(veu::v1::VERDICT_REJECT);
  c.set_site_verdict(veu::v1::VERDICT_REJECT);
  *c.mutable_at() = ToProtoTime(absl::FromUnixSeconds(1764000000) + absl::Milliseconds(250));
  c.set_appraisal_id("appr-7");
  c.add_failed("secure_boot");
  c.add_failed("pcr7 \"quoted\"");
  return c;
}

TEST(WebhookPayloadTest, BodyCarriesTheDeliveryIdAndTheChangeInProto3Json) {
  const auto change = SampleChange();
  auto body = WebhookPayload(change, "0123abcd");
  ASSERT_THAT(body, IsOk());
  EXPECT_THAT(*body, HasSubstr(R"("site_verdict":"VERDICT_REJECT")"));  // .proto names, enum names
  EXPECT_THAT(*body, HasSubstr(R"("at":"2025-11-24T16:00:00.250Z")"));

  google::protobuf::Struct envelope;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*body, &envelope).ok());
  EXPECT_EQ(envelope.fields().at("delivery_id").string_value(), "0123abcd");
  std::string change_json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(
                  envelope.fields().at("verdict_change"), &change_json).ok());
  veu::v1::VerdictChange parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(change_json, &parsed).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, change))
      << parsed.DebugString();
}

TEST(WebhookPayloadTest, FieldsAtTheirDefaultsAreStillPresent) {
  veu::v1::VerdictChange c;
  c.set_site("s");
  auto body = WebhookPayload(c, "id");
  ASSERT_THAT(body, IsOk());
  EXPECT_THAT(*body, HasSubstr(R"("previous":"VERDICT_UNSPECIFIED")"));
  EXPECT_THAT(*body, HasSubstr(R"("failed":[])"));
}

TEST(WebhookPayloadTest, RejectsADeliveryIdThatWouldBreakTheJson) {
  EXPECT_THAT(WebhookPayload(SampleChange(), "a\",\"x"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(WebhookPayloadTest, DeliveryIdsAreFreshHex) {
  auto a = NewDeliveryId();
  auto b = NewDeliveryId();
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_THAT(*a, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_NE(*a, *b);
}

std::string WriteTemp(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(WebhookConfigTest, SecretLosesItsTrailingNewlineOnly) {
  EXPECT_THAT(ReadWebhookSecret(WriteTemp("s1", "  key with spaces\n")),
              ::veu::testing::IsOkAndHolds(std::string("  key with spaces")));
  EXPECT_THAT(ReadWebhookSecret(WriteTemp("s2", "key\r\n")),
              ::veu::testing::IsOkAndHolds(std::string("key")));
  EXPECT_THAT(ReadWebhookSecret(WriteTemp("s3", "key")),
              ::veu::testing::IsOkAndHolds(std::string("key")));
}

TEST(WebhookConfigTest, EmptyOrMissingSecretIsAnErrorNamingTheFile) {
  const std::string empty = WriteTemp("empty", "\n");
  EXPECT_THAT(ReadWebhookSecret(empty),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(empty)));
  EXPECT_THAT(ReadWebhookSecret("/nonexistent/veu-secret"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/veu-secret")));
  EXPECT_THAT(ReadWebhookSecret(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(WebhookConfigTest, EndpointForLogsKeepsOnlySchemeHostAndPort) {
  EXPECT_THAT(WebhookEndpoint("https://user:pw@hooks.example.com:8443/T0/secret-token?k=v#f"),
              ::veu::testing::IsOkAndHolds(std::string("https://hooks.example.com:8443")));
  EXPECT_THAT(WebhookEndpoint("http://127.0.0.1:9/x"),
              ::veu::testing::IsOkAndHolds(std::string("http://127.0.0.1:9")));
  EXPECT_THAT(WebhookEndpoint("HTTPS://Example.com"),
              ::veu::testing::IsOkAndHolds(std::string("https://Example.com")));
  EXPECT_THAT(WebhookEndpoint("ftp://example.com/"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WebhookEndpoint("https:///path"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WebhookEndpoint("https://"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WebhookEndpoint("example.com"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(WebhookConfigTest, ResolveAppliesDefaultsAndNeverPutsTheSecretInErrors) {
  veu::v1::WebhookConfig config;
  config.set_url("https://hooks.example.com/veu");
  config.set_secret_file(WriteTemp("s4", "topsecret\n"));
  config.add_sites("fra-1");
  auto hook = ResolveWebhook(config);
  ASSERT_THAT(hook, IsOk());
  EXPECT_EQ(hook->secret, "topsecret");
  EXPECT_EQ(hook->max_attempts, 6u);
  EXPECT_TRUE(hook->sites.contains("fra-1"));
  EXPECT_EQ(hook->endpoint, "https://hooks.example.com");

  config.set_max_attempts(2);
  ASSERT_THAT(ResolveWebhook(config), IsOk());
  EXPECT_EQ(ResolveWebhook(config)->max_attempts, 2u);

  // An internal PKI's CA for the endpoint: used when readable, refused at start when not.
  EXPECT_TRUE(ResolveWebhook(config)->ca_file.empty());
  const std::string ca = WriteTemp("ca", "-----BEGIN CERTIFICATE-----\n");
  config.set_ca_file(ca);
  EXPECT_EQ(ResolveWebhook(config)->ca_file, ca);
  config.set_ca_file(ca + ".missing");
  EXPECT_THAT(ResolveWebhook(config),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CA file")));
  config.clear_ca_file();

  config.set_url("gopher://hooks.example.com");
  EXPECT_THAT(ResolveWebhook(config),
              StatusIs(absl::StatusCode::kInvalidArgument, Not(HasSubstr("topsecret"))));
}

}  // namespace
}  // namespace veu::verifier::notify
