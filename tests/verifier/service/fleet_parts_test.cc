// The small parts the fleet-scale stream is built from: TimerQueue (deadlines without a thread
// per stream), GroupCommitter (one transaction per group, ack only after it), Metrics (the
// Prometheus text format) and BlobInterner (one copy of each accepted log).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"
#include "tests/support/status_matchers.h"
#include "verifier/service/blob_interner.h"
#include "verifier/service/group_committer.h"
#include "verifier/service/metrics.h"
#include "verifier/service/timer_queue.h"
#include "verifier/store/sqlite_store.h"

namespace veu::verifier {
namespace {

using ::testing::HasSubstr;

TEST(TimerQueue, RunsCallbacksInDeadlineOrder) {
  TimerQueue timers;
  absl::Mutex mu;
  std::vector<int> order;
  absl::Notification done;
  const absl::Time now = absl::Now();
  timers.Schedule(now + absl::Milliseconds(60), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(3);
    done.Notify();
  });
  timers.Schedule(now + absl::Milliseconds(20), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(1);
  });
  timers.Schedule(now + absl::Milliseconds(40), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(2);
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  absl::MutexLock lock(&mu);
  EXPECT_THAT(order, ::testing::ElementsAre(1, 2, 3));
}

TEST(TimerQueue, ACancelledCallbackNeverRuns) {
  TimerQueue timers;
  std::atomic<bool> ran{false};
  absl::Notification later;
  const TimerQueue::Id id =
      timers.Schedule(absl::Now() + absl::Milliseconds(30), [&] { ran = true; });
  EXPECT_TRUE(timers.Cancel(id));
  EXPECT_FALSE(timers.Cancel(id)) << "a second cancel finds nothing";
  timers.Schedule(absl::Now() + absl::Milliseconds(80), [&] { later.Notify(); });
  ASSERT_TRUE(later.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_FALSE(ran);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(TimerQueue, AnEarlierDeadlineScheduledWhileWaitingStillRunsFirst) {
  TimerQueue timers;
  absl::Notification early;
  std::atomic<bool> late_ran{false};
  timers.Schedule(absl::Now() + absl::Seconds(30), [&] { late_ran = true; });
  absl::SleepFor(absl::Milliseconds(20));  // the queue is now waiting for the 30 s one
  timers.Schedule(absl::Now(), [&] { early.Notify(); });
  EXPECT_TRUE(early.WaitForNotificationWithTimeout(absl::Seconds(2)));
  EXPECT_FALSE(late_ran);
}

AppraisalCommit CommitOf(const veu::v1::AgentRecord& agent, const std::string& id) {
  AppraisalCommit c;
  c.appraisal.set_id(id);
  c.appraisal.set_agent_id(agent.agent_id());
  c.appraisal.set_site(agent.site());
  c.appraisal.mutable_appraised_at()->set_seconds(1'800'000'000);
  c.appraisal.set_verdict(veu::v1::VERDICT_ACCEPT);
  c.agent = agent;
  return c;
}

TEST(GroupCommitter, EveryCommitIsReportedOnceAndGroupsFormUnderLoad) {
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(":memory:");
  ASSERT_OK(store);
  veu::v1::Site site;
  site.set_name("s");
  ASSERT_OK((*store)->AddSite(site));
  veu::v1::AgentRecord agent;
  agent.set_agent_id("a");
  agent.set_site("s");
  agent.set_status(veu::v1::AGENT_STATUS_ENROLLED);
  ASSERT_OK((*store)->PutAgent(agent, {}));
  absl::Mutex mu;
  std::vector<size_t> groups;
  GroupCommitterOptions options;
  size_t failed_in_groups = 0;
  options.observer = [&](size_t size, absl::Duration, size_t failed_here) {
    absl::MutexLock lock(&mu);
    groups.push_back(size);
    failed_in_groups += failed_here;
  };
  std::atomic<int> ok{0}, failed{0};
  {
    GroupCommitter committer(store->get(), options);
    for (int i = 0; i < 500; ++i) {
      // Every 100th commit reuses an id: it fails alone.
      const std::string id = i % 100 == 99 ? "dup-0" : absl::StrCat("dup-", i);
      committer.Submit(CommitOf(agent, id), [&](const absl::Status& s) {
        (s.ok() ? ok : failed).fetch_add(1);
      });
    }
  }  // the destructor commits everything submitted
  EXPECT_EQ(ok.load(), 495);
  EXPECT_EQ(failed.load(), 5);
  absl::MutexLock lock(&mu);
  size_t total = 0;
  for (size_t g : groups) total += g;
  EXPECT_EQ(total, 500u);
  EXPECT_EQ(failed_in_groups, 5u) << "the observer sees what the callbacks saw";
  EXPECT_LT(groups.size(), 500u) << "500 commits submitted at once share transactions";
  absl::StatusOr<std::vector<veu::v1::StoredAppraisal>> stored =
      (*store)->ListAppraisals("a", 1000, false);
  ASSERT_OK(stored);
  EXPECT_EQ(stored->size(), 495u);
}

TEST(GroupCommitter, AFullQueueRefusesAtOnceWithoutLosingTheCallback) {
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(":memory:");
  ASSERT_OK(store);
  GroupCommitterOptions options;
  options.max_queued = 0;
  GroupCommitter committer(store->get(), options);
  absl::Status seen = absl::OkStatus();
  committer.Submit(AppraisalCommit{}, [&](const absl::Status& s) { seen = s; });
  EXPECT_EQ(seen.code(), absl::StatusCode::kResourceExhausted);
}

TEST(Metrics, RendersThePrometheusTextFormat) {
  Metrics m;
  m.AddCounter("veu_things_total", "Things, by kind", "kind").With("a\"b").Increment(3);
  m.AddGauge("veu_level", "A level").With().Set(-2);
  Histogram& h = m.AddHistogram("veu_seconds", "Durations", {0.1, 1}).With();
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  m.AddCallbackGauge("veu_read", "Read when rendered", [] { return 7.0; });
  const std::string text = m.Render();
  EXPECT_THAT(text, HasSubstr("# HELP veu_things_total Things, by kind\n# TYPE veu_things_total counter\n"
                              "veu_things_total{kind=\"a\\\"b\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE veu_level gauge\nveu_level -2\n"));
  EXPECT_THAT(text, HasSubstr("veu_seconds_bucket{le=\"0.10000000000000001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("veu_seconds_bucket{le=\"1\"} 2\nveu_seconds_bucket{le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("veu_seconds_sum 5.5499999999999998\nveu_seconds_count 3\n"));
  EXPECT_THAT(text, HasSubstr("veu_read 7\n"));
}

TEST(BlobInterner, SessionsHoldingTheSameLogShareOneCopyThatGoesWithTheLastHolder) {
  BlobInterner logs;
  std::shared_ptr<const std::string> a = logs.Intern(std::string(40000, 'x'));
  std::shared_ptr<const std::string> b = logs.Intern(std::string(40000, 'x'));
  std::shared_ptr<const std::string> c = logs.Intern(std::string(40000, 'y'));
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(a.get(), c.get());
  EXPECT_EQ(logs.size(), 2u);
  a.reset();
  b.reset();
  EXPECT_EQ(logs.size(), 1u);
}

}  // namespace
}  // namespace veu::verifier
