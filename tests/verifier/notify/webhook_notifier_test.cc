// WebhookNotifier against a real HTTP receiver on 127.0.0.1: what a receiving operator can rely
// on (signed JSON, prompt delivery, retries, giving up, site filter, bounded shutdown).
#include "verifier/notify/webhook_notifier.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/hex.h"
#include "common/proto_time.h"
#include "tests/support/status_matchers.h"
#include "tests/verifier/notify/test_http_receiver.h"
#include "tests/verifier/notify/webhook_receiving.h"

namespace veu::verifier::notify {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::veu::testing::IsOk;
using ::veu::testing::StatusIs;
using testing::TestHttpReceiver;

constexpr char kSecret[] = "whsec-test-0123456789";

// The signature a receiver computes (webhook_receiving.h), with this test's secret by default.
std::string ExpectedSignature(const std::string& timestamp, const std::string& body,
                              const std::string& key = kSecret) {
  return testing::ReceiverSignature(key, timestamp, body);
}

veu::v1::VerdictChange Change(const std::string& site, const std::string& agent) {
  veu::v1::VerdictChange c;
  c.set_site(site);
  c.set_organisation("Example DC GmbH");
  c.set_country("DE");
  c.set_agent_id(agent);
  c.set_previous(veu::v1::VERDICT_ACCEPT);
  c.set_verdict(veu::v1::VERDICT_REJECT);
  c.set_site_verdict(veu::v1::VERDICT_WARN);
  *c.mutable_at() = ToProtoTime(absl::FromUnixSeconds(1764000000));
  c.set_appraisal_id("appr-1");
  c.add_failed("secure_boot");
  return c;
}

using Parsed = testing::Delivery;
constexpr auto ParseBody = testing::ParseDelivery;

class WebhookNotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // libcurl honours *_proxy variables; the receiver is local, so keep any proxy out of it.
    ::setenv("no_proxy", "127.0.0.1,localhost", 1);
    ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  }

  veu::v1::WebhookConfig Hook(const std::string& url, uint32_t max_attempts = 0) {
    veu::v1::WebhookConfig c;
    c.set_url(url);
    c.set_secret_file(secret_file_);
    c.set_max_attempts(max_attempts);
    return c;
  }

  std::unique_ptr<WebhookNotifier> Start(std::initializer_list<veu::v1::WebhookConfig> hooks,
                                         WebhookNotifierOptions options = FastOptions()) {
    google::protobuf::RepeatedPtrField<veu::v1::WebhookConfig> configs;
    for (const auto& h : hooks) *configs.Add() = h;
    auto n = WebhookNotifier::Start(bus_, configs, options);
    EXPECT_THAT(n, IsOk());
    return n.ok() ? *std::move(n) : nullptr;
  }

  static WebhookNotifierOptions FastOptions() {
    WebhookNotifierOptions o;
    o.backoff.base = absl::Milliseconds(20);
    o.backoff.cap = absl::Milliseconds(200);
    o.attempt_timeout = absl::Seconds(2);
    return o;
  }

  // Waits until `pred()` holds or 5 s pass (counters settle just after the last response).
  template <typename Pred>
  static bool Eventually(Pred pred) {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (!pred()) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return true;
  }

  std::string secret_file_ = [] {
    const std::string path = ::testing::TempDir() + "/webhook-secret";
    std::ofstream(path, std::ios::binary) << kSecret << "\n";
    return path;
  }();
  VerdictBus bus_;
};

TEST_F(WebhookNotifierTest, PostsSignedJsonOfTheChangeWithinTwoSeconds) {
  TestHttpReceiver receiver([](const auto&, size_t) { return 200; });
  ASSERT_TRUE(receiver.ok());
  auto notifier = Start({Hook(receiver.Url("/veu/hook"))});
  ASSERT_NE(notifier, nullptr);

  const auto change = Change("fra-1", "agent-1");
  const absl::Time published = absl::Now();
  bus_.Publish(change);
  ASSERT_TRUE(receiver.WaitForRequests(1, absl::Seconds(2)));
  const auto req = receiver.Requests().at(0);
  EXPECT_LT(req.received_at - published, absl::Seconds(2));

  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/veu/hook");
  EXPECT_EQ(req.Header("content-type"), "application/json");
  Parsed parsed;
  ASSERT_TRUE(ParseBody(req.body, &parsed));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed.change, change))
      << parsed.change.DebugString();
  EXPECT_THAT(parsed.delivery_id, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(req.Header("x-veu-delivery"), parsed.delivery_id);

  const std::string ts = req.Header("x-veu-timestamp");
  int64_t ts_seconds = 0;
  ASSERT_TRUE(absl::SimpleAtoi(ts, &ts_seconds)) << ts;
  EXPECT_LE(std::abs(ts_seconds - absl::ToUnixSeconds(absl::Now())), 5);
  EXPECT_EQ(req.Header("x-veu-signature"), ExpectedSignature(ts, req.body));

  ASSERT_TRUE(Eventually([&] { return notifier->total().delivered == 1; }));
  const WebhookCounters c = notifier->counters(0);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(c.attempts, 1u);
}

TEST_F(WebhookNotifierTest, TheSignatureBindsSecretTimestampAndBody) {
  // Guards the check above: a receiver's verification fails if any of the three differ.
  TestHttpReceiver receiver([](const auto&, size_t) { return 204; });
  ASSERT_TRUE(receiver.ok());
  auto notifier = Start({Hook(receiver.Url())});
  bus_.Publish(Change("fra-1", "agent-1"));
  ASSERT_TRUE(receiver.WaitForRequests(1, absl::Seconds(2)));
  const auto req = receiver.Requests().at(0);
  const std::string ts = req.Header("x-veu-timestamp");
  EXPECT_EQ(req.Header("x-veu-signature"), ExpectedSignature(ts, req.body));
  EXPECT_NE(req.Header("x-veu-signature"), ExpectedSignature(ts, req.body, "another-secret"));
  EXPECT_NE(req.Header("x-veu-signature"), ExpectedSignature(ts, req.body + " "));
  EXPECT_NE(req.Header("x-veu-signature"), ExpectedSignature(absl::StrCat(std::stoll(ts) + 1), req.body));
}

TEST_F(WebhookNotifierTest, RetriesAfterA500WithTheSameDeliveryIdThenSucceeds) {
  TestHttpReceiver receiver([](const auto&, size_t i) { return i == 0 ? 500 : 200; });
  ASSERT_TRUE(receiver.ok());
  auto notifier = Start({Hook(receiver.Url())});
  bus_.Publish(Change("fra-1", "agent-1"));
  ASSERT_TRUE(receiver.WaitForRequests(2, absl::Seconds(5)));
  ASSERT_TRUE(Eventually([&] { return notifier->total().delivered == 1; }));
  const auto reqs = receiver.Requests();
  EXPECT_EQ(reqs[0].Header("x-veu-delivery"), reqs[1].Header("x-veu-delivery"));
  EXPECT_EQ(reqs[0].body, reqs[1].body);
  // Every attempt is signed for its own timestamp.
  EXPECT_EQ(reqs[1].Header("x-veu-signature"),
            ExpectedSignature(reqs[1].Header("x-veu-timestamp"), reqs[1].body));
  EXPECT_GE(reqs[1].received_at - reqs[0].received_at, absl::Milliseconds(20));  // backed off
  const WebhookCounters c = notifier->counters(0);
  EXPECT_EQ(c.attempts, 2u);
  EXPECT_EQ(c.failed, 0u);
}

TEST_F(WebhookNotifierTest, RetriesOn429) {
  TestHttpReceiver receiver([](const auto&, size_t i) { return i < 2 ? 429 : 202; });
  ASSERT_TRUE(receiver.ok());
  auto notifier = Start({Hook(receiver.Url())});
  bus_.Publish(Change("fra-1", "agent-1"));
  ASSERT_TRUE(Eventually([&] { return notifier->total().delivered == 1; }));
  EXPECT_EQ(receiver.Requests().size(), 3u);
}

TEST_F(WebhookNotifierTest, BackoffDoublesBetweenAttempts) {
  TestHttpReceiver receiver([](const auto&, size_t) { return 503; });
  ASSERT_TRUE(receiver.ok());
  WebhookNotifierOptions o = FastOptions();
  o.backoff.base = absl::Milliseconds(100);
  o.backoff.cap = absl::Seconds(10);
  auto notifier = Start({Hook(receiver.Url(), 3)}, o);
  bus_.Publish(Change("fra-1", "agent-1"));
  ASSERT_TRUE(receiver.WaitForRequests(3, absl::Seconds(5)));
  const auto r = receiver.Requests();
  EXPECT_GE(r[1].received_at - r[0].received_at, absl::Milliseconds(100));
  EXPECT_GE(r[2].received_at - r[1].received_at, absl::Milliseconds(200));
}

TEST_F(WebhookNotifierTest, GivesUpAfterMaxAttempts) {
  TestHttpReceiver receiver([](const auto&, size_t) { return 503; });
  ASSERT_TRUE(receiver.ok());
  auto notifier = Start({Hook(receiver.Url(), /*max_attempts=*/3)});
  bus_.Publish(Change("fra-1", "agent-1"));
  ASSERT_TRUE(Eventually([&] { return notifier->total().failed == 1; }));
  absl::SleepFor(absl::Milliseconds(300));  // longer than any further backoff would be
  EXPECT_EQ(receiver.Requests().size(), 3u);
  const WebhookCounters c = notifier->counters(0);
  EXPECT_EQ(c.attempts, 3u);
  EXPECT_EQ(c.delivered, 0u);
}

TEST_F(WebhookNotifierTest, DefaultsToSixAttempts) {
  TestHttpReceiver receiver([](const auto&, size_t) { return 502; });
  ASSERT_TRUE(receiver.ok());
  WebhookNotifierOptions o = FastOptions();
  o.backoff.base = absl::Milliseconds(5);
  o.backoff.cap = absl::Milliseconds(20);
  auto notifier = Start({Hook(receiver.Url())}, o);
  bus_.Publish(Change("fra-1", "agent-1"));
  ASSERT_TRUE(Eventually([&] { return notifier->total().failed == 1; }));
  EXPECT_EQ(receiver.Requests().size(), 6u);
}

TEST_F(WebhookNotifierTest, DoesNotRetryA400) {
  TestHttpReceiver receiver([](const auto&, size_t) { return 400; });
  ASSERT_TRUE(receiver.ok());
  auto notifier = Start({Hook(receiver.Url(), 5)});
  bus_.Publish(Change("fra-1", "agent-1"));
  ASSERT_TRUE(Eventually([&] { return notifier->total().failed == 1; }));
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(receiver.Requests().size(), 1u);
  EXPECT_EQ(notifier->counters(0).attempts, 1u);
}

TEST_F(WebhookNotifierTest, RetriesWhenTheConnectionIsRefused) {
  auto notifier =
      Start({Hook(absl::StrCat("http://127.0.0.1:", testing::UnusedLocalPort(), "/"), 2)});
  bus_.Publish(Change("fra-1", "agent-1"));
  ASSERT_TRUE(Eventually([&] { return notifier->total().failed == 1; }));
  EXPECT_EQ(notifier->counters(0).attempts, 2u);
  EXPECT_EQ(notifier->counters(0).delivered, 0u);
}

TEST_F(WebhookNotifierTest, SendsOnlyTheConfiguredSites) {
  TestHttpReceiver fra_only([](const auto&, size_t) { return 200; });
  TestHttpReceiver every_site([](const auto&, size_t) { return 200; });
  ASSERT_TRUE(fra_only.ok());
  ASSERT_TRUE(every_site.ok());
  auto fra = Hook(fra_only.Url());
  fra.add_sites("fra-1");
  auto notifier = Start({fra, Hook(every_site.Url())});
  bus_.Publish(Change("ams-2", "agent-a"));
  bus_.Publish(Change("fra-1", "agent-f"));
  bus_.Publish(Change("ams-2", "agent-b"));
  ASSERT_TRUE(every_site.WaitForRequests(3, absl::Seconds(5)));
  ASSERT_TRUE(Eventually([&] { return notifier->total().delivered == 4; }));

  ASSERT_EQ(fra_only.Requests().size(), 1u);
  Parsed parsed;
  ASSERT_TRUE(ParseBody(fra_only.Requests()[0].body, &parsed));
  EXPECT_EQ(parsed.change.site(), "fra-1");
  EXPECT_EQ(notifier->counters(0).delivered, 1u);
  EXPECT_EQ(notifier->counters(1).delivered, 3u);
  // The all-sites webhook got them in publish order.
  std::vector<std::string> order;
  for (const auto& r : every_site.Requests()) {
    ASSERT_TRUE(ParseBody(r.body, &parsed));
    order.push_back(parsed.change.agent_id());
  }
  EXPECT_THAT(order, ::testing::ElementsAre("agent-a", "agent-f", "agent-b"));
}

TEST_F(WebhookNotifierTest, AFailingWebhookDoesNotDelayAnother) {
  TestHttpReceiver down([](const auto&, size_t) { return 503; });
  TestHttpReceiver up([](const auto&, size_t) { return 200; });
  ASSERT_TRUE(down.ok());
  ASSERT_TRUE(up.ok());
  WebhookNotifierOptions o = FastOptions();
  o.backoff.base = absl::Seconds(30);  // the failing one sits in a long backoff
  o.drain_timeout = absl::Milliseconds(100);
  auto notifier = Start({Hook(down.Url()), Hook(up.Url())}, o);
  bus_.Publish(Change("fra-1", "agent-1"));
  ASSERT_TRUE(down.WaitForRequests(1, absl::Seconds(2)));
  bus_.Publish(Change("fra-1", "agent-2"));
  EXPECT_TRUE(up.WaitForRequests(2, absl::Seconds(2)));
}

TEST_F(WebhookNotifierTest, ShutdownDeliversWhatIsQueued) {
  TestHttpReceiver receiver([](const auto&, size_t) { return 200; });
  ASSERT_TRUE(receiver.ok());
  auto notifier = Start({Hook(receiver.Url())});
  for (int i = 0; i < 3; ++i) bus_.Publish(Change("fra-1", absl::StrCat("agent-", i)));
  notifier->Shutdown();
  EXPECT_EQ(receiver.Requests().size(), 3u);
  EXPECT_EQ(notifier->total().delivered, 3u);
  bus_.Publish(Change("fra-1", "after-shutdown"));
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(receiver.Requests().size(), 3u);
}

TEST_F(WebhookNotifierTest, ShutdownAbandonsALongRetryWithinBoundedTime) {
  TestHttpReceiver receiver([](const auto&, size_t) { return 503; });
  ASSERT_TRUE(receiver.ok());
  WebhookNotifierOptions o = FastOptions();
  o.backoff.base = absl::Seconds(60);
  o.backoff.cap = absl::Seconds(60);
  o.drain_timeout = absl::Milliseconds(200);
  auto notifier = Start({Hook(receiver.Url())}, o);
  bus_.Publish(Change("fra-1", "agent-1"));
  bus_.Publish(Change("fra-1", "agent-2"));  // still queued behind the retrying one
  ASSERT_TRUE(receiver.WaitForRequests(1, absl::Seconds(2)));
  const absl::Time start = absl::Now();
  notifier->Shutdown();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  const WebhookCounters c = notifier->total();
  EXPECT_EQ(c.failed, 2u);  // the retrying change and the queued one
  EXPECT_EQ(c.delivered, 0u);
  EXPECT_EQ(receiver.Requests().size(), 1u);
}

TEST_F(WebhookNotifierTest, ShutdownCutsARequestTheReceiverNeverAnswers) {
  // A receiver that reads the request and holds it without answering: the POST hangs until cut.
  absl::Notification in_flight;
  absl::Notification never;
  TestHttpReceiver slow([&](const auto&, size_t) {
    in_flight.Notify();
    never.WaitForNotificationWithTimeout(absl::Seconds(10));
    return 200;
  });
  ASSERT_TRUE(slow.ok());
  WebhookNotifierOptions o = FastOptions();
  o.attempt_timeout = absl::Seconds(30);
  o.drain_timeout = absl::Milliseconds(100);
  auto notifier = Start({Hook(slow.Url())}, o);
  bus_.Publish(Change("fra-1", "agent-1"));
  ASSERT_TRUE(in_flight.WaitForNotificationWithTimeout(absl::Seconds(5)));
  const absl::Time start = absl::Now();
  notifier->Shutdown();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(notifier->total().failed, 1u);
  never.Notify();
}

TEST_F(WebhookNotifierTest, CountsChangesDroppedWhileTheWebhookWasBehind) {
  absl::Notification first_in_flight;
  absl::Notification release;
  TestHttpReceiver blocked([&](const auto&, size_t index) {
    if (index == 0) first_in_flight.Notify();
    release.WaitForNotificationWithTimeout(absl::Seconds(10));
    return 200;
  });
  ASSERT_TRUE(blocked.ok());
  VerdictBus small_bus(/*queue_capacity=*/2);
  google::protobuf::RepeatedPtrField<veu::v1::WebhookConfig> configs;
  *configs.Add() = Hook(blocked.Url());
  auto notifier = WebhookNotifier::Start(small_bus, configs, FastOptions());
  ASSERT_THAT(notifier, IsOk());
  small_bus.Publish(Change("fra-1", "first"));
  // The worker took "first" off its queue and is stuck delivering it.
  ASSERT_TRUE(first_in_flight.WaitForNotificationWithTimeout(absl::Seconds(5)));
  for (int i = 0; i < 5; ++i) small_bus.Publish(Change("fra-1", absl::StrCat("queued-", i)));
  EXPECT_EQ((*notifier)->counters(0).dropped, 3u);  // 5 queued into room for 2
  release.Notify();
  ASSERT_TRUE(Eventually([&] { return (*notifier)->total().delivered == 3; }));
}

// Issue 10: with replicas the shared webhook cursor may move only past settled changes, so a
// lease holder that dies with changes queued or being retried leaves them to its successor.
veu::v1::VerdictChange At(veu::v1::VerdictChange change, int64_t feed_position) {
  change.set_feed_position(feed_position);
  return change;
}

TEST_F(WebhookNotifierTest, AChangeIsUnsettledUntilDeliveredAndTheOldestIsReported) {
  TestHttpReceiver receiver([](const auto&, size_t i) { return i < 2 ? 503 : 200; });
  ASSERT_TRUE(receiver.ok());
  auto notifier = Start({Hook(receiver.Url())});
  EXPECT_EQ(notifier->OldestUnsettled(), std::nullopt);
  bus_.Publish(At(Change("fra-1", "agent-1"), 7));
  bus_.Publish(At(Change("fra-1", "agent-2"), 8));
  EXPECT_EQ(notifier->OldestUnsettled(), 7) << "known as soon as Publish returns";
  ASSERT_TRUE(receiver.WaitForRequests(1, absl::Seconds(5)));
  EXPECT_EQ(notifier->OldestUnsettled(), 7) << "being retried is not settled";
  ASSERT_TRUE(Eventually([&] { return notifier->total().delivered == 2; }));
  EXPECT_EQ(notifier->OldestUnsettled(), std::nullopt);
}

TEST_F(WebhookNotifierTest, GivingUpForGoodSettlesButAbandoningAtShutdownDoesNot) {
  TestHttpReceiver refusing([](const auto&, size_t) { return 400; });
  ASSERT_TRUE(refusing.ok());
  auto final_refusal = Start({Hook(refusing.Url())});
  bus_.Publish(At(Change("fra-1", "agent-1"), 3));
  ASSERT_TRUE(Eventually([&] { return final_refusal->total().failed == 1; }));
  EXPECT_EQ(final_refusal->OldestUnsettled(), std::nullopt) << "a successor would fare no better";
  final_refusal->Shutdown();

  TestHttpReceiver unavailable([](const auto&, size_t) { return 503; });
  ASSERT_TRUE(unavailable.ok());
  WebhookNotifierOptions o = FastOptions();
  o.backoff.base = absl::Seconds(60);
  o.backoff.cap = absl::Seconds(60);
  o.drain_timeout = absl::Milliseconds(100);
  VerdictBus other;
  google::protobuf::RepeatedPtrField<veu::v1::WebhookConfig> configs;
  *configs.Add() = Hook(unavailable.Url());
  auto retrying = WebhookNotifier::Start(other, configs, o);
  ASSERT_TRUE(retrying.ok());
  other.Publish(At(Change("fra-1", "agent-1"), 5));
  other.Publish(At(Change("fra-1", "agent-2"), 6));
  ASSERT_TRUE(unavailable.WaitForRequests(1, absl::Seconds(2)));
  (*retrying)->Shutdown();
  EXPECT_EQ((*retrying)->total().failed, 2u);
  EXPECT_EQ((*retrying)->OldestUnsettled(), 5) << "abandoned changes are left to a successor";
}

TEST_F(WebhookNotifierTest, ChangesOfOtherSitesAndWithoutAPositionAreNeverWaitedFor) {
  TestHttpReceiver receiver([](const auto&, size_t) { return 503; });
  ASSERT_TRUE(receiver.ok());
  veu::v1::WebhookConfig hook = Hook(receiver.Url());
  hook.add_sites("muc-1");
  auto notifier = Start({hook});
  bus_.Publish(At(Change("fra-1", "agent-1"), 4));  // not this webhook's site
  bus_.Publish(Change("muc-1", "agent-2"));          // a single verifier: no feed position
  ASSERT_TRUE(receiver.WaitForRequests(1, absl::Seconds(5)));
  EXPECT_EQ(notifier->OldestUnsettled(), std::nullopt);
}

TEST_F(WebhookNotifierTest, StartRejectsABadConfigNamingIt) {
  google::protobuf::RepeatedPtrField<veu::v1::WebhookConfig> configs;
  *configs.Add() = Hook("https://ok.example.com/");
  auto no_secret = Hook("https://hooks.example.com/path/token123");
  no_secret.set_secret_file(::testing::TempDir() + "/does-not-exist");
  *configs.Add() = no_secret;
  EXPECT_THAT(WebhookNotifier::Start(bus_, configs),
              StatusIs(absl::StatusCode::kNotFound,
                       ::testing::AllOf(HasSubstr("webhooks[1]"), HasSubstr("https://hooks.example.com"),
                                        ::testing::Not(HasSubstr("token123")))));
  EXPECT_EQ(bus_.subscriber_count(), 0u);

  configs.Mutable(1)->set_secret_file(secret_file_);
  configs.Mutable(1)->set_url("hooks.example.com");
  EXPECT_THAT(WebhookNotifier::Start(bus_, configs), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(WebhookNotifierTest, NoWebhooksIsFine) {
  google::protobuf::RepeatedPtrField<veu::v1::WebhookConfig> none;
  auto notifier = WebhookNotifier::Start(bus_, none);
  ASSERT_THAT(notifier, IsOk());
  EXPECT_EQ((*notifier)->webhook_count(), 0u);
  bus_.Publish(Change("fra-1", "agent-1"));
  EXPECT_EQ((*notifier)->total().attempts, 0u);
}

}  // namespace
}  // namespace veu::verifier::notify
