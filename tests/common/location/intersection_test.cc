#include "common/location/intersection.h"

#include <gtest/gtest.h>

namespace veu::location {
namespace {

const GeoPoint kSite{50.1109, 8.6821};  // Frankfurt

// Three landmarks `spacing_km` from the site at 0, 120 and 240 degrees, each with a disk of
// `radius_km`.
std::vector<Disk> Ring(double spacing_km, double radius_km, int n = 3) {
  std::vector<Disk> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(Disk{"L" + std::to_string(i), Destination(kSite, 360.0 * i / n, spacing_km),
                       radius_km});
  }
  return out;
}

TEST(DiskIntersection, OneDiskReachesItsRadiusPlusTheCentreOffset) {
  const GeoPoint c = Destination(kSite, 90, 40);
  DiskIntersection area({Disk{"A", c, 100}});
  ASSERT_FALSE(area.Empty());
  EXPECT_NEAR(*area.MaxDistanceKm(kSite), 140, 0.01);
  EXPECT_NEAR(*area.MinDistanceKm(kSite), 0, 0.01);  // the site is inside
}

TEST(DiskIntersection, TightRingPinsTheNodeNearTheCentre) {
  // Landmarks 100 km away, disks of 110 km: the common part is a small lens around the site.
  DiskIntersection area(Ring(100, 110));
  ASSERT_FALSE(area.Empty());
  EXPECT_TRUE(area.Contains(kSite));
  const double max = *area.MaxDistanceKm(kSite);
  EXPECT_GT(max, 10);
  EXPECT_LT(max, 30);  // far less than any single disk's 210 km reach
}

TEST(DiskIntersection, MaxDistanceIsAttainedAndNothingFurtherIsInside) {
  DiskIntersection area(Ring(100, 150));
  const double max = *area.MaxDistanceKm(kSite);
  // Walk every bearing: no point beyond `max` is in the intersection, and some point at
  // `max` (to a metre) is.
  bool reached = false;
  for (int b = 0; b < 360; ++b) {
    EXPECT_FALSE(area.Contains(Destination(kSite, b, max + 0.1))) << b;
    for (double d = max - 0.002; d <= max; d += 0.001) {
      if (area.Contains(Destination(kSite, b, d))) reached = true;
    }
  }
  EXPECT_TRUE(reached);
}

TEST(DiskIntersection, DisjointDisksAreEmpty) {
  DiskIntersection area({Disk{"A", kSite, 10}, Disk{"B", Destination(kSite, 0, 50), 10}});
  EXPECT_TRUE(area.Empty());
  EXPECT_FALSE(area.MaxDistanceKm(kSite).has_value());
}

TEST(DiskIntersection, ADiskInsideAnotherIsTheIntersection) {
  DiskIntersection area({Disk{"big", kSite, 500}, Disk{"small", Destination(kSite, 90, 100), 20}});
  ASSERT_FALSE(area.Empty());
  EXPECT_NEAR(*area.MaxDistanceKm(kSite), 120, 0.01);
  EXPECT_NEAR(*area.MinDistanceKm(kSite), 80, 0.01);
}

TEST(DiskIntersection, TouchingDisksMeetInOnePoint) {
  DiskIntersection area({Disk{"A", kSite, 25}, Disk{"B", Destination(kSite, 0, 50), 25}});
  ASSERT_FALSE(area.Empty());
  EXPECT_NEAR(*area.MaxDistanceKm(kSite), 25, 0.05);
}

TEST(DiskIntersection, DisksLargerThanAHemisphereAreNotConvex) {
  DiskIntersection area({Disk{"A", kSite, 15000}});
  EXPECT_FALSE(area.AllBelowHemisphere());
  EXPECT_NEAR(*area.MaxDistanceKm(kSite), 15000, 0.01);
}

}  // namespace
}  // namespace veu::location
