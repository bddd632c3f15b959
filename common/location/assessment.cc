#include "common/location/assessment.h"

#include <set>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/location/intersection.h"

namespace veu::location {

const char* LocationVerdictName(LocationVerdict v) {
  switch (v) {
    case LocationVerdict::kWithinRegion: return "WITHIN_REGION";
    case LocationVerdict::kNotProven: return "NOT_PROVEN";
    case LocationVerdict::kTamper: return "TAMPER";
  }
  return "UNKNOWN";
}

absl::StatusOr<LocationAssessment> AssessLocation(const std::vector<LandmarkMeasurement>& m,
                                                  const AllowedRegion& region,
                                                  uint32_t min_landmarks) {
  absl::Status s = ValidatePoint(region.site, "declared site");
  if (!s.ok()) return s;
  if (region.radius_km <= 0 && !region.country.has_value()) {
    return absl::InvalidArgumentError(
        "allowed region: give a radius around the site (km > 0) or a country polygon");
  }
  if (region.country.has_value()) {
    s = ValidatePolygon(*region.country);
    if (!s.ok()) return s;
  }
  LocationAssessment out;
  std::set<std::string> ids;
  for (const LandmarkMeasurement& x : m) {
    s = ValidatePoint(x.position, absl::StrCat("landmark '", x.landmark_id, "'"));
    if (!s.ok()) return s;
    if (x.samples == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("landmark '", x.landmark_id, "': a measurement with no samples"));
    }
    ids.insert(x.landmark_id);
    out.disks.push_back(Disk{x.landmark_id, x.position, RadiusKmForRtt(x.rtt_min_ns)});
  }
  // A disk that leaves out the declared site: the node answered that landmark faster than
  // light could travel from the site.
  for (const Disk& d : out.disks) {
    const double dist = DistanceKm(d.center, region.site);
    if (dist > d.radius_km + kToleranceKm) {
      out.tamper.push_back(absl::StrFormat(
          "landmark '%s' is %.1f km from the declared site but its round trip allows only "
          "%.1f km: the node is at least %.1f km from the site",
          d.landmark_id, dist, d.radius_km, dist - d.radius_km));
    }
  }
  if (out.disks.empty()) {
    out.statement = "no landmark receipts: location not proven";
    return out;
  }
  const DiskIntersection area(out.disks);
  if (area.Empty()) {
    out.tamper.push_back(
        "the landmarks' disks have no common point: no single machine could have answered "
        "all of them (a relay, or a landmark's clock or position is wrong)");
  } else {
    out.max_km_from_site = area.MaxDistanceKm(region.site);
    out.min_km_from_site = area.MinDistanceKm(region.site);
    if (region.country.has_value()) out.country_containment = Classify(area, *region.country);
  }
  if (!out.tamper.empty()) {
    out.verdict = LocationVerdict::kTamper;
    out.statement = absl::StrCat("tamper signal: ", absl::StrJoin(out.tamper, "; "));
    return out;
  }
  std::vector<std::string> why_not;
  if (ids.size() < min_landmarks) {
    why_not.push_back(absl::StrFormat("%d distinct landmark(s) answered, %d required",
                                      ids.size(), min_landmarks));
  }
  if (region.radius_km > 0 && *out.max_km_from_site > region.radius_km) {
    why_not.push_back(absl::StrFormat(
        "the node may be up to %.1f km from the declared site, beyond the allowed %.1f km",
        *out.max_km_from_site, region.radius_km));
  }
  if (out.country_containment.has_value() && *out.country_containment != Containment::kInside) {
    why_not.push_back(absl::StrFormat("the possible area %s of %s",
                                      *out.country_containment == Containment::kOutside
                                          ? "lies wholly outside"
                                          : ContainmentName(*out.country_containment),
                                      region.country->name));
  }
  if (why_not.empty()) {
    out.verdict = LocationVerdict::kWithinRegion;
    std::string where = absl::StrFormat("within %.1f km of the declared site",
                                        *out.max_km_from_site);
    if (region.country.has_value()) absl::StrAppend(&where, " and inside ", region.country->name);
    out.statement = absl::StrFormat("%s (%d landmarks)", where, ids.size());
  } else {
    out.verdict = LocationVerdict::kNotProven;
    out.statement = absl::StrCat("not proven: ", absl::StrJoin(why_not, "; "));
  }
  return out;
}

}  // namespace veu::location
