// VerdictBus: what the appraisal path publishes reaches each subscriber in order, filtered,
// without ever waiting for a slow subscriber.
#include "verifier/notify/verdict_bus.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace veu::verifier::notify {
namespace {

using ::testing::ElementsAre;

veu::v1::VerdictChange Change(const std::string& site, const std::string& agent) {
  veu::v1::VerdictChange c;
  c.set_site(site);
  c.set_agent_id(agent);
  c.set_verdict(veu::v1::VERDICT_REJECT);
  return c;
}

// Everything queued now, by agent id (polling: never waits).
std::vector<std::string> Drain(Subscription& sub) {
  std::vector<std::string> out;
  veu::v1::VerdictChange c;
  while (sub.Next(&c, absl::InfinitePast())) out.push_back(c.agent_id());
  return out;
}

TEST(VerdictBusTest, SubscriberReceivesChangesInPublishOrder) {
  VerdictBus bus;
  auto sub = bus.Subscribe(nullptr);
  for (const char* a : {"a1", "a2", "a3", "a4"}) bus.Publish(Change("s", a));
  EXPECT_THAT(Drain(*sub), ElementsAre("a1", "a2", "a3", "a4"));
}

TEST(VerdictBusTest, EverySubscriberGetsItsOwnCopy) {
  VerdictBus bus;
  auto first = bus.Subscribe(nullptr);
  auto second = bus.Subscribe(nullptr);
  bus.Publish(Change("s", "a1"));
  EXPECT_THAT(Drain(*first), ElementsAre("a1"));
  EXPECT_THAT(Drain(*second), ElementsAre("a1"));
}

TEST(VerdictBusTest, FilterSelectsWhatASubscriberSees) {
  VerdictBus bus;
  auto rejects_only = bus.Subscribe([](const veu::v1::VerdictChange& c) {
    return c.verdict() == veu::v1::VERDICT_REJECT;
  });
  auto accept = Change("s", "ok-node");
  accept.set_verdict(veu::v1::VERDICT_ACCEPT);
  bus.Publish(accept);
  bus.Publish(Change("s", "bad-node"));
  EXPECT_THAT(Drain(*rejects_only), ElementsAre("bad-node"));
}

TEST(VerdictBusTest, SiteSubscriptionSeesOnlyThoseSites) {
  VerdictBus bus;
  auto ab = bus.SubscribeToSites({"site-a", "site-b"});
  auto all = bus.SubscribeToSites({});
  bus.Publish(Change("site-a", "a1"));
  bus.Publish(Change("site-c", "c1"));
  bus.Publish(Change("site-b", "b1"));
  EXPECT_THAT(Drain(*ab), ElementsAre("a1", "b1"));
  EXPECT_THAT(Drain(*all), ElementsAre("a1", "c1", "b1"));
}

TEST(VerdictBusTest, OverflowDropsTheOldestAndCountsThem) {
  VerdictBus bus(/*queue_capacity=*/3);
  auto sub = bus.Subscribe(nullptr);
  for (const char* a : {"a1", "a2", "a3", "a4", "a5"}) bus.Publish(Change("s", a));
  EXPECT_EQ(sub->dropped(), 2u);
  EXPECT_EQ(sub->queued(), 3u);
  EXPECT_THAT(Drain(*sub), ElementsAre("a3", "a4", "a5"));
  bus.Publish(Change("s", "a6"));
  EXPECT_THAT(Drain(*sub), ElementsAre("a6"));
  EXPECT_EQ(sub->dropped(), 2u);  // nothing more lost once the reader kept up
}

TEST(VerdictBusTest, ASlowSubscriberDoesNotCostAnotherItsChanges) {
  VerdictBus bus(/*queue_capacity=*/2);
  auto slow = bus.Subscribe(nullptr);
  auto fast = bus.Subscribe(nullptr);
  std::vector<std::string> fast_seen;
  for (const char* a : {"a1", "a2", "a3", "a4"}) {
    bus.Publish(Change("s", a));
    for (const auto& id : Drain(*fast)) fast_seen.push_back(id);
  }
  EXPECT_THAT(fast_seen, ElementsAre("a1", "a2", "a3", "a4"));
  EXPECT_EQ(fast->dropped(), 0u);
  EXPECT_EQ(slow->dropped(), 2u);
}

TEST(VerdictBusTest, PublishWithAReaderThatNeverReadsCompletesPromptly) {
  VerdictBus bus(/*queue_capacity=*/4);
  auto never_read = bus.Subscribe(nullptr);
  const absl::Time start = absl::Now();
  for (int i = 0; i < 10000; ++i) bus.Publish(Change("s", "a"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(never_read->dropped(), 9996u);
  EXPECT_EQ(never_read->queued(), 4u);
}

TEST(VerdictBusTest, DestroyingASubscriptionUnsubscribes) {
  VerdictBus bus;
  auto kept = bus.Subscribe(nullptr);
  {
    auto gone = bus.Subscribe(nullptr);
    EXPECT_EQ(bus.subscriber_count(), 2u);
  }
  EXPECT_EQ(bus.subscriber_count(), 1u);
  bus.Publish(Change("s", "a1"));
  EXPECT_THAT(Drain(*kept), ElementsAre("a1"));
}

TEST(VerdictBusTest, NextReturnsFalseAtTheDeadlineWhenNothingArrives) {
  VerdictBus bus;
  auto sub = bus.Subscribe(nullptr);
  veu::v1::VerdictChange out;
  out.set_site("untouched");
  const absl::Time start = absl::Now();
  EXPECT_FALSE(sub->Next(&out, start + absl::Milliseconds(100)));
  const absl::Duration waited = absl::Now() - start;
  EXPECT_GE(waited, absl::Milliseconds(95));
  EXPECT_LT(waited, absl::Seconds(5));
  EXPECT_EQ(out.site(), "untouched");
}

TEST(VerdictBusTest, NextWakesWhenAChangeIsPublishedFromAnotherThread) {
  VerdictBus bus;
  auto sub = bus.Subscribe(nullptr);
  std::thread publisher([&bus] {
    absl::SleepFor(absl::Milliseconds(50));
    bus.Publish(Change("s", "late"));
  });
  veu::v1::VerdictChange out;
  const absl::Time start = absl::Now();
  ASSERT_TRUE(sub->Next(&out, start + absl::Seconds(10)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // woken, not timed out
  EXPECT_EQ(out.agent_id(), "late");
  publisher.join();
}

TEST(VerdictBusTest, ClosingTheBusLetsSubscribersDrainThenEnds) {
  VerdictBus bus;
  auto sub = bus.Subscribe(nullptr);
  bus.Publish(Change("s", "a1"));
  bus.Close();
  bus.Publish(Change("s", "after-close"));
  veu::v1::VerdictChange out;
  ASSERT_TRUE(sub->Next(&out, absl::InfiniteFuture()));
  EXPECT_EQ(out.agent_id(), "a1");
  EXPECT_FALSE(sub->Next(&out, absl::InfiniteFuture()));  // closed: returns at once
}

TEST(VerdictBusTest, ClosingWakesABlockedNext) {
  VerdictBus bus;
  auto sub = bus.Subscribe(nullptr);
  std::thread closer([&sub] {
    absl::SleepFor(absl::Milliseconds(50));
    sub->Close();
  });
  veu::v1::VerdictChange out;
  EXPECT_FALSE(sub->Next(&out, absl::InfiniteFuture()));
  closer.join();
}

TEST(VerdictBusTest, SubscribingAfterCloseYieldsAClosedSubscription) {
  VerdictBus bus;
  bus.Close();
  auto sub = bus.Subscribe(nullptr);
  bus.Publish(Change("s", "a1"));
  veu::v1::VerdictChange out;
  EXPECT_FALSE(sub->Next(&out, absl::InfiniteFuture()));
}

TEST(VerdictBusTest, ASubscriptionMayOutliveItsBus) {
  std::unique_ptr<Subscription> sub;
  {
    VerdictBus bus;
    sub = bus.Subscribe(nullptr);
    bus.Publish(Change("s", "a1"));
  }
  veu::v1::VerdictChange out;
  ASSERT_TRUE(sub->Next(&out, absl::InfiniteFuture()));
  EXPECT_EQ(out.agent_id(), "a1");
  EXPECT_FALSE(sub->Next(&out, absl::InfiniteFuture()));
}

TEST(VerdictBusTest, ConcurrentPublishersLoseNothingBelowCapacity) {
  VerdictBus bus;  // 1024 per subscriber
  auto sub = bus.Subscribe(nullptr);
  std::vector<std::thread> publishers;
  for (int t = 0; t < 4; ++t) {
    publishers.emplace_back([&bus, t] {
      for (int i = 0; i < 200; ++i) bus.Publish(Change("s", std::to_string(t)));
    });
  }
  size_t received = 0;
  veu::v1::VerdictChange out;
  while (received < 800 && sub->Next(&out, absl::Now() + absl::Seconds(10))) ++received;
  for (auto& p : publishers) p.join();
  EXPECT_EQ(received, 800u);
  EXPECT_EQ(sub->dropped(), 0u);
}

}  // namespace
}  // namespace veu::verifier::notify
