// A landmark's timed bound: nothing travels faster than light in vacuum, so a round trip of
// RTT from a landmark means the answering machine is within RTT/2 x c of it in a straight
// line. A node can add delay but never remove it, so the bound can only be loose, never wrong.
// Pure: no I/O.
#ifndef VEU_COMMON_LOCATION_DISK_H_
#define VEU_COMMON_LOCATION_DISK_H_

#include <cstdint>
#include <string>

#include "common/location/geo.h"

namespace veu::location {

// Speed of light in vacuum, km per millisecond (299,792.458 km/s). Fiber is slower (about
// c/1.47) and routes are longer than the great circle; using vacuum speed makes every disk
// a safe over-estimate.
inline constexpr double kVacuumKmPerMs = 299.792458;

struct Disk {
  std::string landmark_id;
  GeoPoint center;
  double radius_km = 0;  // great-circle radius on the surface
};

// The surface radius, in km, that a minimum round-trip time of `rtt_min_ns` allows: the
// straight-line (chord) bound RTT/2 x c turned into the great-circle distance of the same
// chord (slightly larger, since a chord is shorter than its arc), capped at half the Earth's
// circumference (a bound that large says nothing).
double RadiusKmForRtt(uint64_t rtt_min_ns);

}  // namespace veu::location

#endif  // VEU_COMMON_LOCATION_DISK_H_
