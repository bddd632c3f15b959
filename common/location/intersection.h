// The region where a node can be, given several landmarks' disks: their intersection on the
// sphere. Exact, not sampled: the extreme distances from a point over an intersection of
// spherical caps are reached at a vertex (two boundary circles crossing), at the nearest or
// farthest point of one boundary circle, or at the point itself / its antipode; so the
// candidates below are checked against every disk and the extremes read off them.
// Pure: no I/O. Membership uses a tolerance of kToleranceKm (a few metres), always in the
// direction that widens the intersection, so a verdict errs towards "not proven".
#ifndef VEU_COMMON_LOCATION_INTERSECTION_H_
#define VEU_COMMON_LOCATION_INTERSECTION_H_

#include <optional>
#include <vector>

#include "common/location/disk.h"
#include "common/location/geo.h"

namespace veu::location {

inline constexpr double kToleranceKm = 0.005;

class DiskIntersection {
 public:
  // `disks` must be non-empty with validated centres and radii >= 0.
  explicit DiskIntersection(std::vector<Disk> disks);

  const std::vector<Disk>& disks() const { return disks_; }

  // True when no point lies in every disk: the landmarks contradict one another, which
  // honest timing never does (a tamper signal for the caller).
  bool Empty() const { return !witness_.has_value(); }

  // A point of the intersection, when it is not empty.
  const std::optional<GeoPoint>& Witness() const { return witness_; }

  // True when `p` lies in every disk (within the tolerance).
  bool Contains(const GeoPoint& p) const;

  // True when `p` lies in every disk grown by `margin_km`.
  bool ContainsWithMargin(const GeoPoint& p, double margin_km) const;

  // Greatest and least great-circle distance from `p` to any point of the intersection;
  // nullopt when it is empty. The greatest is what "within R km of p" must bound.
  std::optional<double> MaxDistanceKm(const GeoPoint& p) const;
  std::optional<double> MinDistanceKm(const GeoPoint& p) const;

  // True when every disk is smaller than a hemisphere, so the intersection is convex and
  // connected (the region test relies on that).
  bool AllBelowHemisphere() const;

 private:
  std::vector<GeoPoint> Candidates(const GeoPoint* p) const;

  std::vector<Disk> disks_;
  std::vector<Vec3> centres_;
  std::vector<GeoPoint> vertices_;  // pairwise boundary crossings inside every disk
  std::optional<GeoPoint> witness_;
};

}  // namespace veu::location

#endif  // VEU_COMMON_LOCATION_INTERSECTION_H_
