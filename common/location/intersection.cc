#include "common/location/intersection.h"

#include <algorithm>
#include <cmath>

namespace veu::location {
namespace {

constexpr double kPi = 3.14159265358979323846;

Vec3 Scale(const Vec3& v, double s) { return Vec3{v.x * s, v.y * s, v.z * s}; }
Vec3 Add(const Vec3& a, const Vec3& b) { return Vec3{a.x + b.x, a.y + b.y, a.z + b.z}; }

double AngularRadius(const Disk& d) { return std::min(kPi, d.radius_km / kEarthRadiusKm); }

// The points where the boundary circles of two caps cross (0, 1 or 2 of them).
std::vector<Vec3> Crossings(const Vec3& c1, double a1, const Vec3& c2, double a2) {
  const double d = Dot(c1, c2);
  const double s2 = 1 - d * d;
  if (s2 < 1e-18) return {};  // same or antipodal centres: circles coincide or never cross
  const double k1 = std::cos(a1), k2 = std::cos(a2);
  const double a = (k1 - d * k2) / s2;
  const double b = (k2 - d * k1) / s2;
  const Vec3 p0 = Add(Scale(c1, a), Scale(c2, b));
  const double p0n = Dot(p0, p0);
  if (p0n > 1 + 1e-12) return {};
  const double t = std::sqrt(std::max(0.0, 1 - p0n));
  const Vec3 n = Normalize(Cross(c1, c2));
  return {Normalize(Add(p0, Scale(n, t))), Normalize(Add(p0, Scale(n, -t)))};
}

// The point of the circle (c, alpha) nearest to (towards = true) or farthest from `p`.
Vec3 ExtremeOnCircle(const Vec3& c, double alpha, const Vec3& p, bool towards) {
  Vec3 tangent = Add(p, Scale(c, -Dot(p, c)));  // towards p, tangent at c
  if (Dot(tangent, tangent) < 1e-24) {
    // p is the centre or its antipode: every point of the circle is equally far.
    tangent = std::fabs(c.z) < 0.9 ? Cross(c, Vec3{0, 0, 1}) : Cross(c, Vec3{1, 0, 0});
  }
  tangent = Normalize(tangent);
  if (!towards) tangent = Scale(tangent, -1);
  return Normalize(Add(Scale(c, std::cos(alpha)), Scale(tangent, std::sin(alpha))));
}

}  // namespace

DiskIntersection::DiskIntersection(std::vector<Disk> disks) : disks_(std::move(disks)) {
  for (const Disk& d : disks_) centres_.push_back(ToVec(d.center));
  std::vector<GeoPoint> witnesses;
  for (size_t i = 0; i < disks_.size(); ++i) {
    for (size_t j = i + 1; j < disks_.size(); ++j) {
      for (const Vec3& v : Crossings(centres_[i], AngularRadius(disks_[i]), centres_[j],
                                     AngularRadius(disks_[j]))) {
        const GeoPoint g = FromVec(v);
        if (Contains(g)) vertices_.push_back(g);
      }
    }
  }
  witnesses = vertices_;
  for (size_t i = 0; i < disks_.size(); ++i) {
    witnesses.push_back(disks_[i].center);
    witnesses.push_back(Destination(disks_[i].center, 0, disks_[i].radius_km));
  }
  for (const GeoPoint& g : witnesses) {
    if (Contains(g)) {
      witness_ = g;
      break;
    }
  }
}

bool DiskIntersection::Contains(const GeoPoint& p) const { return ContainsWithMargin(p, 0); }

bool DiskIntersection::ContainsWithMargin(const GeoPoint& p, double margin_km) const {
  const Vec3 v = ToVec(p);
  for (size_t i = 0; i < disks_.size(); ++i) {
    const double dist = AngleRad(v, centres_[i]) * kEarthRadiusKm;
    if (dist > disks_[i].radius_km + kToleranceKm + margin_km) return false;
  }
  return true;
}

bool DiskIntersection::AllBelowHemisphere() const {
  return std::all_of(disks_.begin(), disks_.end(),
                     [](const Disk& d) { return d.radius_km < kHalfCircumferenceKm / 2; });
}

std::vector<GeoPoint> DiskIntersection::Candidates(const GeoPoint* p) const {
  std::vector<GeoPoint> out = vertices_;
  const Vec3 pv = ToVec(*p);
  for (size_t i = 0; i < disks_.size(); ++i) {
    const double a = AngularRadius(disks_[i]);
    out.push_back(FromVec(ExtremeOnCircle(centres_[i], a, pv, true)));
    out.push_back(FromVec(ExtremeOnCircle(centres_[i], a, pv, false)));
  }
  out.push_back(*p);
  out.push_back(FromVec(Scale(pv, -1)));
  return out;
}

std::optional<double> DiskIntersection::MaxDistanceKm(const GeoPoint& p) const {
  if (Empty()) return std::nullopt;
  double best = -1;
  for (const GeoPoint& c : Candidates(&p)) {
    if (Contains(c)) best = std::max(best, DistanceKm(p, c));
  }
  return best < 0 ? std::nullopt : std::optional<double>(best);
}

std::optional<double> DiskIntersection::MinDistanceKm(const GeoPoint& p) const {
  if (Empty()) return std::nullopt;
  double best = -1;
  for (const GeoPoint& c : Candidates(&p)) {
    if (!Contains(c)) continue;
    const double d = DistanceKm(p, c);
    if (best < 0 || d < best) best = d;
  }
  return best < 0 ? std::nullopt : std::optional<double>(best);
}

}  // namespace veu::location
