#include "verifier/reports/inventory_report.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/facts/distribution.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "verifier/reports/signed_report_file.h"

namespace veu::verifier {
namespace {

// floor(part * 10^6 / total), 0 for an empty total; exact for any uint64 inputs.
uint32_t Ppm(uint64_t part, uint64_t total) {
  if (total == 0) return 0;
  const absl::uint128 ppm = absl::uint128(part) * 1000000u / total;
  return static_cast<uint32_t>(absl::Uint128Low64(ppm));
}

std::set<std::string> Identities(const std::vector<v1::InventorySummary>& inventories) {
  std::set<std::string> out;
  for (const auto& inv : inventories) {
    if (inv.reported()) out.insert(inv.identities().begin(), inv.identities().end());
  }
  return out;
}

std::string Time(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", FromProtoTime(t), absl::UTCTimeZone());
}

bool AddOverflows(uint64_t* sum, uint64_t add) {
  if (*sum + add < *sum) return true;
  *sum += add;
  return false;
}

}  // namespace

absl::StatusOr<std::pair<absl::Time, absl::Time>> HalfYearPeriod(std::string_view half_year) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrFormat(
        "half-year \"%s\" is not YYYY-H1 or YYYY-H2", std::string(half_year)));
  };
  if (half_year.size() != 7 || half_year[4] != '-' || half_year[5] != 'H' ||
      (half_year[6] != '1' && half_year[6] != '2')) {
    return bad();
  }
  int year = 0;
  for (int i = 0; i < 4; ++i) {
    if (half_year[i] < '0' || half_year[i] > '9') return bad();
    year = year * 10 + (half_year[i] - '0');
  }
  const absl::TimeZone utc = absl::UTCTimeZone();
  if (half_year[6] == '1') {
    return std::make_pair(absl::FromCivil(absl::CivilDay(year, 1, 1), utc),
                          absl::FromCivil(absl::CivilDay(year, 7, 1), utc));
  }
  return std::make_pair(absl::FromCivil(absl::CivilDay(year, 7, 1), utc),
                        absl::FromCivil(absl::CivilDay(year + 1, 1, 1), utc));
}

absl::StatusOr<v1::InventoryReport> BuildInventoryReport(const InventoryReportInput& in) {
  ASSIGN_OR_RETURN(auto period, HalfYearPeriod(in.half_year));
  v1::InventoryReport report;
  report.set_format(kInventoryReportFormat);
  report.set_report_id(in.report_id);
  *report.mutable_generated_at() = ToProtoTime(in.generated_at);
  report.set_verifier(in.verifier);
  if (in.regulation.has_value()) *report.mutable_regulation() = *in.regulation;
  report.set_organisation(in.organisation);
  report.set_half_year(in.half_year);
  *report.mutable_period_from() = ToProtoTime(period.first);
  *report.mutable_period_to() = ToProtoTime(period.second);
  report.set_policy_version(in.policy_version);

  std::vector<const SiteInventoryInput*> sites;
  for (const SiteInventoryInput& s : in.sites) sites.push_back(&s);
  std::sort(sites.begin(), sites.end(),
            [](const auto* a, const auto* b) { return a->site.name() < b->site.name(); });
  std::set<std::string> names;
  std::vector<facts::CountryTpp> country_tpp;
  std::map<std::string, uint32_t> country_accelerators;
  for (const SiteInventoryInput* s : sites) {
    if (!names.insert(s->site.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat("site ", s->site.name(), " is given twice"));
    }
    if (s->site.organisation() != in.organisation) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "site %s belongs to organisation \"%s\", not \"%s\"", s->site.name(),
          s->site.organisation(), in.organisation));
    }
    v1::SiteInventoryLine* line = report.add_sites();
    line->set_site(s->site.name());
    line->set_country(s->site.country());
    line->set_tier(v1::CountryTier_Name(facts::TierOf(s->site.country(), in.tiers)));
    uint64_t tpp = 0;
    uint64_t count = 0;
    for (const auto& inv : s->at_end) {
      if (!inv.reported()) continue;
      count += inv.count();
      if (AddOverflows(&tpp, inv.tpp())) return absl::InvalidArgumentError("site TPP overflows");
      for (const auto& [model, n] : inv.models()) (*line->mutable_models())[model] += n;
    }
    uint64_t previous_tpp = 0;
    uint64_t previous_count = 0;
    for (const auto& inv : s->at_previous_end) {
      if (!inv.reported()) continue;
      previous_count += inv.count();
      if (AddOverflows(&previous_tpp, inv.tpp())) {
        return absl::InvalidArgumentError("site TPP overflows");
      }
    }
    if (count > UINT32_MAX || previous_count > UINT32_MAX) {
      return absl::InvalidArgumentError("accelerator count overflows 32 bits");
    }
    line->set_accelerators(static_cast<uint32_t>(count));
    line->set_tpp(tpp);
    line->set_previous_accelerators(static_cast<uint32_t>(previous_count));
    line->set_previous_tpp(previous_tpp);
    line->set_authorised_accelerators(s->site.authorised_accelerators());
    line->set_authorised_tpp(s->site.authorised_tpp());
    const std::set<std::string> now = Identities(s->at_end);
    const std::set<std::string> before = Identities(s->at_previous_end);
    for (const auto& id : now) {
      if (before.count(id) == 0) line->add_added(id);
    }
    for (const auto& id : before) {
      if (now.count(id) == 0) line->add_removed(id);
    }
    country_tpp.push_back({s->site.country(), tpp});
    country_accelerators[s->site.country()] += static_cast<uint32_t>(count);
  }

  ASSIGN_OR_RETURN(facts::Distribution d,
                   facts::EvaluateDistribution(country_tpp, in.tiers, in.caps,
                                               in.us_headquartered));
  std::vector<facts::CountryShare> countries = d.countries;
  std::stable_sort(countries.begin(), countries.end(), [](const auto& a, const auto& b) {
    return a.tpp != b.tpp ? a.tpp > b.tpp : a.iso_code < b.iso_code;
  });
  uint64_t tier1 = 0;
  for (const facts::CountryShare& c : countries) {
    v1::CountryInventoryLine* line = report.add_countries();
    line->set_country(c.iso_code);
    line->set_tier(v1::CountryTier_Name(c.tier));
    line->set_tpp(c.tpp);
    line->set_accelerators(country_accelerators[c.iso_code]);
    line->set_share_ppm(Ppm(c.tpp, d.total_tpp));
    if (c.tier == v1::TIER_1) tier1 += c.tpp;
  }
  report.set_total_tpp(d.total_tpp);
  report.set_tier1_share_ppm(Ppm(tier1, d.total_tpp));
  for (const auto& f : d.findings) report.add_findings(f);
  return report;
}

absl::StatusOr<std::string> SignInventoryReport(const v1::InventoryReport& report,
                                                const ReportSigner& signer) {
  return WriteSignedReport(report, signer);
}

absl::StatusOr<ReportVerification> VerifyInventoryReport(std::string_view file_text,
                                                         std::string_view verifier_key_pem) {
  ASSIGN_OR_RETURN(ReportSignatureVerifier key, ReportSignatureVerifier::FromPem(verifier_key_pem));
  ASSIGN_OR_RETURN(OpenedReportFile file, OpenReportFile(file_text));
  ReportVerification out;
  out.kind = "inventory";
  auto finding = [&out](std::string f) { out.findings.push_back(std::move(f)); };
  absl::Status signature = key.Verify(file.canonical_report, file.signature);
  if (!signature.ok()) finding(std::string(signature.message()));

  v1::InventoryReport r;
  absl::Status decoded = DecodeProtoJson(file.canonical_report, &r);
  if (!decoded.ok()) {
    finding(absl::StrCat("the report does not decode as an InventoryReport: ", decoded.message()));
    return out;
  }
  out.report_id = r.report_id();
  out.verifier = r.verifier();
  out.subject = r.organisation();
  out.period = absl::StrCat("[", Time(r.period_from()), ", ", Time(r.period_to()), ")");
  out.verdict = absl::StrCat("total TPP ", r.total_tpp());
  if (r.has_regulation()) out.regulation = RegulationSummary(r.regulation());
  out.items = static_cast<size_t>(r.sites_size());

  if (r.format() != kInventoryReportFormat) {
    finding(absl::StrFormat("format is %d; this verifier knows format %d", r.format(),
                            kInventoryReportFormat));
  }
  absl::StatusOr<std::pair<absl::Time, absl::Time>> period = HalfYearPeriod(r.half_year());
  if (!period.ok()) {
    finding(std::string(period.status().message()));
  } else if (FromProtoTime(r.period_from()) != period->first ||
             FromProtoTime(r.period_to()) != period->second) {
    finding(absl::StrFormat("the period %s is not half-year %s", out.period, r.half_year()));
  }

  struct Sum {
    uint64_t tpp = 0;
    uint64_t accelerators = 0;
    std::set<std::string> tiers;
  };
  std::map<std::string, Sum> by_country;
  uint64_t total = 0;
  std::set<std::string> names;
  for (const v1::SiteInventoryLine& s : r.sites()) {
    if (!names.insert(s.site()).second) finding(absl::StrCat("site ", s.site(), " is listed twice"));
    Sum& sum = by_country[s.country()];
    sum.tpp += s.tpp();
    sum.accelerators += s.accelerators();
    sum.tiers.insert(s.tier());
    total += s.tpp();
    std::set<std::string> added(s.added().begin(), s.added().end());
    for (const auto& id : s.removed()) {
      if (added.count(id)) {
        finding(absl::StrFormat("site %s: %s is listed as both added and removed", s.site(), id));
      }
    }
  }
  std::set<std::string> listed;
  uint64_t tier1 = 0;
  uint64_t country_total = 0;
  for (const v1::CountryInventoryLine& c : r.countries()) {
    if (!listed.insert(c.country()).second) {
      finding(absl::StrCat("country ", c.country(), " is listed twice"));
      continue;
    }
    country_total += c.tpp();
    if (c.tier() == "TIER_1") tier1 += c.tpp();
    auto it = by_country.find(c.country());
    if (it == by_country.end()) {
      finding(absl::StrFormat("country %s: listed, but no site is in it", c.country()));
      continue;
    }
    const Sum& sum = it->second;
    if (c.tpp() != sum.tpp) {
      finding(absl::StrFormat("country %s: report says tpp %d, its sites sum to %d", c.country(),
                              c.tpp(), sum.tpp));
    }
    if (c.accelerators() != sum.accelerators) {
      finding(absl::StrFormat("country %s: report says %d accelerators, its sites sum to %d",
                              c.country(), c.accelerators(), sum.accelerators));
    }
    if (sum.tiers.size() != 1 || *sum.tiers.begin() != c.tier()) {
      finding(absl::StrFormat("country %s: tier %s, its sites say [%s]", c.country(), c.tier(),
                              absl::StrJoin(sum.tiers, ", ")));
    }
    const uint32_t ppm = Ppm(c.tpp(), r.total_tpp());
    if (c.share_ppm() != ppm) {
      finding(absl::StrFormat("country %s: report says share %d ppm, %d of %d TPP is %d ppm",
                              c.country(), c.share_ppm(), c.tpp(), r.total_tpp(), ppm));
    }
  }
  for (const auto& [country, sum] : by_country) {
    if (listed.count(country) == 0) {
      finding(absl::StrFormat("country %s: its sites hold %d TPP but it has no country line",
                              country, sum.tpp));
    }
  }
  if (r.total_tpp() != total) {
    finding(absl::StrFormat("total_tpp: report says %d, the sites sum to %d", r.total_tpp(),
                            total));
  }
  if (country_total != total) {
    finding(absl::StrFormat("the country lines sum to %d TPP, the sites to %d", country_total,
                            total));
  }
  const uint32_t tier1_ppm = Ppm(tier1, r.total_tpp());
  if (r.tier1_share_ppm() != tier1_ppm) {
    finding(absl::StrFormat("tier1_share_ppm: report says %d, the Tier 1 countries' %d of %d TPP "
                            "is %d",
                            r.tier1_share_ppm(), tier1, r.total_tpp(), tier1_ppm));
  }
  return out;
}

}  // namespace veu::verifier
