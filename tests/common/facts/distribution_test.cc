// UVEU distribution shares against the shipped pack's tiers and caps.
#include "common/facts/distribution.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/facts/policy_pack.h"
#include "tests/support/status_matchers.h"

namespace veu::facts {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::veu::testing::StatusIs;

class DistributionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pack =
        LoadPolicyPackFile(std::string(VEU_SOURCE_DIR) + "/deploy/policies/veu-2025.textproto");
    ASSERT_OK(pack.status());
    pack_ = *std::move(pack);
  }
  absl::StatusOr<Distribution> Eval(const std::vector<CountryTpp>& sites, bool us_hq = false) {
    return EvaluateDistribution(sites, pack_.tiers(), pack_.caps(), us_hq);
  }
  v1::PolicyPack pack_;
};

TEST_F(DistributionTest, ComplyingOrganisationHasNoFindings) {
  // 80% US+DE, 7% each in India and Brazil (Tier 2), 6% Saudi Arabia.
  auto d = Eval({{"US", 700}, {"DE", 100}, {"IN", 70}, {"BR", 70}, {"SA", 60}}, true);
  ASSERT_OK(d.status());
  EXPECT_EQ(d->total_tpp, 1000u);
  EXPECT_DOUBLE_EQ(d->tier1_share, 0.8);
  EXPECT_TRUE(d->tier1_share_ok);
  EXPECT_TRUE(d->single_other_ok);
  EXPECT_TRUE(d->us_share_ok);
  EXPECT_THAT(d->findings, IsEmpty());
  EXPECT_EQ(d->countries[0].iso_code, "US");
  // The pack lists no Tier 2 country and its Tier 3 list is a selection: these are not placed.
  EXPECT_THAT(d->untiered_countries, ::testing::ElementsAre("BR", "IN", "SA"));
}

TEST_F(DistributionTest, AnUnlistedCountryIsNotSilentlyTier2) {
  auto d = Eval({{"US", 99}, {"ZZ", 1}});
  ASSERT_OK(d.status());
  ASSERT_THAT(d->countries, SizeIs(2));
  EXPECT_EQ(d->countries[1].tier, v1::COUNTRY_TIER_UNSPECIFIED);
  EXPECT_THAT(d->untiered_countries, ::testing::ElementsAre("ZZ"));
  // With complete lists, the pack's default tier applies.
  v1::CountryTiers complete = pack_.tiers();
  complete.set_complete(true);
  complete.set_default_tier(v1::TIER_2);
  auto c = EvaluateDistribution({{"US", 99}, {"ZZ", 1}}, complete, pack_.caps(), false);
  ASSERT_OK(c.status());
  EXPECT_EQ(c->countries[1].tier, v1::TIER_2);
  EXPECT_THAT(c->untiered_countries, IsEmpty());
}

TEST_F(DistributionTest, FlagsTier1ShareBelow75PercentAndOneCountryAbove7Percent) {
  auto d = Eval({{"US", 600}, {"JP", 100}, {"AE", 200}, {"IN", 100}});
  ASSERT_OK(d.status());
  EXPECT_DOUBLE_EQ(d->tier1_share, 0.7);
  EXPECT_FALSE(d->tier1_share_ok);
  EXPECT_FALSE(d->single_other_ok);
  EXPECT_EQ(d->largest_other_country, "AE");
  EXPECT_DOUBLE_EQ(d->largest_other_share, 0.2);
  ASSERT_THAT(d->findings, SizeIs(3));  // Tier 1 share, AE, IN
  EXPECT_THAT(d->findings[0], HasSubstr("70.00% of TPP is in Tier 1"));
}

TEST_F(DistributionTest, AnyTier3ComputeIsAFinding) {
  auto d = Eval({{"US", 10000}, {"CN", 1}});
  ASSERT_OK(d.status());
  EXPECT_EQ(d->tier3_tpp, 1u);
  EXPECT_THAT(d->findings, ::testing::Contains(HasSubstr("Tier 3")));
}

TEST_F(DistributionTest, UsHeadquarteredNeedsHalfInTheUs) {
  auto d = Eval({{"US", 40}, {"DE", 60}}, true);
  ASSERT_OK(d.status());
  EXPECT_FALSE(d->us_share_ok);
}

TEST_F(DistributionTest, RejectsMalformedCountryCode) {
  EXPECT_THAT(Eval({{"usa", 1}}), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("usa")));
}

TEST_F(DistributionTest, NoComputeIsTriviallyCompliant) {
  auto d = Eval({});
  ASSERT_OK(d.status());
  EXPECT_EQ(d->total_tpp, 0u);
  EXPECT_THAT(d->findings, IsEmpty());
}

}  // namespace
}  // namespace veu::facts
