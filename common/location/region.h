// An allowed region as a polygon (a country's simplified border), and whether a disk
// intersection lies wholly inside it, wholly outside it, or straddles its border.
// Edges are straight in (longitude, latitude), as GeoJSON draws them; a polygon may have several
// rings (islands), read as their union; rings must not cross the antimeridian. Pure: no I/O.
#ifndef VEU_COMMON_LOCATION_REGION_H_
#define VEU_COMMON_LOCATION_REGION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/location/geo.h"
#include "common/location/intersection.h"

namespace veu::location {

struct Polygon {
  std::string name;                          // "DE"
  std::string source;                        // where the border points come from
  std::vector<std::vector<GeoPoint>> rings;  // each ring >= 3 points, implicitly closed
};

// OK when every ring has >= 3 valid points and spans under 180 degrees of longitude.
absl::Status ValidatePolygon(const Polygon& polygon);

// Point in polygon (even-odd rule per ring, union over rings).
bool PolygonContains(const Polygon& polygon, const GeoPoint& p);

enum class Containment {
  kInside,     // every point of the intersection is in the polygon
  kOutside,    // no point of the intersection is in the polygon: "cannot be inside"
  kStraddles,  // the border runs through the intersection: not proven either way
  kEmpty,      // the intersection is empty (a tamper signal for the caller)
  kTooLarge,   // a disk covers a hemisphere or more: the test's convexity does not hold
};

// Classifies `area` against `polygon`. The border is walked in steps of at most `step_km`
// and every step point is tested against the disks grown by step_km/2, so a border that
// passes through the intersection anywhere is always found (an error only towards
// kStraddles). The intersection of caps under a hemisphere is connected, so a border that
// never enters it leaves it wholly inside or wholly outside; one witness point decides which.
Containment Classify(const DiskIntersection& area, const Polygon& polygon, double step_km = 1.0);

const char* ContainmentName(Containment c);

}  // namespace veu::location

#endif  // VEU_COMMON_LOCATION_REGION_H_
