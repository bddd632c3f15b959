// Great-circle geometry on a spherical Earth (mean radius 6371.0088 km), for location proofs.
// Pure: no I/O. The sphere is an approximation of the WGS-84 ellipsoid; its error on a
// great-circle distance is at most about 0.5 %, small beside the fiber-inflation that any
// timed bound carries, and every caller that turns distances into verdicts says so.
#ifndef VEU_COMMON_LOCATION_GEO_H_
#define VEU_COMMON_LOCATION_GEO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace veu::location {

inline constexpr double kEarthRadiusKm = 6371.0088;           // IUGG mean radius
inline constexpr double kHalfCircumferenceKm = 3.14159265358979323846 * kEarthRadiusKm;

struct GeoPoint {
  double lat_deg = 0;  // -90..90, north positive
  double lon_deg = 0;  // -180..180, east positive
};

// OK when both coordinates are finite and in range; InvalidArgument naming `what` otherwise.
absl::Status ValidatePoint(const GeoPoint& p, absl::string_view what);

// Great-circle distance in km (haversine; exact on the sphere, stable for tiny distances).
double DistanceKm(const GeoPoint& a, const GeoPoint& b);

// Initial bearing from `a` towards `b`, degrees clockwise from north in [0, 360).
double BearingDeg(const GeoPoint& a, const GeoPoint& b);

// The point `distance_km` from `from` along the great circle leaving at `bearing_deg`.
GeoPoint Destination(const GeoPoint& from, double bearing_deg, double distance_km);

// "50.1109N 8.6821E" (4 decimals, about 10 m).
std::string FormatPoint(const GeoPoint& p);

// A unit vector in Earth-centred coordinates; the intersection code works on these.
struct Vec3 {
  double x = 0, y = 0, z = 1;
};
Vec3 ToVec(const GeoPoint& p);
GeoPoint FromVec(const Vec3& v);  // v need not be unit length; must not be zero
double Dot(const Vec3& a, const Vec3& b);
Vec3 Cross(const Vec3& a, const Vec3& b);
Vec3 Normalize(const Vec3& v);
// Angle between two unit vectors in radians, accurate near 0 and pi (atan2 form).
double AngleRad(const Vec3& a, const Vec3& b);

}  // namespace veu::location

#endif  // VEU_COMMON_LOCATION_GEO_H_
