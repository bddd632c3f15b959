#include "common/location/region.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace veu::location {
namespace {
// The most km one degree of latitude or longitude spans anywhere (at the equator).
constexpr double kKmPerDegreeMax = kEarthRadiusKm * 3.14159265358979323846 / 180.0;
}  // namespace

absl::Status ValidatePolygon(const Polygon& polygon) {
  if (polygon.rings.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("region '%s' has no ring of border points", polygon.name));
  }
  for (size_t r = 0; r < polygon.rings.size(); ++r) {
    const auto& ring = polygon.rings[r];
    if (ring.size() < 3) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "region '%s' ring %d has %d points; a ring needs at least 3", polygon.name, r,
          ring.size()));
    }
    double lo = 180, hi = -180;
    for (size_t i = 0; i < ring.size(); ++i) {
      absl::Status s = ValidatePoint(
          ring[i], absl::StrFormat("region '%s' ring %d point %d", polygon.name, r, i));
      if (!s.ok()) return s;
      lo = std::min(lo, ring[i].lon_deg);
      hi = std::max(hi, ring[i].lon_deg);
    }
    if (hi - lo >= 180) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "region '%s' ring %d spans %g degrees of longitude; rings crossing the antimeridian "
          "are not supported (split the ring)",
          polygon.name, r, hi - lo));
    }
  }
  return absl::OkStatus();
}

bool PolygonContains(const Polygon& polygon, const GeoPoint& p) {
  for (const auto& ring : polygon.rings) {
    bool inside = false;
    for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
      const GeoPoint& a = ring[i];
      const GeoPoint& b = ring[j];
      if ((a.lat_deg > p.lat_deg) != (b.lat_deg > p.lat_deg)) {
        const double x = (b.lon_deg - a.lon_deg) * (p.lat_deg - a.lat_deg) /
                             (b.lat_deg - a.lat_deg) +
                         a.lon_deg;
        if (p.lon_deg < x) inside = !inside;
      }
    }
    if (inside) return true;
  }
  return false;
}

Containment Classify(const DiskIntersection& area, const Polygon& polygon, double step_km) {
  if (area.Empty()) return Containment::kEmpty;
  if (!area.AllBelowHemisphere()) return Containment::kTooLarge;
  const double step_deg = step_km / kKmPerDegreeMax;
  for (const auto& ring : polygon.rings) {
    for (size_t i = 0; i < ring.size(); ++i) {
      const GeoPoint& a = ring[i];
      const GeoPoint& b = ring[(i + 1) % ring.size()];
      const double len = std::hypot(b.lat_deg - a.lat_deg, b.lon_deg - a.lon_deg);
      const int n = std::max(1, static_cast<int>(std::ceil(len / step_deg)));
      for (int k = 0; k <= n; ++k) {
        const double t = static_cast<double>(k) / n;
        const GeoPoint q{a.lat_deg + t * (b.lat_deg - a.lat_deg),
                         a.lon_deg + t * (b.lon_deg - a.lon_deg)};
        if (area.ContainsWithMargin(q, step_km / 2)) return Containment::kStraddles;
      }
    }
  }
  return PolygonContains(polygon, *area.Witness()) ? Containment::kInside : Containment::kOutside;
}

const char* ContainmentName(Containment c) {
  switch (c) {
    case Containment::kInside: return "inside";
    case Containment::kOutside: return "outside";
    case Containment::kStraddles: return "straddles the border";
    case Containment::kEmpty: return "empty intersection";
    case Containment::kTooLarge: return "a disk covers a hemisphere";
  }
  return "unknown";
}

}  // namespace veu::location
