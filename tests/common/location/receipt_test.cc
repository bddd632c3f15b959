#include "common/location/receipt.h"

#include <gtest/gtest.h>

#include "common/crypto/digest.h"
#include "common/location/challenge_wire.h"
#include "common/location/region_file.h"

namespace veu::location {
namespace {

const GeoPoint kFra{50.1109, 8.6821};
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

struct World {
  Ed25519Key landmark = *Ed25519Key::Generate();
  Ed25519Key agent = *Ed25519Key::Generate();
  veu::v1::LandmarkSet enrolled;
  ReceiptExpectation expect;

  World() {
    auto* l = enrolled.add_landmarks();
    l->set_landmark_id("fra-1");
    *l->mutable_position() = ToProto(kFra);
    l->set_ed25519_public(landmark.public_raw());
    expect = ReceiptExpectation{"request-nonce-0123456789", agent.public_raw(), 9, kNow};
  }

  // What an honest landmark produces after timing `n` answers of `rtt_ns` each.
  veu::v1::LandmarkReceiptBody Body(int n, uint64_t rtt_ns) const {
    veu::v1::LandmarkReceiptBody b;
    b.set_landmark_id("fra-1");
    *b.mutable_position() = ToProto(kFra);
    b.set_request_nonce(expect.request_nonce);
    b.set_epoch(9);
    b.set_agent_key_sha256(crypto::Sha256(agent.public_raw()));
    b.mutable_measured_at()->set_seconds(absl::ToUnixSeconds(kNow) - 5);
    for (int i = 0; i < n; ++i) {
      auto* s = b.add_samples();
      s->set_challenge_nonce(std::string(32, static_cast<char>('a' + i)));
      s->set_rtt_ns(rtt_ns + 1000 * i);
      auto frame = EncodeChallenge(Challenge{9, s->challenge_nonce(), "fra-1"});
      s->set_agent_signature(*ParseAnswer(*AnswerChallenge(agent, 9, *frame)));
    }
    return b;
  }
};

ReceiptRefusal RefusalOf(const World& w, const veu::v1::LandmarkReceipt& r) {
  ReceiptRefusal why = ReceiptRefusal::kMalformed;
  auto v = VerifyReceipt(r, w.enrolled, w.expect, &why);
  EXPECT_FALSE(v.ok());
  return why;
}

TEST(VerifyReceipt, AcceptsAnHonestReceiptWithTheEnrolledPositionAndLeastRtt) {
  World w;
  auto r = SignReceipt(w.landmark, w.Body(4, 250'000));
  auto v = VerifyReceipt(*r, w.enrolled, w.expect);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->measurement().landmark_id, "fra-1");
  EXPECT_EQ(v->measurement().rtt_min_ns, 250'000u);
  EXPECT_EQ(v->measurement().samples, 4u);
  EXPECT_DOUBLE_EQ(v->measurement().position.lat_deg, kFra.lat_deg);
}

TEST(VerifyReceipt, RefusesAReceiptSignedByAnUnenrolledKey) {
  World w;
  Ed25519Key forger = *Ed25519Key::Generate();
  EXPECT_EQ(RefusalOf(w, *SignReceipt(forger, w.Body(4, 250'000))),
            ReceiptRefusal::kBadLandmarkSignature);
}

TEST(VerifyReceipt, RefusesABodyChangedAfterSigning) {
  World w;
  auto r = SignReceipt(w.landmark, w.Body(4, 250'000));
  veu::v1::LandmarkReceiptBody b;
  b.ParseFromString(r->body());
  b.mutable_samples(0)->set_rtt_ns(1);  // a faster round trip than was measured
  r->set_body(b.SerializeAsString());
  EXPECT_EQ(RefusalOf(w, *r), ReceiptRefusal::kBadLandmarkSignature);
}

TEST(VerifyReceipt, RefusesAnUnknownLandmarkAndAMovedOne) {
  World w;
  auto b = w.Body(2, 250'000);
  b.set_landmark_id("nowhere");
  EXPECT_EQ(RefusalOf(w, *SignReceipt(w.landmark, b)), ReceiptRefusal::kUnknownLandmark);
  b = w.Body(2, 250'000);
  *b.mutable_position() = ToProto(Destination(kFra, 90, 5));
  EXPECT_EQ(RefusalOf(w, *SignReceipt(w.landmark, b)), ReceiptRefusal::kPositionMismatch);
}

TEST(VerifyReceipt, RefusesAReceiptForAnotherRequestKeyOrEpoch) {
  World w;
  auto b = w.Body(2, 250'000);
  b.set_request_nonce("an-older-request-nonce!!");
  EXPECT_EQ(RefusalOf(w, *SignReceipt(w.landmark, b)), ReceiptRefusal::kWrongRequestNonce);
  b = w.Body(2, 250'000);
  b.set_agent_key_sha256(crypto::Sha256("another key"));
  EXPECT_EQ(RefusalOf(w, *SignReceipt(w.landmark, b)), ReceiptRefusal::kWrongAgentKey);
  b = w.Body(2, 250'000);
  b.set_epoch(10);
  EXPECT_EQ(RefusalOf(w, *SignReceipt(w.landmark, b)), ReceiptRefusal::kWrongEpoch);
}

TEST(VerifyReceipt, RefusesStaleEmptyAndUnsignedSamples) {
  World w;
  auto b = w.Body(2, 250'000);
  b.mutable_measured_at()->set_seconds(absl::ToUnixSeconds(kNow) - 3600);
  EXPECT_EQ(RefusalOf(w, *SignReceipt(w.landmark, b)), ReceiptRefusal::kStale);
  EXPECT_EQ(RefusalOf(w, *SignReceipt(w.landmark, w.Body(0, 0))), ReceiptRefusal::kNoSamples);
  // A landmark (or a relay in front of it) that made up an answer the agent never signed.
  b = w.Body(2, 250'000);
  b.mutable_samples(1)->set_agent_signature(std::string(64, '\0'));
  EXPECT_EQ(RefusalOf(w, *SignReceipt(w.landmark, b)), ReceiptRefusal::kBadAgentSignature);
  b = w.Body(2, 250'000);
  *b.add_samples() = b.samples(0);
  EXPECT_EQ(RefusalOf(w, *SignReceipt(w.landmark, b)), ReceiptRefusal::kRepeatedChallenge);
}

TEST(VerifyReceipt, RefusesGarbageWithoutCrashing) {
  World w;
  veu::v1::LandmarkReceipt r;
  r.set_body("\xff\xff\xff");
  EXPECT_EQ(RefusalOf(w, r), ReceiptRefusal::kMalformed);
}

}  // namespace
}  // namespace veu::location
