// RIM verification and the measurement rules as a specification, on NVIDIA's own RIMs: the
// complete positive H100 case (33 active measurements), the NVSwitch LS10 case (31), and every
// negative RIM of the fixtures refused for its own reason (edited after signing, a debug-only
// signing root, a root that is not a root, an expired signer, measurements that differ); the
// NVDEC0 rule and driver/VBIOS conflicts on the pure comparison.
#include "common/gpu/rim.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/gpu/rim_compare.h"
#include "common/hex.h"
#include "tests/common/gpu/fixtures.h"

namespace veu::gpu {
namespace {

using ::testing::HasSubstr;
using testing::ReadFixture;
using testing::ReportBytes;

constexpr char kSdk[] = "NVIDIA+attestation-sdk@73c032ebff68/";
constexpr char kTrust[] = "NVIDIA+nvtrust@028173093d43/";

absl::Time Day(int y, int m, int d) { return absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone()); }

const Check* Find(const std::vector<Check>& checks, const std::string& name) {
  for (const Check& c : checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string Describe(const std::vector<Check>& checks) {
  std::string out;
  for (const Check& c : checks) {
    out += c.name + " " + CheckStatusName(c.status) + " " + ReasonName(c.reason) + ": " + c.detail + "\n";
  }
  return out;
}

RimAppraisal Rim(const std::string& path, absl::Time at, const std::string& root = "roots/verifier_RIM_root.pem") {
  auto a = VerifyRim(ReadFixture(path), ReadFixture(root), at, "r");
  EXPECT_TRUE(a.ok()) << a.status();
  return a.ok() ? *a : RimAppraisal{};
}

ReportAppraisal Report(const std::string& report, const std::string& chain, const std::string& nonce_hex) {
  static const std::string root = ReadFixture("roots/verifier_device_root.pem");
  const std::string bytes = ReportBytes(report);
  const std::string pem = ReadFixture(chain);
  const std::string nonce = *FromHex(nonce_hex);
  auto a = VerifyReport(ReportInput{bytes, pem, root, nonce, testing::PinnedTime()});
  EXPECT_TRUE(a.ok());
  EXPECT_TRUE(a->verified()) << Describe(a->checks);
  return *a;
}

ReportAppraisal H100_545() {
  return Report("NVIDIA+nvtrust@08a50685e45b/attestationReport.txt",
                "NVIDIA+nvtrust@08a50685e45b/gpuAkCertChain.txt",
                "4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e");
}
ReportAppraisal H100_535() {
  return Report(std::string(kSdk) + "hopperAttestationReport.txt", std::string(kSdk) + "hopperCertChain.txt",
                "27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66");
}
ReportAppraisal Switch() {
  return Report(std::string(kSdk) + "switchAttestationReport.txt", std::string(kSdk) + "switchCertChain.txt",
                "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb");
}

size_t ActiveCount(const RimAppraisal& r, bool skip35) {
  size_t n = 0;
  for (const auto& m : r.rim->measurements) n += m.active && !(skip35 && m.index == 35);
  return n;
}

TEST(Rim, TheCompletePositiveCaseMatchesEveryActiveMeasurement) {
  const absl::Time at = testing::PinnedTime();
  std::vector<RimAppraisal> rims = {Rim(std::string(kTrust) + "Driver_RIM_test_no_gpu.swidtag", at),
                                    Rim(std::string(kTrust) + "1010_0200_882_96005E0001_test_no_gpu.swidtag", at)};
  for (const auto& r : rims) {
    ASSERT_TRUE(r.verified()) << Describe(r.checks);
    EXPECT_EQ(Find(r.checks, "rim.r.ocsp")->status, CheckStatus::kNotEvaluated);
  }
  // The README's figure: 33 active entries (21 driver, 12 VBIOS); index 35 (a driver entry) is
  // skipped because this report says NVDEC0 is disabled, so 32 are compared.
  EXPECT_EQ(ActiveCount(rims[0], false) + ActiveCount(rims[1], false), 33u);
  EXPECT_EQ(ActiveCount(rims[0], true) + ActiveCount(rims[1], true), 32u);
  const auto checks = CompareWithRims(H100_545(), rims);
  EXPECT_EQ(Find(checks, "measurements.driver")->status, CheckStatus::kPassed) << Describe(checks);
  EXPECT_EQ(Find(checks, "measurements.vbios")->status, CheckStatus::kPassed) << Describe(checks);
  EXPECT_EQ(Find(checks, "measurements.conflict")->status, CheckStatus::kPassed);
  EXPECT_THAT(Find(checks, "measurements.driver")->detail, HasSubstr("20 active"));
  EXPECT_THAT(Find(checks, "measurements.driver")->detail, HasSubstr("index 35 skipped"));
  EXPECT_THAT(Find(checks, "measurements.vbios")->detail, HasSubstr("12 active"));
  EXPECT_TRUE(NoneFailed(checks));
}

TEST(Rim, ExpiredSignersAreRefusedAtTodaysTimeButNotAtTheirOwn) {
  const std::string path = std::string(kTrust) + "1010_0200_882_96005E0001_test_no_gpu.swidtag";
  const RimAppraisal late = Rim(path, Day(2026, 1, 1));
  EXPECT_FALSE(late.verified());
  EXPECT_EQ(Find(late.checks, "rim.r.chain")->reason, Reason::kRimExpired) << Describe(late.checks);
  // The signature itself is fine: only validity refuses it.
  EXPECT_EQ(Find(late.checks, "rim.r.signature")->status, CheckStatus::kPassed);
  const RimAppraisal expired = Rim(std::string(kSdk) + "NV_GPU_DRIVER_GH100_570.124.03_expired.xml", Day(2026, 6, 1));
  EXPECT_EQ(Find(expired.checks, "rim.r.chain")->reason, Reason::kRimExpired) << Describe(expired.checks);
}

TEST(Rim, AGenuineDriverRimVerifiesWhileItsSignerIsValid) {
  const RimAppraisal r = Rim(std::string(kSdk) + "NV_GPU_DRIVER_GH100_550.144.03.xml", Day(2026, 6, 1));
  EXPECT_TRUE(r.verified()) << Describe(r.checks);
  EXPECT_EQ(r.rim->colloquial_version, "550.144.03");
}

TEST(Rim, RefusesARimWhoseSignatureDoesNotVerify) {
  for (const char* f : {"incorrect_signature_driver_rim.xml", "NV_SWITCH_BIOS_5612_0002_890_9610550001_invalid_signature.xml"}) {
    SCOPED_TRACE(f);
    const RimAppraisal r = Rim(std::string(kSdk) + f, Day(2025, 6, 1));
    EXPECT_FALSE(r.verified());
    EXPECT_EQ(Find(r.checks, "rim.r.signature")->reason, Reason::kRimSignatureInvalid) << Describe(r.checks);
    EXPECT_EQ(Find(r.checks, "rim.r.chain")->status, CheckStatus::kPassed) << Describe(r.checks);
  }
}

TEST(Rim, RefusesARimSignedUnderADebugOnlyRoot) {
  const RimAppraisal r = Rim(std::string(kSdk) + "incorrect_cert_chain_driver_rim.xml", Day(2025, 6, 1));
  EXPECT_FALSE(r.verified());
  EXPECT_EQ(Find(r.checks, "rim.r.chain")->reason, Reason::kRimChainUntrusted) << Describe(r.checks);
}

TEST(Rim, RefusesAPinnedRootThatIsNotARoot) {
  const RimAppraisal r = Rim(std::string(kSdk) + "NV_GPU_DRIVER_GH100_550.144.03.xml", Day(2026, 6, 1),
                             std::string(kSdk) + "incorrect_rim_root.crt");
  EXPECT_FALSE(r.verified());
  EXPECT_EQ(Find(r.checks, "rim.r.chain")->reason, Reason::kRimChainUntrusted) << Describe(r.checks);
}

TEST(Rim, TheVbiosPartOfTheSdkReportMatchesItsProductionRim) {
  const absl::Time at = Day(2025, 6, 1);
  const auto checks = CompareWithRims(H100_535(), {Rim(std::string(kTrust) + "1010_0200_882_96005E0001_PROD.swidtag", at)});
  EXPECT_EQ(Find(checks, "measurements.vbios")->status, CheckStatus::kPassed) << Describe(checks);
  EXPECT_EQ(Find(checks, "measurements.driver")->reason, Reason::kNoRim);
}

TEST(Rim, MeasurementMismatchRimsFailTheMeasurements) {
  const absl::Time at = Day(2025, 6, 1);
  for (const char* f : {"NV_GPU_DRIVER_GH100_535.86.09_measurement_mismatch.xml",
                        "NV_GPU_VBIOS_1010_0200_882_96005E0001_measurement_mismatch.xml"}) {
    SCOPED_TRACE(f);
    const RimAppraisal rim = Rim(std::string(kSdk) + f, at);
    std::vector<Check> checks = rim.checks;
    for (const Check& c : CompareWithRims(H100_535(), {rim})) checks.push_back(c);
    EXPECT_FALSE(NoneFailed(checks)) << Describe(checks);
    // Refused for its own reason: a signed RIM whose values differ fails the comparison; one
    // edited after signing fails its signature and is never compared.
    if (rim.verified()) {
      const bool driver = std::string(f).find("DRIVER") != std::string::npos;
      EXPECT_EQ(Find(checks, driver ? "measurements.driver" : "measurements.vbios")->reason,
                Reason::kRimMismatch) << Describe(checks);
    } else {
      EXPECT_EQ(Find(checks, "rim.r.signature")->reason, Reason::kRimSignatureInvalid) << Describe(checks);
    }
  }
}

TEST(Rim, TheSwitchMatchesItsVbiosRimAndRefusesTheEditedOne) {
  const RimAppraisal good = Rim(std::string(kSdk) + "switchVBIOSRim_NV_SWITCH_BIOS_5612_0002_890_9610550001.xml", Day(2026, 6, 1));
  ASSERT_TRUE(good.verified()) << Describe(good.checks);
  EXPECT_EQ(ActiveCount(good, false), 31u);
  auto checks = CompareWithRims(Switch(), {good});
  EXPECT_EQ(Find(checks, "measurements.vbios")->status, CheckStatus::kPassed) << Describe(checks);
  EXPECT_EQ(Find(checks, "measurements.driver"), nullptr);
  EXPECT_THAT(Find(checks, "measurements.vbios")->detail, HasSubstr("31 active"));

  const RimAppraisal edited = Rim(std::string(kSdk) + "NV_SWITCH_BIOS_5612_0002_890_9610550001_measurement_mismatch.xml", Day(2025, 6, 1));
  checks = edited.checks;
  for (const Check& c : CompareWithRims(Switch(), {edited})) checks.push_back(c);
  EXPECT_FALSE(NoneFailed(checks)) << Describe(checks);
}

TEST(Rim, ARimForAnotherVersionIsTheWrongTarget) {
  const auto checks = CompareWithRims(H100_545(), {Rim(std::string(kTrust) + "1010_0200_882_96005E0003_PROD.swidtag", Day(2024, 6, 1))});
  EXPECT_EQ(Find(checks, "rim.r.target")->reason, Reason::kRimWrongTarget) << Describe(checks);
}

TEST(Rim, MeasurementsOfAnUnverifiedReportAreNotCompared) {
  const std::string root = ReadFixture("roots/verifier_device_root.pem");
  const std::string bytes = ReportBytes("NVIDIA+nvtrust@08a50685e45b/attestationReport.txt");
  const std::string pem = ReadFixture("NVIDIA+nvtrust@08a50685e45b/gpuAkCertChain.txt");
  auto a = VerifyReport(ReportInput{bytes, pem, root, std::string(32, '\0'), testing::PinnedTime()});
  ASSERT_TRUE(a.ok());
  const auto checks = CompareWithRims(*a, {Rim(std::string(kTrust) + "Driver_RIM_test_no_gpu.swidtag", testing::PinnedTime())});
  EXPECT_EQ(Find(checks, "measurements.driver")->reason, Reason::kReportUnverified);
}

TEST(RimRules, DriverAndVbiosRimsMeasuringOneIndexConflict) {
  const absl::Time at = testing::PinnedTime();
  const RimAppraisal d = Rim(std::string(kTrust) + "Driver_RIM_test_no_gpu.swidtag", at);
  RimAppraisal v = Rim(std::string(kTrust) + "1010_0200_882_96005E0001_test_no_gpu.swidtag", at);
  const ReportAppraisal report = H100_545();
  veu::gpu::Rim vbios = *v.rim;
  for (auto& m : vbios.measurements) {
    if (m.index == 7) m.active = true;  // index 7 is a driver measurement
  }
  const auto checks = CompareGolden(*report.report, *report.opaque, false, {&*d.rim, "driver"},
                                    {&vbios, "vbios"}, false);
  EXPECT_EQ(Find(checks, "measurements.conflict")->reason, Reason::kRimConflict) << Describe(checks);
  EXPECT_THAT(Find(checks, "measurements.conflict")->detail, HasSubstr("index 7"));
}

TEST(RimRules, Index35CountsWhenNvdec0IsEnabled) {
  const absl::Time at = testing::PinnedTime();
  const RimAppraisal v = Rim(std::string(kTrust) + "Driver_RIM_test_no_gpu.swidtag", at);
  const ReportAppraisal report = H100_545();
  veu::gpu::Rim driver = *v.rim;
  bool has35 = false;
  for (auto& m : driver.measurements) {
    if (m.index == 35) {
      has35 = m.active;
      m.alternatives = {std::string(48, '\x5a')};
    }
  }
  ASSERT_TRUE(has35);
  OpaqueData od = *report.opaque;
  ASSERT_EQ(od.Nvdec0Name(), "disabled");
  auto checks = CompareGolden(*report.report, od, false, {&driver, "driver"}, {}, false);
  EXPECT_EQ(Find(checks, "measurements.driver")->status, CheckStatus::kPassed) << Describe(checks);
  od.nvdec0_status = kNvdec0Enabled;
  checks = CompareGolden(*report.report, od, false, {&driver, "driver"}, {}, false);
  EXPECT_EQ(Find(checks, "measurements.driver")->reason, Reason::kRimMismatch) << Describe(checks);
  EXPECT_THAT(Find(checks, "measurements.driver")->detail, HasSubstr("index 35"));
}

TEST(Rim, RefusesXmlThatIsNotASwidTag) {
  auto a = VerifyRim("<a/>", ReadFixture("roots/verifier_RIM_root.pem"), testing::PinnedTime(), "x");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(Find(a->checks, "rim.x.format")->reason, Reason::kRimMalformed);
  a = VerifyRim("<<<", ReadFixture("roots/verifier_RIM_root.pem"), testing::PinnedTime(), "x");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->verified());
  EXPECT_FALSE(VerifyRim("<a/>", "no root", testing::PinnedTime(), "x").ok());
}

}  // namespace
}  // namespace veu::gpu
