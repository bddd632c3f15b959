// `veuctl gpu verify` as an operator runs it, on the GPU fixtures: the complete positive H100
// case with its two RIMs (exit 0), each failing check named with its reason (exit 1: replayed
// nonce, stray byte after the signature, chain without its BROM certificate, expired RIM signer,
// a RIM for no device), NVIDIA's JSON evidence list with every entry checked, and unreadable
// input or bad usage (exit 2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "tests/common/gpu/fixtures.h"

namespace veu::gpu {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::GpuFixtures;
using testing::ReadFixture;

const std::filesystem::path kVeuctl = std::filesystem::path(VEU_BINARY_DIR) / "verifier/veuctl/veuctl";

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

CommandResult Veuctl(const std::string& args) {
  CommandResult r;
  FILE* p = popen((kVeuctl.string() + " " + args + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string F(const std::string& relative) { return (GpuFixtures() / relative).string(); }

constexpr char kNonce545[] = "4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e";
constexpr char kNonce550[] = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";

std::string H100Args(const std::string& nonce = kNonce545) {
  return absl::StrCat("gpu verify --report ", F("NVIDIA+nvtrust@08a50685e45b/attestationReport.txt"),
                      " --chain ", F("NVIDIA+nvtrust@08a50685e45b/gpuAkCertChain.txt"), " --nonce ",
                      nonce, " --roots ", F("roots"));
}
std::string PositiveRims() {
  return absl::StrCat(" --rim ", F("NVIDIA+nvtrust@028173093d43/Driver_RIM_test_no_gpu.swidtag"), " --rim ",
                      F("NVIDIA+nvtrust@028173093d43/1010_0200_882_96005E0001_test_no_gpu.swidtag"));
}

std::filesystem::path WriteTemp(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / absl::StrCat("veu_gpu_", getpid(), "_", name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string Entry(const std::string& arch, const std::string& nonce, const std::string& report,
                  const std::string& chain) {
  const std::string raw = *FromHex(std::string(absl::StripAsciiWhitespace(ReadFixture(report))));
  return absl::StrCat("{\"arch\": \"", arch, "\", \"nonce\": \"", nonce, "\", \"evidence\": \"",
                      absl::Base64Escape(raw), "\", \"certificate\": \"",
                      absl::Base64Escape(ReadFixture(chain)), "\"}");
}

TEST(VeuctlGpuVerify, AcceptsTheCompletePositiveCaseAndSaysOcspWasNotEvaluated) {
  const auto r = Veuctl(H100Args() + PositiveRims() + " --at 2024-06-01T00:00:00Z --json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  const auto json = testing::ParseJsonObject(r.out);
  EXPECT_TRUE(json.fields().at("accepted").bool_value()) << r.out;
  const auto& dev = json.fields().at("devices").list_value().values(0).struct_value().fields();
  EXPECT_EQ(dev.at("driver_version").string_value(), "545.00");
  EXPECT_EQ(dev.at("arch").string_value(), "HOPPER");
  EXPECT_EQ(dev.at("nvdec0").string_value(), "disabled");
  std::map<std::string, std::string> status;
  for (const auto& c : dev.at("checks").list_value().values()) {
    status[c.struct_value().fields().at("check").string_value()] =
        c.struct_value().fields().at("status").string_value();
  }
  EXPECT_EQ(status["report.signature"], "passed");
  EXPECT_EQ(status["chain.path"], "passed");
  EXPECT_EQ(status["measurements.driver"], "passed");
  EXPECT_EQ(status["measurements.vbios"], "passed");
  EXPECT_EQ(status["chain.ocsp"], "not-evaluated");
  EXPECT_EQ(json.fields().at("rims").list_value().values_size(), 2);
}

TEST(VeuctlGpuVerify, RejectsAReplayedReportNamingTheNonceCheck) {
  const auto r = Veuctl(H100Args(std::string(64, '0')) + " --at 2024-06-01T00:00:00Z");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("failed report.nonce NONCE_MISMATCH"));
  EXPECT_THAT(r.out, HasSubstr("REJECTED"));
}

TEST(VeuctlGpuVerify, RejectsAReportWithAByteAfterItsSignature) {
  const auto r = Veuctl(absl::StrCat(
      "gpu verify --report ", F("confidential-containers+trustee@78962cd416dc/hopper_coco_report1.txt"),
      " --chain ", F("confidential-containers+trustee@78962cd416dc/hopper_coco_certs1.txt"),
      " --nonce 87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec --roots ", F("roots"),
      " --at 2025-06-01T00:00:00Z"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("failed report.structure REPORT_TRAILING_BYTES"));
}

TEST(VeuctlGpuVerify, RejectsAChainWithoutItsBromCertificate) {
  const auto r = Veuctl(absl::StrCat(
      "gpu verify --report ", F("confidentsecurity+go-nvtrust@33efe3bbb4ff/attestationReport.txt"),
      " --chain ", F("confidentsecurity+go-nvtrust@33efe3bbb4ff/invalidCertChain.txt"), " --nonce ",
      kNonce545, " --roots ", F("roots"), " --at 2024-06-01T00:00:00Z"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("failed chain.path CHAIN_UNTRUSTED"));
}

TEST(VeuctlGpuVerify, RejectsRimsWhoseSignersHaveExpiredByDefaultTime) {
  // No --at: today. These test RIMs' signing certificates expired in June 2025.
  const auto r = Veuctl(H100Args() + PositiveRims());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("RIM_EXPIRED"));
}

TEST(VeuctlGpuVerify, RejectsARimThatFitsNoDevice) {
  const auto r = Veuctl(H100Args() + " --rim " + F("NVIDIA+nvtrust@028173093d43/1010_0200_882_96005E0003_PROD.swidtag") +
                        " --at 2024-10-01T00:00:00Z");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("RIM_WRONG_TARGET"));
}

TEST(VeuctlGpuVerify, ChecksEveryEntryOfNvidiasEvidenceList) {
  const auto good = WriteTemp("good.json", absl::StrCat(
      "[", Entry("HOPPER", kNonce545, "NVIDIA+nvtrust@08a50685e45b/attestationReport.txt",
                 "NVIDIA+nvtrust@08a50685e45b/gpuAkCertChain.txt"),
      ", ", Entry("BLACKWELL", kNonce545, "confidential-containers+trustee@b28d3fe0992e-pr1551/blackwellAttestationReport.txt",
                  "confidential-containers+trustee@b28d3fe0992e-pr1551/blackwell_cert_chain_case1.txt"), "]"));
  auto r = Veuctl(absl::StrCat("gpu verify --evidence ", good.string(), " --nonce ", kNonce545,
                               " --roots ", F("roots"), " --at 2024-06-01T00:00:00Z"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("device 1: BLACKWELL"));
  EXPECT_THAT(r.out, HasSubstr("chip GB202"));
  EXPECT_THAT(r.out, HasSubstr("(BLACKWELL rule)"));

  // One bad entry (a Hopper report claimed as Blackwell) rejects the list.
  const auto bad = WriteTemp("bad.json", absl::StrCat(
      "[", Entry("HOPPER", kNonce550, "NVIDIA+attestation-sdk@73c032ebff68/switchAttestationReport.txt",
                 "NVIDIA+attestation-sdk@73c032ebff68/switchCertChain.txt"),
      ", ", Entry("BLACKWELL", kNonce550, "NVIDIA+nvtrust@028173093d43/hopperAttestationReport.txt",
                  "NVIDIA+nvtrust@028173093d43/hopperCertChain.txt"), "]"));
  r = Veuctl(absl::StrCat("gpu verify --evidence ", bad.string(), " --nonce ", kNonce550, " --roots ",
                          F("roots"), " --at 2024-06-01T00:00:00Z --json"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"chain.arch\""));
  std::filesystem::remove(good);
  std::filesystem::remove(bad);
}

TEST(VeuctlGpuVerify, UnreadableInputAndBadUsageExitTwo) {
  EXPECT_EQ(Veuctl("gpu verify").exit_code, 2);
  EXPECT_EQ(Veuctl(H100Args("abcd")).exit_code, 2);
  EXPECT_EQ(Veuctl(absl::StrCat("gpu verify --report /nonexistent --chain ", F("roots/verifier_device_root.pem"),
                                " --nonce ", kNonce545, " --roots ", F("roots")))
                .exit_code,
            2);
  EXPECT_EQ(Veuctl(H100Args() + " --roots /nonexistent").exit_code, 2);
  EXPECT_EQ(Veuctl(H100Args() + " --at yesterday").exit_code, 2);
  const auto junk = WriteTemp("junk.json", "{not json");
  const auto r = Veuctl(absl::StrCat("gpu verify --evidence ", junk.string(), " --nonce ", kNonce545,
                                     " --roots ", F("roots")));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  std::filesystem::remove(junk);
}

TEST(VeuctlGpuVerify, AReportThatIsNotSpdmIsRejectedWithItsReason) {
  const auto path = WriteTemp("short.txt", "11e001ff00");
  const auto r = Veuctl(absl::StrCat("gpu verify --report ", path.string(), " --chain ",
                                     F("NVIDIA+nvtrust@08a50685e45b/gpuAkCertChain.txt"), " --nonce ",
                                     kNonce545, " --roots ", F("roots")));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("REPORT_TRUNCATED"));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace veu::gpu
