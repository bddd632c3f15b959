#include "common/location/challenge_wire.h"

#include <gtest/gtest.h>

namespace veu::location {
namespace {

const std::string kNonce(32, '\x5a');

TEST(ChallengeWire, RoundTripsEveryField) {
  auto frame = EncodeChallenge(Challenge{0x0102030405060708ull, kNonce, "fra-1"});
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(frame->size(), 4 + 8 + 32 + 1 + 5);
  auto c = ParseChallenge(*frame);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->epoch, 0x0102030405060708ull);
  EXPECT_EQ(c->nonce, kNonce);
  EXPECT_EQ(c->landmark_id, "fra-1");
}

TEST(ChallengeWire, RefusesEveryTruncationAndAnyTrailingByte) {
  auto frame = EncodeChallenge(Challenge{7, kNonce, "fra-1"});
  ASSERT_TRUE(frame.ok());
  for (size_t n = 0; n < frame->size(); ++n) {
    EXPECT_FALSE(ParseChallenge(frame->substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(ParseChallenge(*frame + "x").ok());
}

TEST(ChallengeWire, RefusesBadNonceSizesAndIds) {
  EXPECT_FALSE(EncodeChallenge(Challenge{1, "short", "a"}).ok());
  EXPECT_FALSE(EncodeChallenge(Challenge{1, kNonce, ""}).ok());
  EXPECT_FALSE(EncodeChallenge(Challenge{1, kNonce, std::string(65, 'a')}).ok());
  EXPECT_FALSE(EncodeChallenge(Challenge{1, kNonce, "bad id"}).ok());
}

TEST(AgentAnswer, SignsTheChallengeFrameWithTheEpochKey) {
  auto key = Ed25519Key::Generate();
  ASSERT_TRUE(key.ok());
  auto frame = EncodeChallenge(Challenge{42, kNonce, "fra-1"});
  auto answer = AnswerChallenge(*key, 42, *frame);
  ASSERT_TRUE(answer.ok()) << answer.status();
  auto sig = ParseAnswer(*answer);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(Ed25519Verify(key->public_raw(), SignedAnswerBytes(*frame), *sig));
  // The signature binds the landmark id: it does not verify for another landmark's challenge.
  auto other = EncodeChallenge(Challenge{42, kNonce, "waw-1"});
  EXPECT_FALSE(Ed25519Verify(key->public_raw(), SignedAnswerBytes(*other), *sig));
}

TEST(AgentAnswer, RefusesAChallengeForAnotherEpoch) {
  auto key = Ed25519Key::Generate();
  auto frame = EncodeChallenge(Challenge{41, kNonce, "fra-1"});
  EXPECT_EQ(AnswerChallenge(*key, 42, *frame).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(Ed25519, VerifyIsFalseForMalformedInputs) {
  auto key = Ed25519Key::Generate();
  auto sig = key->Sign("m");
  EXPECT_TRUE(Ed25519Verify(key->public_raw(), "m", *sig));
  EXPECT_FALSE(Ed25519Verify(key->public_raw(), "m", sig->substr(1)));
  EXPECT_FALSE(Ed25519Verify(key->public_raw().substr(1), "m", *sig));
  EXPECT_FALSE(Ed25519Verify(std::string(32, '\0'), "m", *sig));
}

TEST(Ed25519, PemRoundTripKeepsTheKeyAndRefusesOtherAlgorithms) {
  auto key = Ed25519Key::Generate();
  auto pem = key->PrivatePem();
  ASSERT_TRUE(pem.ok());
  auto back = Ed25519Key::FromPem(*pem);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->public_raw(), key->public_raw());
  EXPECT_FALSE(Ed25519Key::FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").ok());
}

}  // namespace
}  // namespace veu::location
