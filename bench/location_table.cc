// veu-location-table: how many landmarks at what spacing prove a node is inside a country the
// size of Germany (issue 12's figure). Computed with the verifier's own code
// (common/location/assessment.h) on the shipped border (deploy/policies/regions/DE.textproto),
// not measured: for each case the node sits at a position in Germany, N landmarks stand on a
// ring of radius S km around it, and each landmark's fastest round trip is what a path of
// S x k km (k: route length and fiber slowness over the vacuum great circle) plus the agent's
// answer time takes. The cell is the farthest the node could be from its true position by
// the landmarks' disks, and whether that whole area lies inside Germany.
//
//   veu-location-table [--region FILE] [--answer-us US]
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/location/assessment.h"
#include "common/location/region_file.h"

using namespace veu::location;

int main(int argc, char** argv) {
  std::string region = std::string(VEU_SOURCE_DIR) + "/deploy/policies/regions/DE.textproto";
  double answer_us = 100;  // the agent's answer time plus the landmark's own stack, round trip
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--region") == 0) region = argv[i + 1];
    if (std::strcmp(argv[i], "--answer-us") == 0) answer_us = std::atof(argv[i + 1]);
  }
  auto polygon = LoadRegionFile(region);
  if (!polygon.ok()) {
    std::fprintf(stderr, "veu-location-table: %s\n", std::string(polygon.status().message()).c_str());
    return 1;
  }
  struct Place { const char* name; GeoPoint at; };
  const std::vector<Place> places = {{"centre (Niederdorla)", {51.163, 10.448}},
                                     {"Frankfurt", {50.1109, 8.6821}},
                                     {"Munich (60 km from AT)", {48.1351, 11.5820}}};
  const std::vector<double> inflations = {1.0, 1.5, 2.0, 3.0};
  const std::vector<int> counts = {3, 4, 6, 8};
  const std::vector<double> spacings = {25, 50, 100, 200, 300};
  std::printf("Region %s (%s); answer time %.0f us round trip (%.1f km of light one way)\n\n",
              polygon->name.c_str(), polygon->source.c_str(), answer_us,
              answer_us / 1000 / 2 * kVacuumKmPerMs);
  for (const Place& place : places) {
    std::printf("### Node at %s, %s\n\n", place.name, FormatPoint(place.at).c_str());
    for (double k : inflations) {
      std::printf("k = %.1f (path length x slowness over vacuum great circle)\n\n", k);
      std::printf("| landmarks \\ ring radius |");
      for (double s : spacings) std::printf(" %.0f km |", s);
      std::printf("\n|---|");
      for (size_t i = 0; i < spacings.size(); ++i) std::printf("---|");
      std::printf("\n");
      for (int n : counts) {
        std::printf("| %d |", n);
        for (double s : spacings) {
          std::vector<LandmarkMeasurement> m;
          for (int i = 0; i < n; ++i) {
            const double one_way_km = s * k + answer_us / 1000 / 2 * kVacuumKmPerMs;
            m.push_back(LandmarkMeasurement{
                "L" + std::to_string(i), Destination(place.at, 360.0 * i / n + 15, s),
                static_cast<uint64_t>(2 * one_way_km / kVacuumKmPerMs * 1e6), 8});
          }
          auto a = AssessLocation(m, AllowedRegion{place.at, 0, *polygon});
          if (!a.ok()) {
            std::printf(" error |");
            continue;
          }
          const bool inside = a->verdict == LocationVerdict::kWithinRegion;
          std::printf(" %s %.0f km |", inside ? "yes" : "no", a->max_km_from_site.value_or(-1));
        }
        std::printf("\n");
      }
      std::printf("\n");
    }
  }
  return 0;
}
