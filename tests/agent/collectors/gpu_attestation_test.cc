// GPU attestation collection through the agent's real dlopen path, against the fake NVML serving
// NVIDIA's recorded reports: the nonce handed to each GPU is SHA-256(challenge || UUID); a
// recording answers a fresh challenge with its old nonce, which the verifier refuses as a replay;
// a GPU that offers no report is listed as unattested with the reason; a recording paired with
// another GPU's chain fails its signature.
#include "agent/collectors/nvml_attestation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/gpu/gpu_nonce.h"
#include "common/gpu/report_verify.h"
#include "common/hex.h"
#include "tests/support/fake_nvml/fake_nvml.h"

namespace veu::collectors {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kGpu = std::filesystem::path(VEU_FIXTURES_DIR) / "gpu";
const std::string kReport545 = (kGpu / "NVIDIA+nvtrust@08a50685e45b/attestationReport.txt").string();
const std::string kChain545 = (kGpu / "NVIDIA+nvtrust@08a50685e45b/gpuAkCertChain.txt").string();
const std::string kChain550 = (kGpu / "NVIDIA+nvtrust@028173093d43/hopperCertChain.txt").string();
constexpr char kRecordedNonce[] = "4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e";

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const gpu::Check* Find(const gpu::ReportAppraisal& a, const std::string& name) {
  for (const gpu::Check& c : a.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

gpu::ReportAppraisal Verify(const GpuAttestation& g, const std::string& nonce) {
  static const std::string root = Read(kGpu / "roots/verifier_device_root.pem");
  auto a = gpu::VerifyReport(gpu::ReportInput{g.report, g.chain_pem, root, nonce,
                                              absl::FromCivil(absl::CivilDay(2024, 6, 1), absl::UTCTimeZone())});
  EXPECT_TRUE(a.ok());
  return *a;
}

constexpr char kDevice[] = "0000:9a:00.0 1652823054567 GPU-2f6b1c3e \"NVIDIA H100 80GB HBM3\" 692-2G520-0200-000 96.00.5E.00.01\n";

TEST(GpuAttestationCollection, BindsEachGpusNonceToTheChallengeAndItsUuid) {
  veu::testing::ScopedFakeNvmlDevices fake(absl::StrCat(kDevice, "attest 0000:9a:00.0 ", kReport545, " ", kChain545, "\n"));
  const std::string challenge(32, '\x42');
  const auto c = CollectGpuAttestations(VEU_FAKE_NVML_PATH, challenge);
  ASSERT_TRUE(c.available) << c.detail;
  ASSERT_EQ(c.gpus.size(), 1u);
  EXPECT_EQ(c.gpus[0].uuid, "GPU-2f6b1c3e");
  EXPECT_EQ(c.gpus[0].nonce, gpu::DeriveGpuNonce(challenge, "GPU-2f6b1c3e"));
  EXPECT_NE(c.gpus[0].nonce, gpu::DeriveGpuNonce(std::string(32, '\x43'), "GPU-2f6b1c3e"));
  EXPECT_NE(c.gpus[0].nonce, gpu::DeriveGpuNonce(challenge, "GPU-other"));
  EXPECT_EQ(c.gpus[0].nonce.size(), 32u);
}

TEST(GpuAttestationCollection, ARecordedReportIsRefusedForAFreshChallengeAsAReplay) {
  veu::testing::ScopedFakeNvmlDevices fake(absl::StrCat(kDevice, "attest 0000:9a:00.0 ", kReport545, " ", kChain545, "\n"));
  const auto c = CollectGpuAttestations(VEU_FAKE_NVML_PATH, std::string(32, '\x42'));
  ASSERT_EQ(c.gpus.size(), 1u);
  ASSERT_TRUE(c.gpus[0].attested) << c.gpus[0].detail;
  const gpu::ReportAppraisal fresh = Verify(c.gpus[0], c.gpus[0].nonce);
  EXPECT_FALSE(fresh.verified());
  EXPECT_EQ(Find(fresh, "report.nonce")->reason, gpu::Reason::kNonceMismatch);
  // It is a genuine report: only its freshness fails.
  EXPECT_EQ(Find(fresh, "report.signature")->status, gpu::CheckStatus::kPassed);
  EXPECT_TRUE(Verify(c.gpus[0], *FromHex(kRecordedNonce)).verified());
}

TEST(GpuAttestationCollection, AGpuThatOffersNoReportIsUnattestedWithTheReason) {
  veu::testing::ScopedFakeNvmlDevices fake(kDevice);
  const auto c = CollectGpuAttestations(VEU_FAKE_NVML_PATH, std::string(32, '\x42'));
  ASSERT_TRUE(c.available);
  ASSERT_EQ(c.gpus.size(), 1u);
  EXPECT_FALSE(c.gpus[0].attested);
  EXPECT_TRUE(c.gpus[0].report.empty());
  EXPECT_THAT(c.gpus[0].detail, HasSubstr("NOT_SUPPORTED"));
}

TEST(GpuAttestationCollection, ARecordingWithAnotherGpusChainFailsItsSignature) {
  veu::testing::ScopedFakeNvmlDevices fake(absl::StrCat(kDevice, "attest 0000:9a:00.0 ", kReport545, " ", kChain550, "\n"));
  const auto c = CollectGpuAttestations(VEU_FAKE_NVML_PATH, std::string(32, '\x42'));
  ASSERT_TRUE(c.gpus[0].attested);
  const gpu::ReportAppraisal a = Verify(c.gpus[0], *FromHex(kRecordedNonce));
  EXPECT_FALSE(a.verified());
  EXPECT_EQ(Find(a, "report.signature")->reason, gpu::Reason::kSignatureInvalid);
}

TEST(GpuAttestationCollection, NoLibraryMeansNoReportsAndSaysSo) {
  const auto c = CollectGpuAttestations("/nonexistent/libnvidia-ml.so.1", std::string(32, '\x42'));
  EXPECT_FALSE(c.available);
  EXPECT_THAT(c.detail, HasSubstr("could not be loaded"));
}

}  // namespace
}  // namespace veu::collectors
