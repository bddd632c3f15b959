// NonceBook: every nonce is used at most once, only by its agent, only before its deadline.
#include "verifier/appraisal/nonce_book.h"

#include <gtest/gtest.h>

namespace veu::verifier {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);
const std::string kNonce(32, 'n');

TEST(NonceBookTest, ConsumesAnIssuedNonceOnceForItsAgent) {
  NonceBook book;
  ASSERT_TRUE(book.Issue(kNonce, "agent-a", kT0 + absl::Seconds(30)));
  EXPECT_EQ(book.Consume(kNonce, "agent-a", kT0 + absl::Seconds(1)), veu::v1::REASON_UNSPECIFIED);
}

TEST(NonceBookTest, ReportsASecondUseAsReplayed) {
  NonceBook book;
  ASSERT_TRUE(book.Issue(kNonce, "agent-a", kT0 + absl::Seconds(30)));
  ASSERT_EQ(book.Consume(kNonce, "agent-a", kT0), veu::v1::REASON_UNSPECIFIED);
  EXPECT_EQ(book.Consume(kNonce, "agent-a", kT0 + absl::Seconds(2)), veu::v1::NONCE_REPLAYED);
}

TEST(NonceBookTest, ReportsUseAfterTheDeadlineAsExpiredAndBurnsTheNonce) {
  NonceBook book;
  ASSERT_TRUE(book.Issue(kNonce, "agent-a", kT0 + absl::Seconds(30)));
  EXPECT_EQ(book.Consume(kNonce, "agent-a", kT0 + absl::Seconds(31)), veu::v1::NONCE_EXPIRED);
  EXPECT_EQ(book.Consume(kNonce, "agent-a", kT0 + absl::Seconds(32)), veu::v1::NONCE_REPLAYED);
}

TEST(NonceBookTest, AcceptsUseExactlyAtTheDeadline) {
  NonceBook book;
  ASSERT_TRUE(book.Issue(kNonce, "agent-a", kT0));
  EXPECT_EQ(book.Consume(kNonce, "agent-a", kT0), veu::v1::REASON_UNSPECIFIED);
}

TEST(NonceBookTest, RefusesAnotherAgentsNonceWithoutBurningItForTheOwner) {
  NonceBook book;
  ASSERT_TRUE(book.Issue(kNonce, "agent-a", kT0 + absl::Seconds(30)));
  EXPECT_EQ(book.Consume(kNonce, "agent-b", kT0), veu::v1::NONCE_WRONG_AGENT);
  EXPECT_EQ(book.Consume(kNonce, "agent-a", kT0), veu::v1::REASON_UNSPECIFIED);
}

TEST(NonceBookTest, ReportsANonceItNeverIssuedAsUnknown) {
  NonceBook book;
  EXPECT_EQ(book.Consume(kNonce, "agent-a", kT0), veu::v1::NONCE_UNKNOWN);
  EXPECT_EQ(book.size(), 0u);
}

TEST(NonceBookTest, RefusesToIssueTheSameNonceTwice) {
  NonceBook book;
  ASSERT_TRUE(book.Issue(kNonce, "agent-a", kT0 + absl::Seconds(30)));
  EXPECT_FALSE(book.Issue(kNonce, "agent-b", kT0 + absl::Seconds(30)));
  EXPECT_EQ(book.Consume(kNonce, "agent-b", kT0), veu::v1::NONCE_WRONG_AGENT);
}

TEST(NonceBookTest, RefusesToIssueBeyondCapacityWhileAllAreOutstanding) {
  NonceBook book(2);
  ASSERT_TRUE(book.Issue("n1", "a", kT0 + absl::Seconds(30)));
  ASSERT_TRUE(book.Issue("n2", "a", kT0 + absl::Seconds(30)));
  EXPECT_FALSE(book.Issue("n3", "a", kT0 + absl::Seconds(30)));
  EXPECT_EQ(book.size(), 2u);
}

TEST(NonceBookTest, MakesRoomByDroppingUsedNoncesWhenFull) {
  NonceBook book(2);
  ASSERT_TRUE(book.Issue("n1", "a", kT0 + absl::Seconds(30)));
  ASSERT_TRUE(book.Issue("n2", "a", kT0 + absl::Seconds(30)));
  ASSERT_EQ(book.Consume("n1", "a", kT0), veu::v1::REASON_UNSPECIFIED);
  EXPECT_TRUE(book.Issue("n3", "a", kT0 + absl::Seconds(30)));
  EXPECT_EQ(book.size(), 2u);
  EXPECT_EQ(book.Consume("n2", "a", kT0), veu::v1::REASON_UNSPECIFIED);
}

TEST(NonceBookTest, ExpireForgetsNoncesOnlyAfterTheGracePeriod) {
  NonceBook book;
  ASSERT_TRUE(book.Issue("old", "a", kT0));
  ASSERT_TRUE(book.Issue("new", "a", kT0 + absl::Minutes(20)));
  ASSERT_EQ(book.Consume("old", "a", kT0), veu::v1::REASON_UNSPECIFIED);

  book.Expire(kT0 + absl::Minutes(5), absl::Minutes(10));
  EXPECT_EQ(book.size(), 2u);
  EXPECT_EQ(book.Consume("old", "a", kT0 + absl::Minutes(5)), veu::v1::NONCE_REPLAYED);

  book.Expire(kT0 + absl::Minutes(11), absl::Minutes(10));
  EXPECT_EQ(book.size(), 1u);
  // A replay after the grace period is still a rejection, now as unknown.
  EXPECT_EQ(book.Consume("old", "a", kT0 + absl::Minutes(11)), veu::v1::NONCE_UNKNOWN);
  EXPECT_EQ(book.Consume("new", "a", kT0 + absl::Minutes(11)), veu::v1::REASON_UNSPECIFIED);
}

}  // namespace
}  // namespace veu::verifier
