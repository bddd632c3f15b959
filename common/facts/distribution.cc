#include "common/facts/distribution.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_format.h"

namespace veu::facts {

v1::CountryTier TierOf(std::string_view iso_code, const v1::CountryTiers& tiers) {
  for (const v1::Country& c : tiers.countries()) {
    if (c.iso_code() == iso_code) return c.tier();
  }
  return tiers.complete() ? tiers.default_tier() : v1::COUNTRY_TIER_UNSPECIFIED;
}

absl::StatusOr<Distribution> EvaluateDistribution(const std::vector<CountryTpp>& sites,
                                                  const v1::CountryTiers& tiers,
                                                  const v1::ComputeCaps& caps,
                                                  bool us_headquartered) {
  std::map<std::string, uint64_t> per_country;
  Distribution d;
  for (const CountryTpp& s : sites) {
    if (s.iso_code.size() != 2 || !std::all_of(s.iso_code.begin(), s.iso_code.end(),
                                               [](char c) { return c >= 'A' && c <= 'Z'; })) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "country \"%s\" is not an ISO 3166-1 alpha-2 code (two upper-case letters)", s.iso_code));
    }
    if (d.total_tpp + s.tpp < d.total_tpp) {
      return absl::InvalidArgumentError("total TPP overflows 64 bits; the inputs are not real");
    }
    d.total_tpp += s.tpp;
    per_country[s.iso_code] += s.tpp;
  }
  uint64_t tier1 = 0;
  for (const auto& [iso, tpp] : per_country) {
    CountryShare c{
        iso, TierOf(iso, tiers), tpp,
        d.total_tpp == 0 ? 0.0 : static_cast<double>(tpp) / static_cast<double>(d.total_tpp)};
    if (c.tier == v1::TIER_1) tier1 += tpp;
    if (c.tier == v1::TIER_3) d.tier3_tpp += tpp;
    if (c.tier == v1::COUNTRY_TIER_UNSPECIFIED && tpp > 0) d.untiered_countries.push_back(iso);
    if (iso == "US") d.us_share = c.share;
    if (c.tier != v1::TIER_1 && c.share > d.largest_other_share) {
      d.largest_other_share = c.share;
      d.largest_other_country = iso;
    }
    d.countries.push_back(std::move(c));
  }
  std::stable_sort(d.countries.begin(), d.countries.end(),
                   [](const CountryShare& a, const CountryShare& b) { return a.tpp > b.tpp; });
  if (d.total_tpp == 0) return d;
  d.tier1_share = static_cast<double>(tier1) / static_cast<double>(d.total_tpp);
  if (d.tier1_share < caps.uveu_min_tier1_share()) {
    d.tier1_share_ok = false;
    d.findings.push_back(
        absl::StrFormat("%.2f%% of TPP is in Tier 1 countries; at least %.2f%% "
                        "is required",
                        100 * d.tier1_share, 100 * caps.uveu_min_tier1_share()));
  }
  for (const CountryShare& c : d.countries) {
    if (c.tier != v1::TIER_1 && c.share > caps.uveu_max_single_non_tier1_share()) {
      d.single_other_ok = false;
      d.findings.push_back(absl::StrFormat(
          "%s holds %.2f%% of TPP; a single non-Tier-1 country may hold at most %.2f%%", c.iso_code,
          100 * c.share, 100 * caps.uveu_max_single_non_tier1_share()));
    }
  }
  if (d.tier3_tpp > 0) {
    d.findings.push_back(absl::StrFormat("%d TPP is in Tier 3 countries", d.tier3_tpp));
  }
  if (us_headquartered && d.us_share < caps.us_hq_min_us_share()) {
    d.us_share_ok = false;
    d.findings.push_back(
        absl::StrFormat("%.2f%% of TPP is in the US; a US-headquartered UVEU needs at least %.2f%%",
                        100 * d.us_share, 100 * caps.us_hq_min_us_share()));
  }
  return d;
}

}  // namespace veu::facts
