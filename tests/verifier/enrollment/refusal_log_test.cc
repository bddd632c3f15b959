// RefusalLog: a flood of refused requests from one peer makes one event row with a count, not
// one row per request (issue 17), and no refusal goes uncounted.
#include "verifier/enrollment/refusal_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "absl/strings/str_cat.h"

#include "tests/support/status_matchers.h"
#include "verifier/store/sqlite_store.h"

namespace veu::verifier {
namespace {

using ::testing::HasSubstr;

veu::v1::Event Refused(const std::string& detail) {
  veu::v1::Event e;
  e.set_kind(veu::v1::EVENT_ENROLLMENT_REFUSED);
  e.set_detail(detail);
  return e;
}

class RefusalLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(":memory:");
    ASSERT_OK(store);
    store_ = *std::move(store);
    log_ = std::make_unique<RefusalLog>(store_.get(), [this] { return now_; });
  }
  std::vector<veu::v1::Event> Events() {
    EventFilter all;
    all.limit = 0;
    all.oldest_first = true;
    absl::StatusOr<std::vector<veu::v1::Event>> events = store_->ListEvents(all);
    EXPECT_OK(events);
    return events.ok() ? *events : std::vector<veu::v1::Event>{};
  }
  uint64_t Counted() {
    uint64_t n = 0;
    for (const auto& e : Events()) n += e.count();
    return n;
  }

  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<RefusalLog> log_;
};

TEST(PeerHostTest, DropsThePortOnly) {
  EXPECT_EQ(PeerHost("ipv4:10.0.0.7:51234"), "ipv4:10.0.0.7");
  EXPECT_EQ(PeerHost("ipv6:[::1]:5000"), "ipv6:[::1]");
  EXPECT_EQ(PeerHost("ipv6:[::1]"), "ipv6:[::1]");
  EXPECT_EQ(PeerHost("unix:/run/x.sock"), "unix:/run/x.sock");
  EXPECT_EQ(PeerHost(""), "");
}

TEST_F(RefusalLogTest, AFloodFromOnePeerIsOneRowAndOneCountRow) {
  EXPECT_TRUE(log_->Record("ipv4:10.0.0.7", Refused("ENROLMENT_NOT_AUTHORISED: no site named 'x'")));
  for (int i = 0; i < 9999; ++i) {
    now_ += absl::Milliseconds(1);
    EXPECT_FALSE(log_->Record("ipv4:10.0.0.7", Refused("ENROLMENT_NOT_AUTHORISED: no site named 'y'")));
  }
  EXPECT_EQ(Events().size(), 1u);  // the first at once
  now_ += absl::Minutes(1);
  log_->Flush();
  std::vector<veu::v1::Event> events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].count(), 1u);
  EXPECT_EQ(events[1].count(), 9999u);
  EXPECT_THAT(events[1].detail(), HasSubstr("9999 more refusals of ipv4:10.0.0.7"));
  EXPECT_THAT(events[1].detail(), HasSubstr("no site named 'y'"));  // the last one's detail
  EXPECT_EQ(Counted(), 10000u);
}

TEST_F(RefusalLogTest, OtherPeersAndOtherReasonsAreRecordedAtOnce) {
  EXPECT_TRUE(log_->Record("ipv4:10.0.0.7", Refused("ENROLMENT_TOKEN_USED: a")));
  EXPECT_TRUE(log_->Record("ipv4:10.0.0.8", Refused("ENROLMENT_TOKEN_USED: a")));
  EXPECT_TRUE(log_->Record("ipv4:10.0.0.7", Refused("EK_CERT_UNTRUSTED: b")));
  EXPECT_EQ(Events().size(), 3u);
}

TEST_F(RefusalLogTest, ANewWindowWritesTheOldCountThenTheNewRefusal) {
  log_->Record("p", Refused("ENROLMENT_TOKEN_USED: a"));
  log_->Record("p", Refused("ENROLMENT_TOKEN_USED: a"));
  log_->Record("p", Refused("ENROLMENT_TOKEN_USED: a"));
  now_ += absl::Minutes(2);
  EXPECT_TRUE(log_->Record("p", Refused("ENROLMENT_TOKEN_USED: a")));
  std::vector<veu::v1::Event> events = Events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].count(), 2u);
  EXPECT_EQ(events[2].count(), 1u);
  EXPECT_EQ(Counted(), 4u);
}

TEST_F(RefusalLogTest, ExpiredWindowsOfSilentPeersAreSweptOnAnyRefusal) {
  log_->Record("a", Refused("ENROLMENT_TOKEN_USED: a"));
  log_->Record("a", Refused("ENROLMENT_TOKEN_USED: a"));
  now_ += absl::Minutes(2);
  log_->Record("b", Refused("ENROLMENT_TOKEN_USED: b"));  // a's count is written by the sweep
  EXPECT_EQ(Counted(), 3u);
}

TEST_F(RefusalLogTest, ManyPeersShareOneBucketBeyondTheBound) {
  for (size_t i = 0; i < RefusalLog::kMaxPeers + 500; ++i) {
    log_->Record(absl::StrCat("ipv4:10.0.", i / 256, ".", i % 256), Refused("ENROLMENT_TOKEN_USED: a"));
  }
  log_->Flush();
  EXPECT_EQ(Events().size(), RefusalLog::kMaxPeers + 1 + 1);  // the other-peers first row and its count
  EXPECT_EQ(Counted(), RefusalLog::kMaxPeers + 500);
}

}  // namespace
}  // namespace veu::verifier
