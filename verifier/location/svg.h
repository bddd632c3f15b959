// A picture of a location verdict for an operator: the declared site, the allowed radius and
// country border, each landmark with its disk (drawn as true great-circle circles), and the
// verdict as the title. Equirectangular around the site; scale bar in km. Pure: returns text.
#ifndef VEU_VERIFIER_LOCATION_SVG_H_
#define VEU_VERIFIER_LOCATION_SVG_H_

#include <string>

#include "common/location/assessment.h"

namespace veu::verifier {

std::string RenderLocationSvg(const location::LocationAssessment& a, const location::AllowedRegion& region,
                              const std::string& title);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_LOCATION_SVG_H_
