// Country borders shipped as veu.v1.CountryRegion text files (deploy/policies/regions/CC.textproto),
// turned into the pure core's Polygon. The reader is the only I/O here.
#ifndef VEU_COMMON_LOCATION_REGION_FILE_H_
#define VEU_COMMON_LOCATION_REGION_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/location/region.h"
#include "veu/v1/location.pb.h"

namespace veu::location {

// The polygon of a CountryRegion; InvalidArgument (with the ring and point) if it is not one.
absl::StatusOr<Polygon> PolygonFromProto(const veu::v1::CountryRegion& region);

// Reads and validates a CountryRegion text file. NotFound / InvalidArgument naming the file.
absl::StatusOr<Polygon> LoadRegionFile(const std::string& path);

GeoPoint FromProto(const veu::v1::GeoPoint& p);
veu::v1::GeoPoint ToProto(const GeoPoint& p);

}  // namespace veu::location

#endif  // VEU_COMMON_LOCATION_REGION_FILE_H_
