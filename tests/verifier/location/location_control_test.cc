#include "verifier/location/location_control.h"

#include <gtest/gtest.h>

#include "common/crypto/digest.h"
#include "common/location/challenge_wire.h"
#include "common/location/region_file.h"
#include "verifier/location/svg.h"

namespace veu::verifier {
namespace {

using location::Destination;
using location::GeoPoint;

const GeoPoint kSite{50.1109, 8.6821};
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

struct Lm {
  std::string id;
  GeoPoint at;
  location::Ed25519Key key = *location::Ed25519Key::Generate();
};

class LocationControl : public ::testing::Test {
 protected:
  LocationControl() {
    for (int i = 0; i < 3; ++i) lms_.push_back(Lm{"lm-" + std::to_string(i), Destination(kSite, 120.0 * i, 20)});
    for (const Lm& l : lms_) Enrol(l);
    key_.set_ed25519_public(agent_.public_raw());
    key_.set_epoch(3);
  }
  void Enrol(const Lm& l) {
    auto* e = enrolled_.add_landmarks();
    e->set_landmark_id(l.id);
    *e->mutable_position() = location::ToProto(l.at);
    e->set_ed25519_public(l.key.public_raw());
  }
  // The receipt an honest landmark signs after answers that took `rtt_ns`.
  veu::v1::LandmarkReceipt Receipt(const Lm& l, uint64_t rtt_ns) {
    veu::v1::LandmarkReceiptBody b;
    b.set_landmark_id(l.id);
    *b.mutable_position() = location::ToProto(l.at);
    b.set_request_nonce(nonce_);
    b.set_epoch(3);
    b.set_agent_key_sha256(crypto::Sha256(agent_.public_raw()));
    b.mutable_measured_at()->set_seconds(absl::ToUnixSeconds(kNow));
    auto* s = b.add_samples();
    s->set_challenge_nonce(std::string(32, 'c'));
    s->set_rtt_ns(rtt_ns);
    auto frame = location::EncodeChallenge(location::Challenge{3, s->challenge_nonce(), l.id});
    s->set_agent_signature(*location::ParseAnswer(*location::AnswerChallenge(agent_, 3, *frame)));
    return *location::SignReceipt(l.key, b);
  }
  // A round trip of light over `km` one way.
  static uint64_t Rtt(double km) { return static_cast<uint64_t>(2 * km / location::kVacuumKmPerMs * 1e6); }

  LocationOutcome Evaluate(std::vector<veu::v1::LandmarkReceipt> receipts, double radius_km = 50) {
    LocationRound round{"agent-1", "fra", key_, nonce_, std::move(receipts)};
    return EvaluateLocation(round, enrolled_, location::AllowedRegion{kSite, radius_km, std::nullopt}, 3, kNow);
  }

  location::Ed25519Key agent_ = *location::Ed25519Key::Generate();
  veu::v1::LocationKey key_;
  std::string nonce_ = "round-nonce-0123456789abcdef";
  std::vector<Lm> lms_;
  veu::v1::LandmarkSet enrolled_;
};

TEST_F(LocationControl, PassesWithEvidenceNamingEveryDisk) {
  auto out = Evaluate({Receipt(lms_[0], Rtt(25)), Receipt(lms_[1], Rtt(25)), Receipt(lms_[2], Rtt(25))});
  EXPECT_EQ(out.result.check(), "VEU-04.location");
  EXPECT_EQ(out.result.status(), veu::v1::CHECK_PASS) << out.result.detail();
  EXPECT_NE(out.result.detail().find("lm-2 at"), std::string::npos);
  EXPECT_FALSE(out.tamper_event.has_value());
  EXPECT_EQ(out.accepted.size(), 3u);
}

TEST_F(LocationControl, SlowAnswersFailAsNotProven) {
  auto out = Evaluate({Receipt(lms_[0], Rtt(900)), Receipt(lms_[1], Rtt(900)), Receipt(lms_[2], Rtt(900))});
  EXPECT_EQ(out.result.status(), veu::v1::CHECK_FAIL);
  EXPECT_EQ(out.result.reason(), veu::v1::LOCATION_NOT_PROVEN);
  EXPECT_NE(out.result.detail().find("beyond the allowed 50.0 km"), std::string::npos) << out.result.detail();
}

TEST_F(LocationControl, ADiskLeavingOutTheSiteFailsAndRecordsATamperEvent) {
  lms_.push_back(Lm{"lm-far", Destination(kSite, 90, 300)});
  Enrol(lms_.back());
  auto out = Evaluate({Receipt(lms_[0], Rtt(25)), Receipt(lms_[1], Rtt(25)), Receipt(lms_[3], Rtt(10))});
  EXPECT_EQ(out.result.status(), veu::v1::CHECK_FAIL);
  EXPECT_EQ(out.result.reason(), veu::v1::LOCATION_TAMPER);
  ASSERT_TRUE(out.tamper_event.has_value());
  EXPECT_EQ(out.tamper_event->kind(), veu::v1::EVENT_LOCATION_TAMPER);
  EXPECT_EQ(out.tamper_event->agent_id(), "agent-1");
  EXPECT_NE(out.tamper_event->detail().find("lm-far"), std::string::npos);
}

TEST_F(LocationControl, ForgedReceiptsAreRefusedAndNeverCounted) {
  Lm forger{"lm-2", lms_[2].at};  // the enrolled id and place, another key
  auto out = Evaluate({Receipt(lms_[0], Rtt(25)), Receipt(lms_[1], Rtt(25)), Receipt(forger, Rtt(25))});
  ASSERT_EQ(out.refused.size(), 1u);
  EXPECT_NE(out.refused[0].find("landmark signature invalid"), std::string::npos);
  // Two landmarks are left: not enough for a pass.
  EXPECT_EQ(out.result.status(), veu::v1::CHECK_FAIL);
  EXPECT_EQ(out.result.reason(), veu::v1::LOCATION_NOT_PROVEN);
  EXPECT_NE(out.result.detail().find("Refused:"), std::string::npos);
}

TEST_F(LocationControl, NoKeyOrNoReceiptsIsNotEvaluatedNeverAPass) {
  LocationRound round{"agent-1", "fra", std::nullopt, nonce_, {Receipt(lms_[0], Rtt(25))}};
  auto out = EvaluateLocation(round, enrolled_, location::AllowedRegion{kSite, 50, std::nullopt}, 3, kNow);
  EXPECT_EQ(out.result.status(), veu::v1::CHECK_NOT_EVALUATED);
  EXPECT_EQ(out.result.reason(), veu::v1::LOCATION_EVIDENCE_MISSING);
  out = Evaluate({});
  EXPECT_EQ(out.result.status(), veu::v1::CHECK_NOT_EVALUATED);
}

TEST_F(LocationControl, SvgDrawsTheSiteEveryLandmarkAndTheVerdict) {
  auto out = Evaluate({Receipt(lms_[0], Rtt(25)), Receipt(lms_[1], Rtt(25)), Receipt(lms_[2], Rtt(25))});
  ASSERT_TRUE(out.assessment.has_value());
  const std::string svg =
      RenderLocationSvg(*out.assessment, location::AllowedRegion{kSite, 50, std::nullopt}, "node <agent-1>");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  for (const char* want : {"lm-0", "lm-1", "lm-2", "declared site", "WITHIN_REGION", "node &lt;agent-1&gt;"}) {
    EXPECT_NE(svg.find(want), std::string::npos) << want;
  }
}

}  // namespace
}  // namespace veu::verifier
