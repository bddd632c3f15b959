#include "common/location/region_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"

namespace veu::location {

GeoPoint FromProto(const veu::v1::GeoPoint& p) { return GeoPoint{p.latitude_deg(), p.longitude_deg()}; }

veu::v1::GeoPoint ToProto(const GeoPoint& p) {
  veu::v1::GeoPoint out;
  out.set_latitude_deg(p.lat_deg);
  out.set_longitude_deg(p.lon_deg);
  return out;
}

absl::StatusOr<Polygon> PolygonFromProto(const veu::v1::CountryRegion& region) {
  Polygon out;
  out.name = region.country();
  out.source = region.source();
  for (const auto& ring : region.rings()) {
    std::vector<GeoPoint> points;
    for (const auto& p : ring.points()) points.push_back(FromProto(p));
    out.rings.push_back(std::move(points));
  }
  absl::Status s = ValidatePolygon(out);
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<Polygon> LoadRegionFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("region file ", path, ": cannot be opened"));
  std::stringstream text;
  text << in.rdbuf();
  veu::v1::CountryRegion region;
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &region)) {
    return absl::InvalidArgumentError(
        absl::StrCat("region file ", path, ": not a veu.v1.CountryRegion in text format"));
  }
  absl::StatusOr<Polygon> p = PolygonFromProto(region);
  if (!p.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", p.status().message()));
  return p;
}

}  // namespace veu::location
