#include "common/location/region.h"

#include <gtest/gtest.h>

namespace veu::location {
namespace {

// A 2 x 2 degree square around (50N, 10E): about 222 km north-south, 143 km east-west.
Polygon Square() {
  return Polygon{"SQ", "test", {{{49, 9}, {49, 11}, {51, 11}, {51, 9}}}};
}

TEST(Polygon, ContainsItsInsideAndNotItsOutside) {
  EXPECT_TRUE(PolygonContains(Square(), {50, 10}));
  EXPECT_FALSE(PolygonContains(Square(), {52, 10}));
  EXPECT_FALSE(PolygonContains(Square(), {50, 12}));
}

TEST(Polygon, SeveralRingsAreTheirUnion) {
  Polygon p = Square();
  p.rings.push_back({{55, 9}, {55, 10}, {56, 10}});
  EXPECT_TRUE(PolygonContains(p, {55.3, 9.5}));
  EXPECT_TRUE(PolygonContains(p, {50, 10}));
}

TEST(Polygon, RefusesDegenerateAndAntimeridianRings) {
  EXPECT_TRUE(ValidatePolygon(Square()).ok());
  EXPECT_FALSE(ValidatePolygon(Polygon{"X", "", {{{0, 0}, {1, 1}}}}).ok());
  EXPECT_FALSE(ValidatePolygon(Polygon{"X", "", {{{0, -170}, {1, 170}, {2, 175}}}}).ok());
  EXPECT_FALSE(ValidatePolygon(Polygon{"X", "", {}}).ok());
}

TEST(Containment, SmallAreaInTheMiddleIsInside) {
  DiskIntersection area({Disk{"A", {50, 10}, 30}});
  EXPECT_EQ(Classify(area, Square()), Containment::kInside);
}

TEST(Containment, AreaReachingOverTheBorderStraddles) {
  // 30 km disk centred 20 km inside the southern edge.
  DiskIntersection area({Disk{"A", Destination({49, 10}, 0, 20), 30}});
  EXPECT_EQ(Classify(area, Square()), Containment::kStraddles);
}

TEST(Containment, AreaWhollyAbroadIsOutside) {
  DiskIntersection area({Disk{"A", {53, 10}, 50}});
  EXPECT_EQ(Classify(area, Square()), Containment::kOutside);
}

TEST(Containment, AreaSwallowingTheWholeCountryStraddles) {
  // The country lies inside the area: the node could be inside or outside it.
  DiskIntersection area({Disk{"A", {50, 10}, 600}});
  EXPECT_EQ(Classify(area, Square()), Containment::kStraddles);
}

TEST(Containment, NarrowCrossingBetweenBorderVerticesIsFound) {
  // The disk pokes 300 m over the straight eastern edge, midway between its two vertices.
  const GeoPoint edge_mid{50, 11};
  DiskIntersection area({Disk{"A", Destination(edge_mid, 270, 4.7), 5.0}});
  EXPECT_EQ(Classify(area, Square()), Containment::kStraddles);
}

TEST(Containment, EmptyAndHemisphereAreasAreNeverInside) {
  DiskIntersection empty({Disk{"A", {50, 10}, 1}, Disk{"B", {50.5, 10}, 1}});
  EXPECT_EQ(Classify(empty, Square()), Containment::kEmpty);
  DiskIntersection huge({Disk{"A", {50, 10}, 12000}});
  EXPECT_EQ(Classify(huge, Square()), Containment::kTooLarge);
}

}  // namespace
}  // namespace veu::location
