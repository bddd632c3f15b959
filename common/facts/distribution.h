// UVEU compute distribution (Supplement No. 10 to Part 748, para. 6): shares of attested TPP
// by country and tier across an organisation. Pure arithmetic over the policy pack's tiers
// and caps; the verifier supplies per-site TPP from accepted inventories.
#ifndef VEU_COMMON_FACTS_DISTRIBUTION_H_
#define VEU_COMMON_FACTS_DISTRIBUTION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "veu/v1/policy.pb.h"

namespace veu::facts {

struct CountryTpp {
  std::string iso_code;  // ISO 3166-1 alpha-2, upper case ("US")
  uint64_t tpp = 0;
};

struct CountryShare {
  std::string iso_code;
  v1::CountryTier tier = v1::COUNTRY_TIER_UNSPECIFIED;
  uint64_t tpp = 0;
  double share = 0;  // of the total, 0..1
};

struct Distribution {
  uint64_t total_tpp = 0;
  std::vector<CountryShare> countries;  // one per country, largest TPP first
  double tier1_share = 0;
  std::string largest_other_country;  // the non-Tier-1 country with the most TPP
  double largest_other_share = 0;
  uint64_t tier3_tpp = 0;  // any is a finding: Tier 3 is not a UVEU destination
  // Countries holding TPP that no tier list of the pack places (the lists are a selection), so
  // whether they are Tier 2 or Tier 3 is unknown: the shares are not established while any is.
  std::vector<std::string> untiered_countries;
  double us_share = 0;
  bool tier1_share_ok = true;         // tier1_share >= caps.uveu_min_tier1_share
  bool single_other_ok = true;        // every non-Tier-1 share <= caps.uveu_max_single_...
  bool us_share_ok = true;            // only judged when us_headquartered
  std::vector<std::string> findings;  // one sentence per failed condition
};

// The tier of `iso_code` in `tiers`; for an unlisted country, tiers.default_tier when the lists
// are `complete`, else COUNTRY_TIER_UNSPECIFIED (unknown, never a silent Tier 2).
v1::CountryTier TierOf(std::string_view iso_code, const v1::CountryTiers& tiers);

// Sums `sites` per country and checks the UVEU shares against `caps`. A country of unknown tier
// counts as non-Tier-1 (Tier 1 is listed in full) and is named in untiered_countries. An organisation with no
// attested TPP satisfies every share trivially (and the result says total_tpp 0).
// InvalidArgument if an iso_code is not two upper-case letters, or the total overflows.
absl::StatusOr<Distribution> EvaluateDistribution(const std::vector<CountryTpp>& sites,
                                                  const v1::CountryTiers& tiers,
                                                  const v1::ComputeCaps& caps,
                                                  bool us_headquartered);

}  // namespace veu::facts

#endif  // VEU_COMMON_FACTS_DISTRIBUTION_H_
