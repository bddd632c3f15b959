#include "common/location/assessment.h"

#include <gtest/gtest.h>

namespace veu::location {
namespace {

const GeoPoint kSite{50.1109, 8.6821};

// A landmark `dist_km` from the site at `bearing`, whose fastest answer took the round trip
// light needs for `dist_km * inflation + extra_km`.
LandmarkMeasurement At(std::string id, double bearing, double dist_km, double inflation,
                       double extra_km = 0) {
  const double one_way_km = dist_km * inflation + extra_km;
  return LandmarkMeasurement{id, Destination(kSite, bearing, dist_km),
                             static_cast<uint64_t>(2 * one_way_km / kVacuumKmPerMs * 1e6), 8};
}

TEST(AssessLocation, NodeAtTheSiteWithThreeCloseLandmarksIsWithinTheRadius) {
  auto a = AssessLocation({At("A", 0, 40, 1.3), At("B", 120, 40, 1.3), At("C", 240, 40, 1.3)},
                          AllowedRegion{kSite, 50, std::nullopt});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->verdict, LocationVerdict::kWithinRegion) << a->statement;
  EXPECT_LT(*a->max_km_from_site, 50);
  EXPECT_NE(a->statement.find("within"), std::string::npos);
}

TEST(AssessLocation, AddedDelayWidensTheDisksAndFailsWithTheReachedDistance) {
  // The node sits at the site but answers 5 ms late (750 km of light each way).
  auto a = AssessLocation({At("A", 0, 40, 1.3, 750), At("B", 120, 40, 1.3, 750),
                           At("C", 240, 40, 1.3, 750)},
                          AllowedRegion{kSite, 50, std::nullopt});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->verdict, LocationVerdict::kNotProven);
  EXPECT_GT(*a->max_km_from_site, 700);
  EXPECT_NE(a->statement.find("beyond the allowed 50.0 km"), std::string::npos) << a->statement;
}

TEST(AssessLocation, FewerThanThreeLandmarksIsNeverAPass) {
  auto a = AssessLocation({At("A", 0, 1, 1.0), At("B", 90, 1, 1.0)},
                          AllowedRegion{kSite, 50, std::nullopt});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->verdict, LocationVerdict::kNotProven);
  EXPECT_NE(a->statement.find("2 distinct landmark(s) answered, 3 required"), std::string::npos);
  // The same landmark three times still counts once.
  a = AssessLocation({At("A", 0, 1, 1.0), At("A", 0, 1, 1.0), At("A", 0, 1, 1.0)},
                     AllowedRegion{kSite, 50, std::nullopt});
  EXPECT_EQ(a->verdict, LocationVerdict::kNotProven);
}

TEST(AssessLocation, ADiskThatLeavesOutTheSiteIsATamperSignal) {
  // Landmark D, 400 km east, got answers in 0.1 ms: the node is near D, not at the site.
  LandmarkMeasurement near_d{"D", Destination(kSite, 90, 400), 100'000, 8};
  auto a = AssessLocation({At("A", 0, 40, 1.3), At("B", 120, 40, 1.3), near_d},
                          AllowedRegion{kSite, 50, std::nullopt});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->verdict, LocationVerdict::kTamper);
  ASSERT_FALSE(a->tamper.empty());
  EXPECT_NE(a->tamper[0].find("landmark 'D' is 400.0 km from the declared site"),
            std::string::npos)
      << a->tamper[0];
}

TEST(AssessLocation, ContradictoryLandmarksAreATamperSignalEvenIfEachCoversTheSite) {
  // Two landmarks 600 km apart both answered in 1 ms (150 km disks): no one machine could have.
  const GeoPoint west = Destination(kSite, 270, 300), east = Destination(kSite, 90, 300);
  auto a = AssessLocation({{"W", west, 1'000'000, 8}, {"E", east, 1'000'000, 8}},
                          AllowedRegion{west, 50, std::nullopt}, 1);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->verdict, LocationVerdict::kTamper);
  bool empty_named = false;
  for (const auto& t : a->tamper) empty_named |= t.find("no common point") != std::string::npos;
  EXPECT_TRUE(empty_named);
}

TEST(AssessLocation, CountryContainmentNeedsTheWholeAreaInside) {
  Polygon square{"SQ", "test", {{{48, 7}, {48, 11}, {52, 11}, {52, 7}}}};
  AllowedRegion region{kSite, 0, square};
  auto in = AssessLocation({At("A", 0, 40, 1.3), At("B", 120, 40, 1.3), At("C", 240, 40, 1.3)},
                           region);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->verdict, LocationVerdict::kWithinRegion) << in->statement;
  auto wide = AssessLocation({At("A", 0, 300, 2.5), At("B", 120, 300, 2.5),
                              At("C", 240, 300, 2.5)},
                             region);
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(wide->verdict, LocationVerdict::kNotProven);
  EXPECT_EQ(*wide->country_containment, Containment::kStraddles);
}

TEST(AssessLocation, RefusesARegionWithNeitherRadiusNorCountry) {
  EXPECT_EQ(AssessLocation({}, AllowedRegion{kSite, 0, std::nullopt}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace veu::location
