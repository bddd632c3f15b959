#include "common/location/geo.h"

#include <cmath>

#include "absl/strings/str_format.h"

namespace veu::location {
namespace {
constexpr double kPi = 3.14159265358979323846;
double Rad(double deg) { return deg * kPi / 180.0; }
double Deg(double rad) { return rad * 180.0 / kPi; }
}  // namespace

absl::Status ValidatePoint(const GeoPoint& p, absl::string_view what) {
  if (!std::isfinite(p.lat_deg) || !std::isfinite(p.lon_deg) || p.lat_deg < -90 ||
      p.lat_deg > 90 || p.lon_deg < -180 || p.lon_deg > 180) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: coordinates (%g, %g) are not a position; latitude must be in [-90, 90] and "
        "longitude in [-180, 180] degrees",
        what, p.lat_deg, p.lon_deg));
  }
  return absl::OkStatus();
}

double DistanceKm(const GeoPoint& a, const GeoPoint& b) {
  const double dlat = Rad(b.lat_deg - a.lat_deg);
  const double dlon = Rad(b.lon_deg - a.lon_deg);
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(Rad(a.lat_deg)) * std::cos(Rad(b.lat_deg)) * std::sin(dlon / 2) *
                       std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::atan2(std::sqrt(h), std::sqrt(std::max(0.0, 1 - h)));
}

double BearingDeg(const GeoPoint& a, const GeoPoint& b) {
  const double p1 = Rad(a.lat_deg), p2 = Rad(b.lat_deg), dl = Rad(b.lon_deg - a.lon_deg);
  const double y = std::sin(dl) * std::cos(p2);
  const double x = std::cos(p1) * std::sin(p2) - std::sin(p1) * std::cos(p2) * std::cos(dl);
  const double deg = Deg(std::atan2(y, x));
  return std::fmod(deg + 360.0, 360.0);
}

GeoPoint Destination(const GeoPoint& from, double bearing_deg, double distance_km) {
  const double d = distance_km / kEarthRadiusKm;
  const double p1 = Rad(from.lat_deg), l1 = Rad(from.lon_deg), th = Rad(bearing_deg);
  const double p2 = std::asin(std::sin(p1) * std::cos(d) + std::cos(p1) * std::sin(d) * std::cos(th));
  const double l2 = l1 + std::atan2(std::sin(th) * std::sin(d) * std::cos(p1),
                                    std::cos(d) - std::sin(p1) * std::sin(p2));
  double lon = std::fmod(Deg(l2) + 540.0, 360.0) - 180.0;
  return GeoPoint{Deg(p2), lon};
}

std::string FormatPoint(const GeoPoint& p) {
  return absl::StrFormat("%.4f%c %.4f%c", std::fabs(p.lat_deg), p.lat_deg < 0 ? 'S' : 'N',
                         std::fabs(p.lon_deg), p.lon_deg < 0 ? 'W' : 'E');
}

Vec3 ToVec(const GeoPoint& p) {
  const double la = Rad(p.lat_deg), lo = Rad(p.lon_deg);
  return Vec3{std::cos(la) * std::cos(lo), std::cos(la) * std::sin(lo), std::sin(la)};
}

GeoPoint FromVec(const Vec3& v) {
  return GeoPoint{Deg(std::atan2(v.z, std::hypot(v.x, v.y))), Deg(std::atan2(v.y, v.x))};
}

double Dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }

Vec3 Cross(const Vec3& a, const Vec3& b) {
  return Vec3{a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}

Vec3 Normalize(const Vec3& v) {
  const double n = std::sqrt(Dot(v, v));
  return Vec3{v.x / n, v.y / n, v.z / n};
}

double AngleRad(const Vec3& a, const Vec3& b) {
  const Vec3 c = Cross(a, b);
  return std::atan2(std::sqrt(Dot(c, c)), Dot(a, b));
}

}  // namespace veu::location
