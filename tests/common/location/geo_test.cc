#include "common/location/geo.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/location/disk.h"

namespace veu::location {
namespace {

const GeoPoint kFrankfurt{50.1109, 8.6821};
const GeoPoint kBerlin{52.5200, 13.4050};

TEST(GreatCircle, FrankfurtToBerlinIsAbout424Km) {
  // Published great-circle distance on a sphere of mean radius: 423-424 km.
  EXPECT_NEAR(DistanceKm(kFrankfurt, kBerlin), 423.5, 1.5);
  EXPECT_DOUBLE_EQ(DistanceKm(kFrankfurt, kBerlin), DistanceKm(kBerlin, kFrankfurt));
}

TEST(GreatCircle, QuarterMeridianIsAQuarterOfTheCircumference) {
  EXPECT_NEAR(DistanceKm({0, 0}, {90, 0}), kHalfCircumferenceKm / 2, 1e-6);
  EXPECT_NEAR(DistanceKm({0, 0}, {0, 180}), kHalfCircumferenceKm, 1e-6);
}

TEST(GreatCircle, DestinationWalksTheDistanceAndBearingItWasGiven) {
  for (double bearing : {0.0, 45.0, 135.0, 270.0}) {
    const GeoPoint p = Destination(kFrankfurt, bearing, 300);
    EXPECT_NEAR(DistanceKm(kFrankfurt, p), 300, 1e-6) << bearing;
    const double off = std::fmod(BearingDeg(kFrankfurt, p) - bearing + 540.0, 360.0) - 180.0;
    EXPECT_NEAR(off, 0, 1e-6) << bearing;
  }
}

TEST(GreatCircle, RefusesCoordinatesOffTheGlobe) {
  EXPECT_TRUE(ValidatePoint(kFrankfurt, "site").ok());
  EXPECT_EQ(ValidatePoint({91, 0}, "site").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidatePoint({0, -181}, "site").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidatePoint({std::nan(""), 0}, "site").code(), absl::StatusCode::kInvalidArgument);
}

TEST(RttRadius, OneMillisecondRoundTripAllowsHalfALightMillisecond) {
  // 1 ms there and back: 0.5 ms each way at 299.792 km/ms = 149.9 km (chord), and the arc
  // of that chord is a few metres longer.
  const double r = RadiusKmForRtt(1'000'000);
  EXPECT_GT(r, 149.896);
  EXPECT_LT(r, 149.896 + 0.02);
}

TEST(RttRadius, ZeroRoundTripIsAPointAndHugeOnesCoverTheGlobe) {
  EXPECT_EQ(RadiusKmForRtt(0), 0);
  EXPECT_EQ(RadiusKmForRtt(10'000'000'000ull), kHalfCircumferenceKm);
}

}  // namespace
}  // namespace veu::location
