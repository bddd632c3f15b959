#include "common/location/disk.h"

#include <algorithm>
#include <cmath>

namespace veu::location {

double RadiusKmForRtt(uint64_t rtt_min_ns) {
  const double chord_km = static_cast<double>(rtt_min_ns) / 1e6 / 2.0 * kVacuumKmPerMs;
  const double half = chord_km / (2 * kEarthRadiusKm);
  if (half >= 1.0) return kHalfCircumferenceKm;
  return std::min(kHalfCircumferenceKm, 2 * kEarthRadiusKm * std::asin(half));
}

}  // namespace veu::location
