// Every report/chain pair in cases.json gives the result an independent check found
// (nonce_match, signature_valid_last96, fwid_match, chain_verify), read from the file rather than
// written here; the chain cases the README names (root only, missing intermediate, missing leaf,
// BROM removed) are refused for their own reason; the Blackwell FWID rule is the one that holds.
#include "common/gpu/report_verify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/hex.h"
#include "tests/common/gpu/fixtures.h"

namespace veu::gpu {
namespace {

using ::testing::HasSubstr;
using testing::ReadFixture;
using testing::ReportBytes;

const Check* Find(const ReportAppraisal& a, const std::string& name) {
  for (const Check& c : a.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string Describe(const ReportAppraisal& a) {
  std::string out;
  for (const Check& c : a.checks) {
    out += c.name + " " + std::string(CheckStatusName(c.status)) + " " +
           std::string(ReasonName(c.reason)) + ": " + c.detail + "\n";
  }
  return out;
}

absl::StatusOr<ReportAppraisal> Verify(const std::string& report, const std::string& chain,
                                       const std::string& nonce_hex) {
  static const std::string root = ReadFixture("roots/verifier_device_root.pem");
  const std::string bytes = ReportBytes(report);
  const std::string pem = ReadFixture(chain);
  const std::string nonce = *FromHex(nonce_hex);
  ReportInput in{bytes, pem, root, nonce, testing::PinnedTime()};
  return VerifyReport(in);
}

class CasesJson : public ::testing::TestWithParam<int> {};

TEST_P(CasesJson, GivesTheExpectedResultForEveryCheck) {
  const auto cases = testing::Cases();
  ASSERT_GT(cases.values_size(), GetParam());
  const auto& c = cases.values(GetParam()).struct_value().fields();
  const auto& expect = c.at("expect").struct_value().fields();
  SCOPED_TRACE(c.at("report").string_value() + " + " + c.at("chain").string_value());
  auto a = Verify(c.at("report").string_value(), c.at("chain").string_value(),
                  c.at("nonce").string_value());
  ASSERT_TRUE(a.ok()) << a.status();
  const std::string all = Describe(*a);

  const Check* nonce = Find(*a, "report.nonce");
  ASSERT_NE(nonce, nullptr) << all;
  EXPECT_EQ(nonce->status == CheckStatus::kPassed, expect.at("nonce_match").bool_value()) << all;
  if (!expect.at("nonce_match").bool_value()) {
    EXPECT_EQ(nonce->reason, Reason::kNonceMismatch);
  }

  const Check* sig = Find(*a, "report.signature");
  ASSERT_NE(sig, nullptr) << all;
  EXPECT_EQ(sig->status == CheckStatus::kPassed, expect.at("signature_valid_last96").bool_value())
      << all;
  if (expect.contains("signature_valid_parsed_offset") &&
      expect.at("signature_valid_parsed_offset").bool_value()) {
    EXPECT_THAT(sig->detail, HasSubstr("signature at the parsed offset"));
    EXPECT_EQ(Find(*a, "report.structure")->reason, Reason::kReportTrailingBytes);
  }

  const Check* fwid = Find(*a, "chain.fwid");
  ASSERT_NE(fwid, nullptr) << all;
  if (expect.at("fwid_match").kind_case() == google::protobuf::Value::kNullValue) {
    EXPECT_EQ(fwid->status, CheckStatus::kNotEvaluated) << all;
    EXPECT_EQ(fwid->reason, Reason::kNoFwidInReport);
  } else {
    EXPECT_EQ(fwid->status == CheckStatus::kPassed, expect.at("fwid_match").bool_value()) << all;
    EXPECT_THAT(fwid->detail, HasSubstr(c.at("fwid").string_value()));
  }

  const bool chain_ok = expect.at("chain_verify").list_value().values(0).bool_value();
  const Check* path = Find(*a, "chain.path");
  ASSERT_NE(path, nullptr) << all;
  EXPECT_EQ(path->status == CheckStatus::kPassed, chain_ok) << all;
  EXPECT_EQ(a->chain.trusted, chain_ok);
  EXPECT_THAT(a->chain.leaf_subject, ::testing::StartsWith(c.at("leaf_cn").string_value() + ","));

  ASSERT_TRUE(a->opaque.has_value()) << all;
  if (c.at("driver").kind_case() == google::protobuf::Value::kStringValue) {
    EXPECT_EQ(a->opaque->driver_version, c.at("driver").string_value());
  }
  if (c.at("project").kind_case() == google::protobuf::Value::kStringValue) {
    // VBIOS versions are printed lowercase by NVIDIA's parser, uppercase in cases.json.
    std::string vbios = a->opaque->vbios_version;
    for (char& ch : vbios) ch = static_cast<char>(toupper(ch));
    EXPECT_EQ(vbios, c.at("vbios").string_value());
    EXPECT_EQ(a->opaque->project, c.at("project").string_value());
    EXPECT_EQ(a->opaque->chip_sku, c.at("chip_sku").string_value());
  }
  EXPECT_EQ(a->report->before_last96.size() + 96,
            static_cast<size_t>(c.at("report_len").number_value()));

  const bool all_hold = expect.at("nonce_match").bool_value() &&
                        expect.at("signature_valid_last96").bool_value() && chain_ok &&
                        (expect.at("fwid_match").kind_case() == google::protobuf::Value::kNullValue ||
                         expect.at("fwid_match").bool_value());
  EXPECT_EQ(a->verified(), all_hold) << all;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CasesJson, ::testing::Range(0, testing::Cases().values_size()));

TEST(ReportVerify, RefusesAChainThatIsOnlyTheRoot) {
  for (const char* chain : {"confidential-containers+trustee@78962cd416dc/hopper_cert_chain_case2.txt",
                            "confidential-containers+trustee@b28d3fe0992e-pr1551/blackwell_cert_chain_case2.txt"}) {
    SCOPED_TRACE(chain);
    const bool bw = std::string(chain).find("blackwell") != std::string::npos;
    auto a = Verify(bw ? "confidential-containers+trustee@b28d3fe0992e-pr1551/blackwellAttestationReport.txt"
                       : "confidential-containers+trustee@78962cd416dc/hopperAttestationReport.txt",
                    chain,
                    bw ? "4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e"
                       : "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb");
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_FALSE(a->verified());
    EXPECT_EQ(Find(*a, "chain.leaf")->reason, Reason::kChainUntrusted) << Describe(*a);
    EXPECT_THAT(Find(*a, "chain.leaf")->detail, HasSubstr("lacks its leaf"));
    EXPECT_EQ(Find(*a, "report.signature")->reason, Reason::kSignatureInvalid);
  }
}

TEST(ReportVerify, RefusesAChainWithAMissingIntermediate) {
  struct Case { const char* report; const char* chain; const char* nonce; };
  for (const Case& c : {Case{"confidential-containers+trustee@78962cd416dc/hopperAttestationReport.txt",
                             "confidential-containers+trustee@78962cd416dc/hopper_cert_chain_case3.txt",
                             "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"},
                        Case{"confidential-containers+trustee@b28d3fe0992e-pr1551/blackwellAttestationReport.txt",
                             "confidential-containers+trustee@b28d3fe0992e-pr1551/blackwell_cert_chain_case3.txt",
                             "4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e"}}) {
    SCOPED_TRACE(c.chain);
    auto a = Verify(c.report, c.chain, c.nonce);
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_FALSE(a->verified());
    EXPECT_EQ(Find(*a, "chain.path")->reason, Reason::kChainUntrusted) << Describe(*a);
    EXPECT_THAT(Find(*a, "chain.path")->detail, HasSubstr("unable to get local issuer"));
    // The leaf is still the device's: its signature and FWID hold, the path does not.
    EXPECT_EQ(Find(*a, "report.signature")->status, CheckStatus::kPassed);
  }
}

TEST(ReportVerify, RefusesAChainWithoutItsLeafAndSaysTheLeafHasNoFwid) {
  auto a = Verify("confidential-containers+trustee@78962cd416dc/hopperAttestationReport.txt",
                  "confidential-containers+trustee@78962cd416dc/hopper_cert_chain_case4.txt",
                  "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_FALSE(a->verified());
  EXPECT_EQ(Find(*a, "chain.leaf")->status, CheckStatus::kFailed) << Describe(*a);
  EXPECT_EQ(Find(*a, "report.signature")->reason, Reason::kSignatureInvalid);
  EXPECT_EQ(Find(*a, "chain.fwid")->status, CheckStatus::kFailed);
}

TEST(ReportVerify, BlackwellFwidIsTheFirstTcbInfoFwidNotTheLastBytes) {
  const std::string pem = ReadFixture(
      "confidential-containers+trustee@b28d3fe0992e-pr1551/blackwell_cert_chain_case1.txt");
  auto chain = ParsePemChain(pem);
  ASSERT_TRUE(chain.ok());
  X509* leaf = (*chain)[0].get();
  auto blackwell = LeafFwid(leaf, DeviceArch::kBlackwell);
  ASSERT_TRUE(blackwell.ok()) << blackwell.status();
  EXPECT_EQ(ToHex(*blackwell),
            "9b92cc3e53b9265259e1abde163653288c2474fcafd8e5c0fd62ce9c9036fb62723fe3715b50f4ac27c68b62e2fd9240");
  // The Hopper rule reads another extension, which this leaf does not carry.
  auto hopper = LeafFwid(leaf, DeviceArch::kHopper);
  ASSERT_TRUE(hopper.ok());
  EXPECT_TRUE(hopper->empty());
  EXPECT_EQ(CheckFwid(*blackwell, leaf, DeviceArch::kHopper).reason, Reason::kFwidMissingInLeaf);
  EXPECT_FALSE(LeafFwid(leaf, DeviceArch::kUnknown).ok());
}

TEST(ReportVerify, RefusesEvidenceWhoseClaimedArchitectureIsNotTheLeafs) {
  const std::string root = ReadFixture("roots/verifier_device_root.pem");
  const std::string bytes = ReportBytes("NVIDIA+nvtrust@028173093d43/hopperAttestationReport.txt");
  const std::string pem = ReadFixture("NVIDIA+nvtrust@028173093d43/hopperCertChain.txt");
  const std::string nonce = *FromHex("931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb");
  ReportInput in{bytes, pem, root, nonce, testing::PinnedTime(), DeviceArch::kBlackwell};
  auto a = VerifyReport(in);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->verified());
  ASSERT_NE(Find(*a, "chain.arch"), nullptr);
  in.claimed_arch = DeviceArch::kHopper;
  a = VerifyReport(in);
  EXPECT_TRUE(a->verified()) << Describe(*a);
}

TEST(ReportVerify, RefusesAReportSignedByAnotherGpusKey) {
  // The 545.00 H100 report with the 550.90.07 H100's chain: both chains are trusted, but the
  // signature is not this leaf's (the "chain of another GPU" case).
  auto a = Verify("NVIDIA+nvtrust@08a50685e45b/attestationReport.txt",
                  "NVIDIA+nvtrust@028173093d43/hopperCertChain.txt",
                  "4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->chain.trusted);
  EXPECT_EQ(Find(*a, "report.signature")->reason, Reason::kSignatureInvalid);
  EXPECT_FALSE(a->verified());
}

TEST(ReportVerify, ChecksCertificateValidityAtTheAppraisalTime) {
  const std::string root = ReadFixture("roots/verifier_device_root.pem");
  const std::string bytes = ReportBytes("NVIDIA+nvtrust@08a50685e45b/attestationReport.txt");
  const std::string pem = ReadFixture("NVIDIA+nvtrust@08a50685e45b/gpuAkCertChain.txt");
  const std::string nonce = *FromHex("4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e");
  ReportInput in{bytes, pem, root, nonce, absl::FromCivil(absl::CivilDay(2020, 1, 1), absl::UTCTimeZone())};
  auto a = VerifyReport(in);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(Find(*a, "chain.path")->reason, Reason::kChainExpired) << Describe(*a);
  EXPECT_EQ(Find(*a, "chain.ocsp")->status, CheckStatus::kNotEvaluated);
}

TEST(ReportVerify, RefusesAnUnreadablePinnedRootAsAnError) {
  ReportInput in{"", "", "not a pem", "", testing::PinnedTime()};
  EXPECT_FALSE(VerifyReport(in).ok());
}

}  // namespace
}  // namespace veu::gpu
