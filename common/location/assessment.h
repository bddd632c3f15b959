// The location verdict from landmarks' minimum round-trip times: one disk per landmark
// (RadiusKmForRtt), their intersection, and whether it lies inside the allowed region.
// A statement is made only from what physics forbids: RTT bounds a distance from above, so
// "within R km" and "cannot be inside X" can be proven, "is at X" cannot. An empty
// intersection, or a disk that leaves out the declared site, is a tamper signal and never a
// pass. Pure: no I/O.
#ifndef VEU_COMMON_LOCATION_ASSESSMENT_H_
#define VEU_COMMON_LOCATION_ASSESSMENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/location/disk.h"
#include "common/location/geo.h"
#include "common/location/region.h"

namespace veu::location {

struct LandmarkMeasurement {
  std::string landmark_id;
  GeoPoint position;        // from the landmark's enrolment, not from what it claims
  uint64_t rtt_min_ns = 0;  // the least of its verified samples
  uint32_t samples = 0;
};

struct AllowedRegion {
  GeoPoint site;                 // the declared site
  double radius_km = 0;          // > 0: the node must be within this of the site
  std::optional<Polygon> country;  // set: the node must be inside this polygon
};

enum class LocationVerdict {
  kWithinRegion,  // the whole intersection is inside the allowed region
  kNotProven,     // too few landmarks, or the intersection reaches outside the region
  kTamper,        // the landmarks contradict the declared site or one another
};

const char* LocationVerdictName(LocationVerdict v);

struct LocationAssessment {
  LocationVerdict verdict = LocationVerdict::kNotProven;
  std::vector<Disk> disks;
  std::optional<double> max_km_from_site;  // how far from the site the node may be
  std::optional<double> min_km_from_site;  // how close to the site it can at best be
  std::optional<Containment> country_containment;
  std::vector<std::string> tamper;         // one line per contradiction
  std::string statement;                   // one sentence an operator or regulator reads
};

// Requires `region.site` valid and at least one of radius/country set (else InvalidArgument).
// Fewer than `min_landmarks` distinct landmarks give kNotProven (with the count), never a pass.
absl::StatusOr<LocationAssessment> AssessLocation(const std::vector<LandmarkMeasurement>& m,
                                                  const AllowedRegion& region,
                                                  uint32_t min_landmarks = 3);

}  // namespace veu::location

#endif  // VEU_COMMON_LOCATION_ASSESSMENT_H_
