#include "verifier/location/svg.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace veu::verifier {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kSize = 800, kMargin = 40;

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

struct Projection {
  location::GeoPoint origin;
  double km_per_px = 1;
  // km east / north of the origin, equirectangular.
  std::pair<double, double> Km(const location::GeoPoint& p) const {
    const double kx = (p.lon_deg - origin.lon_deg) * kPi / 180 * location::kEarthRadiusKm *
                      std::cos(origin.lat_deg * kPi / 180);
    const double ky = (p.lat_deg - origin.lat_deg) * kPi / 180 * location::kEarthRadiusKm;
    return {kx, ky};
  }
  std::pair<double, double> Px(const location::GeoPoint& p) const {
    auto [x, y] = Km(p);
    return {kSize / 2 + x / km_per_px, kSize / 2 - y / km_per_px};
  }
};

std::string Path(const Projection& pr, const std::vector<location::GeoPoint>& pts, bool close) {
  std::string d;
  for (size_t i = 0; i < pts.size(); ++i) {
    auto [x, y] = pr.Px(pts[i]);
    absl::StrAppendFormat(&d, "%s%.1f,%.1f ", i == 0 ? "M" : "L", x, y);
  }
  if (close) d += "Z";
  return d;
}

std::vector<location::GeoPoint> Circle(const location::GeoPoint& c, double r_km) {
  std::vector<location::GeoPoint> out;
  for (int b = 0; b < 360; b += 3) out.push_back(location::Destination(c, b, r_km));
  return out;
}

}  // namespace

std::string RenderLocationSvg(const location::LocationAssessment& a, const location::AllowedRegion& region,
                              const std::string& title) {
  Projection pr{region.site};
  double extent = std::max(10.0, region.radius_km);
  for (const location::Disk& d : a.disks) {
    extent = std::max(extent, location::DistanceKm(region.site, d.center) + d.radius_km);
  }
  if (region.country.has_value()) {
    for (const auto& ring : region.country->rings) {
      for (const auto& p : ring) extent = std::max(extent, location::DistanceKm(region.site, p));
    }
  }
  extent = std::min(extent, 3000.0);  // beyond that the flat projection lies; say so below
  pr.km_per_px = extent * 1.05 / (kSize / 2 - kMargin);

  std::string s = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
      kSize, kSize + 60, kSize, kSize + 60);
  if (region.country.has_value()) {
    for (const auto& ring : region.country->rings) {
      absl::StrAppendFormat(&s, "<path d=\"%s\" fill=\"#e8f0e0\" stroke=\"#5a7a40\" stroke-width=\"1.5\"/>\n",
                            Path(pr, ring, true));
    }
  }
  if (region.radius_km > 0) {
    absl::StrAppendFormat(&s,
                          "<path d=\"%s\" fill=\"none\" stroke=\"#2a6\" stroke-width=\"2\" "
                          "stroke-dasharray=\"6,4\"><title>allowed: %.1f km around the site</title></path>\n",
                          Path(pr, Circle(region.site, region.radius_km), true), region.radius_km);
  }
  const bool tamper = a.verdict == location::LocationVerdict::kTamper;
  for (const location::Disk& d : a.disks) {
    auto [x, y] = pr.Px(d.center);
    absl::StrAppendFormat(&s,
                          "<path d=\"%s\" fill=\"%s\" fill-opacity=\"0.12\" stroke=\"%s\" stroke-width=\"1.5\">"
                          "<title>%s: r = %.1f km</title></path>\n",
                          Path(pr, Circle(d.center, d.radius_km), true), tamper ? "#d33" : "#36c",
                          tamper ? "#d33" : "#36c", Escape(d.landmark_id), d.radius_km);
    absl::StrAppendFormat(&s,
                          "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"#124\"/>"
                          "<text x=\"%.1f\" y=\"%.1f\">%s (%.1f km)</text>\n",
                          x - 4, y - 4, x + 7, y - 6, Escape(d.landmark_id), d.radius_km);
  }
  auto [sx, sy] = pr.Px(region.site);
  absl::StrAppendFormat(&s,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#c60\"/>"
                        "<text x=\"%.1f\" y=\"%.1f\" fill=\"#c60\">declared site %s</text>\n",
                        sx, sy, sx + 8, sy + 14, location::FormatPoint(region.site));
  // Scale bar: a round number of km near a quarter of the width.
  double bar = std::pow(10, std::floor(std::log10(extent / 2)));
  if (bar * 5 < extent / 2) bar *= 5; else if (bar * 2 < extent / 2) bar *= 2;
  const double bar_px = bar / pr.km_per_px;
  absl::StrAppendFormat(&s,
                        "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"black\" stroke-width=\"2\"/>"
                        "<text x=\"%.0f\" y=\"%.0f\">%.0f km</text>\n",
                        kMargin, kSize - 20, kMargin + bar_px, kSize - 20, kMargin, kSize - 26, bar);
  const char* color = a.verdict == location::LocationVerdict::kWithinRegion ? "#161" : "#a11";
  absl::StrAppendFormat(&s, "<text x=\"10\" y=\"%.0f\" font-size=\"14\" fill=\"%s\">%s: %s</text>\n",
                        kSize + 20, color, Escape(title), location::LocationVerdictName(a.verdict));
  absl::StrAppendFormat(&s, "<text x=\"10\" y=\"%.0f\" font-size=\"11\">%s</text>\n", kSize + 42,
                        Escape(a.statement.substr(0, 160)));
  s += "</svg>\n";
  return s;
}

}  // namespace veu::verifier
