#include "verifier/reports/inventory_report.h"

#include <google/protobuf/util/json_util.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "tests/support/status_matchers.h"
#include "tests/verifier/reports/report_history.h"
#include "verifier/reports/any_report_verifier.h"
#include "verifier/reports/signed_report_file.h"

namespace veu::verifier {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::veu::testing::StatusIs;

using testing::Inv;
using testing::InventoryInput;
using testing::kH100;
using testing::Site;

// The half-year of testing::InventoryInput(): three sites, one with a board swapped.
InventoryReportInput Input() { return InventoryInput(); }

std::string Json(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

TEST(HalfYearTest, MapsToItsUtcPeriod) {
  auto h2 = HalfYearPeriod("2026-H2");
  ASSERT_OK(h2);
  EXPECT_EQ(h2->first, testing::At("2026-07-01T00:00:00Z"));
  EXPECT_EQ(h2->second, testing::At("2027-01-01T00:00:00Z"));
  auto h1 = HalfYearPeriod("2027-H1");
  ASSERT_OK(h1);
  EXPECT_EQ(h1->first, testing::At("2027-01-01T00:00:00Z"));
  EXPECT_EQ(h1->second, testing::At("2027-07-01T00:00:00Z"));
  for (const char* bad : {"2026-H3", "2026H2", "26-H2", "2026-h2", "2026-H22", "", "abcd-H1"}) {
    EXPECT_THAT(HalfYearPeriod(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(InventoryReportTest, SumsSitesAndCountriesWithExactShares) {
  absl::StatusOr<v1::InventoryReport> r = BuildInventoryReport(Input());
  ASSERT_OK(r);
  EXPECT_EQ(FromProtoTime(r->period_from()), testing::At("2026-07-01T00:00:00Z"));
  ASSERT_EQ(r->sites_size(), 3);
  const v1::SiteInventoryLine& fra = r->sites(1);  // dxb1, fra1, iad1
  EXPECT_EQ(fra.site(), "fra1");
  EXPECT_EQ(fra.tier(), "TIER_1");
  EXPECT_EQ(fra.accelerators(), 10u);
  EXPECT_EQ(fra.tpp(), 10 * kH100);
  EXPECT_EQ(fra.models().at("H100"), 10u);
  EXPECT_THAT(fra.added(), ElementsAre("serial:A3"));
  EXPECT_THAT(fra.removed(), ElementsAre("serial:A2"));
  EXPECT_EQ(fra.previous_accelerators(), 2u);
  EXPECT_EQ(fra.previous_tpp(), 2 * kH100);
  EXPECT_EQ(r->sites(0).accelerators(), 4u);  // the unreported inventory does not count
  EXPECT_EQ(r->sites(0).tier(), "TIER_2");

  EXPECT_EQ(r->total_tpp(), 30 * kH100);
  ASSERT_EQ(r->countries_size(), 3);
  EXPECT_EQ(r->countries(0).country(), "US");
  EXPECT_EQ(r->countries(0).share_ppm(), 533333u);  // 16/30
  EXPECT_EQ(r->countries(1).country(), "DE");
  EXPECT_EQ(r->countries(1).share_ppm(), 333333u);  // 10/30
  EXPECT_EQ(r->countries(2).country(), "AE");
  EXPECT_EQ(r->countries(2).share_ppm(), 133333u);  // 4/30
  EXPECT_EQ(r->countries(2).accelerators(), 4u);
  EXPECT_EQ(r->tier1_share_ppm(), 866666u);         // 26/30
  EXPECT_THAT(r->findings(), ElementsAre("AE holds 13.33% of TPP; a single non-Tier-1 country "
                                         "may hold at most 7.00%"));
}

TEST(InventoryReportTest, SignedReportVerifiesAndEditedArithmeticDoesNot) {
  absl::StatusOr<ReportSigner> signer = ReportSigner::GenerateEcdsaP256();
  ASSERT_OK(signer);
  const std::string pem = *signer->PublicKeyPem();
  absl::StatusOr<v1::InventoryReport> r = BuildInventoryReport(Input());
  ASSERT_OK(r);
  absl::StatusOr<std::string> file = SignInventoryReport(*r, *signer);
  ASSERT_OK(file);
  absl::StatusOr<ReportVerification> v = VerifyInventoryReport(*file, pem);
  ASSERT_OK(v);
  EXPECT_THAT(v->findings, IsEmpty());
  EXPECT_EQ(v->kind, "inventory");
  EXPECT_EQ(v->subject, "Acme AI");

  v1::InventoryReport edited = *r;
  edited.mutable_sites(1)->set_tpp(edited.sites(1).tpp() + 1);
  edited.mutable_countries(2)->set_share_ppm(60000);
  v = VerifyInventoryReport(*SignInventoryReport(edited, *signer), pem);
  ASSERT_OK(v);
  EXPECT_THAT(v->findings,
              ElementsAre("country DE: report says tpp 158320, its sites sum to 158321",
                          "country AE: report says share 60000 ppm, 63328 of 474960 TPP is "
                          "133333 ppm",
                          "total_tpp: report says 474960, the sites sum to 474961",
                          "the country lines sum to 474960 TPP, the sites to 474961"));

  // The same edit in transit also breaks the signature.
  absl::StatusOr<OpenedReportFile> opened = OpenReportFile(*file);
  ASSERT_OK(opened);
  v = VerifyInventoryReport(
      absl::StrCat("{\"signature\":", Json(opened->signature), ",\"report\":", Json(edited), "}"),
      pem);
  ASSERT_OK(v);
  EXPECT_EQ(v->findings.front(), "signature does not verify over the canonical report");

  edited = *r;
  edited.set_half_year("2026-H1");
  v = VerifyInventoryReport(*SignInventoryReport(edited, *signer), pem);
  ASSERT_OK(v);
  EXPECT_THAT(v->findings, ElementsAre(HasSubstr("is not half-year 2026-H1")));
}

TEST(InventoryReportTest, RefusesASiteOfAnotherOrganisation) {
  InventoryReportInput in = Input();
  in.sites[1].site.set_organisation("Other");
  EXPECT_THAT(BuildInventoryReport(in),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not \"Acme AI\"")));
}

TEST(AnyReportTest, TellsTheKindsApartByTheirContents) {
  testing::ReportHistory history;
  absl::StatusOr<v1::ComplianceReport> compliance = BuildComplianceReport(history.Input());
  ASSERT_OK(compliance);
  absl::StatusOr<ReportVerification> v = VerifyAnyReport(
      *SignComplianceReport(*compliance, history.signer()), history.public_pem());
  ASSERT_OK(v);
  EXPECT_EQ(v->kind, "compliance");
  EXPECT_THAT(v->findings, IsEmpty());

  absl::StatusOr<v1::InventoryReport> inventory = BuildInventoryReport(Input());
  ASSERT_OK(inventory);
  v = VerifyAnyReport(*SignInventoryReport(*inventory, history.signer()), history.public_pem());
  ASSERT_OK(v);
  EXPECT_EQ(v->kind, "inventory");
  EXPECT_THAT(v->findings, IsEmpty());

  EXPECT_THAT(VerifyAnyReport(R"({"report":{"x":1},"signature":{}})", history.public_pem()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("neither")));
}

}  // namespace
}  // namespace veu::verifier
