#include "common/location/region_file.h"

#include <gtest/gtest.h>

namespace veu::location {
namespace {

const std::string kGermany = std::string(VEU_SOURCE_DIR) + "/deploy/policies/regions/DE.textproto";

TEST(ShippedRegions, GermanyLoadsAndHoldsItsCitiesButNotItsNeighbours) {
  auto de = LoadRegionFile(kGermany);
  ASSERT_TRUE(de.ok()) << de.status();
  EXPECT_EQ(de->name, "DE");
  EXPECT_NE(de->source.find("Natural Earth"), std::string::npos);
  for (GeoPoint city : {GeoPoint{52.52, 13.405}, GeoPoint{50.1109, 8.6821},
                        GeoPoint{48.1351, 11.5820}, GeoPoint{53.5511, 9.9937}}) {
    EXPECT_TRUE(PolygonContains(*de, city)) << FormatPoint(city);
  }
  for (GeoPoint abroad : {GeoPoint{52.2297, 21.0122}, GeoPoint{48.8566, 2.3522},
                          GeoPoint{50.0755, 14.4378}, GeoPoint{52.3676, 4.9041}}) {
    EXPECT_FALSE(PolygonContains(*de, abroad)) << FormatPoint(abroad);
  }
}

TEST(ShippedRegions, MissingAndMalformedFilesAreRefusedWithTheirName) {
  auto missing = LoadRegionFile("/nonexistent/XX.textproto");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  veu::v1::CountryRegion two_points;
  two_points.set_country("XX");
  auto* ring = two_points.add_rings();
  ring->add_points()->set_latitude_deg(1);
  ring->add_points()->set_latitude_deg(2);
  EXPECT_EQ(PolygonFromProto(two_points).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace veu::location
