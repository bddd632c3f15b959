// The SPDM report parser as a specification: real reports parse into NVIDIA's fields, the
// parser oracle (NVIDIA's own parse, spdm_parsed_output.json) is reproduced field by field, every
// truncation of a real report is refused with REPORT_TRUNCATED and never read past its end, and a
// stray byte after the signature is kept for the structure check to refuse.
#include "common/gpu/spdm_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/gpu/gpu_nonce.h"
#include "common/gpu/opaque_data.h"
#include "common/hex.h"
#include "tests/common/gpu/fixtures.h"

namespace veu::gpu {
namespace {

using ::testing::HasSubstr;
using testing::ReportBytes;

constexpr char kH100[] = "NVIDIA+nvtrust@08a50685e45b/attestationReport.txt";
constexpr char kCoco[] = "confidential-containers+trustee@78962cd416dc/hopper_coco_report1.txt";

std::string Le(uint32_t v, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

std::string Unhex(const std::string& s) {
  auto b = FromHex(s);
  return b.ok() ? *b : std::string();
}

TEST(SpdmReport, ParsesEveryBlockOfARealH100Report) {
  const std::string bytes = ReportBytes(kH100);
  ASSERT_EQ(bytes.size(), 4049u);
  auto r = ParseSpdmReport(bytes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->spdm_version, 0x11);
  EXPECT_EQ(r->measurement_operation, 0xff);
  EXPECT_EQ(ToHex(r->requester_nonce),
            "4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e");
  ASSERT_EQ(r->blocks.size(), 64u);
  for (size_t i = 0; i < 64; ++i) {
    EXPECT_EQ(r->blocks[i].index, i + 1);
    EXPECT_EQ(r->blocks[i].value.size(), 48u);
  }
  EXPECT_EQ(r->signature.size(), 96u);
  EXPECT_TRUE(r->trailing.empty());
  EXPECT_EQ(r->signed_bytes.size() + 96, bytes.size());
  EXPECT_EQ(r->signed_bytes, r->before_last96);
  EXPECT_EQ(CheckReportStructure(*r).status, CheckStatus::kPassed);
}

// NVIDIA's parse of a MEASUREMENTS response whose raw bytes are not archived: the response is
// rebuilt from the oracle's fields in the order SPDM defines, then our parser and opaque decoder
// must give back every value NVIDIA's parser printed (VBIOS formatting, measurement counts, ...).
TEST(SpdmReport, ReproducesNvidiasParseOfTheOracleResponse) {
  const auto oracle = testing::ParseJsonObject(
      testing::ReadFixture("NVIDIA+attestation-sdk@73c032ebff68/spdm_parsed_output.json"));
  const auto& f = oracle.fields();
  ASSERT_EQ(f.at("RequestResponseCode").string_value(), "0x60");
  const auto& blocks = f.at("MeasurementRecord").struct_value().fields().at("MeasurementBlocks")
                           .struct_value().fields();
  std::string record;
  const int n = static_cast<int>(f.at("NumberOfBlocks").number_value());
  for (int i = 1; i <= n; ++i) {
    const auto& b = blocks.at(std::to_string(i)).struct_value().fields();
    const std::string value = Unhex(b.at("DMTFSpecMeasurementValue").string_value());
    record += Le(static_cast<uint32_t>(i), 1) + Le(1, 1) + Le(static_cast<uint32_t>(value.size() + 3), 2) +
              Le(static_cast<uint32_t>(b.at("DMTFSpecMeasurementValueType").number_value()), 1) +
              Le(static_cast<uint32_t>(value.size()), 2) + value;
  }
  ASSERT_EQ(record.size(), f.at("MeasurementRecordLength").number_value());
  const std::map<std::string, uint16_t> ids = {
      {"OPAQUE_FIELD_ID_VBIOS_VERSION", 6},  {"OPAQUE_FIELD_ID_BOARD_ID", 14},
      {"OPAQUE_FIELD_ID_CHIP_SKU", 15},      {"OPAQUE_FIELD_ID_CHIP_SKU_MOD", 16},
      {"OPAQUE_FIELD_ID_PROJECT", 17},       {"OPAQUE_FIELD_ID_PROJECT_SKU", 18},
      {"OPAQUE_FIELD_ID_PROJECT_SKU_MOD", 19}, {"OPAQUE_FIELD_ID_DRIVER_VERSION", 3},
      {"OPAQUE_FIELD_ID_GPU_INFO", 4},       {"OPAQUE_FIELD_ID_MSRSCNT", 12},
      {"OPAQUE_FIELD_ID_CPRINFO", 13},       {"OPAQUE_FIELD_ID_NVDEC0_STATUS", 11},
      {"OPAQUE_FIELD_ID_FWID", 20},          {"OPAQUE_FIELD_ID_PROTECTED_PCIE_STATUS", 21}};
  const auto& od = f.at("OpaqueData").struct_value().fields().at("OpaqueDataField").struct_value().fields();
  std::string opaque;
  std::vector<uint32_t> counts;
  for (const auto& [name, id] : ids) {
    ASSERT_TRUE(od.contains(name)) << name;
    std::string value;
    if (name == "OPAQUE_FIELD_ID_MSRSCNT") {
      for (const auto& c : od.at(name).list_value().values()) {
        counts.push_back(static_cast<uint32_t>(c.number_value()));
        value += Le(counts.back(), 4);
      }
    } else {
      value = Unhex(od.at(name).string_value());
    }
    opaque += Le(id, 2) + Le(static_cast<uint32_t>(value.size()), 2) + value;
  }
  // The printout lists 14 fields (423 bytes) of its 435: the 12 bytes it does not show are a
  // field its parser leaves unnamed. Our rebuilt response carries the 14 it shows.
  ASSERT_LE(opaque.size(), f.at("OpaqueLength").number_value());
  const std::string request = Unhex("11e001ff") + std::string(32, '\x07') + Le(0, 1);
  const std::string response = Unhex("1160") + Le(0, 1) + Le(0, 1) + Le(static_cast<uint32_t>(n), 1) +
                               Le(static_cast<uint32_t>(record.size()), 3) + record +
                               Unhex(f.at("Nonce").string_value()) +
                               Le(static_cast<uint32_t>(opaque.size()), 2) + opaque +
                               Unhex(f.at("Signature").string_value());

  auto r = ParseSpdmReport(request + response);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ("0x" + ToHex(r->responder_nonce), f.at("Nonce").string_value());
  EXPECT_EQ("0x" + ToHex(r->signature), f.at("Signature").string_value());
  ASSERT_EQ(r->blocks.size(), static_cast<size_t>(n));
  for (int i = 1; i <= n; ++i) {
    const auto& b = blocks.at(std::to_string(i)).struct_value().fields();
    EXPECT_EQ("0x" + ToHex(r->Block(static_cast<uint8_t>(i))->value),
              b.at("DMTFSpecMeasurementValue").string_value()) << "block " << i;
  }
  auto d = DecodeOpaqueData(r->opaque_data);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->driver_version, "580.159.03");
  EXPECT_EQ(d->vbios_version, "96.00.74.00.20");
  EXPECT_EQ(d->project, "1010");
  EXPECT_EQ(d->project_sku, "0205");
  EXPECT_EQ(d->chip_sku, "862");
  EXPECT_EQ(d->Nvdec0Name(), "disabled");
  EXPECT_EQ("0x" + ToHex(d->fwid), od.at("OPAQUE_FIELD_ID_FWID").string_value());
  EXPECT_EQ(d->measurement_counts, counts);
}

TEST(SpdmReport, RefusesEveryTruncationOfARealReport) {
  const std::string bytes = ReportBytes(kH100);
  ASSERT_FALSE(bytes.empty());
  for (size_t len = 0; len < bytes.size(); ++len) {
    // Copy into an exactly sized buffer so a sanitizer sees any read past the end.
    const std::string prefix = bytes.substr(0, len);
    auto r = ParseSpdmReport(prefix);
    ASSERT_FALSE(r.ok()) << "a " << len << "-byte prefix parsed";
    EXPECT_NE(ReasonOf(r.status()), Reason::kNone) << r.status();
  }
  EXPECT_EQ(ReasonOf(ParseSpdmReport(bytes.substr(0, 3000)).status()), Reason::kReportTruncated);
}

TEST(SpdmReport, KeepsBytesAfterTheSignatureAndTheStructureCheckRefusesThem) {
  const std::string bytes = ReportBytes(kCoco);
  ASSERT_EQ(bytes.size(), 4130u);
  auto r = ParseSpdmReport(bytes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->trailing.size(), 1u);
  EXPECT_NE(r->signature, r->last96_signature);
  const Check c = CheckReportStructure(*r);
  EXPECT_EQ(c.status, CheckStatus::kFailed);
  EXPECT_EQ(c.reason, Reason::kReportTrailingBytes);
  EXPECT_THAT(c.detail, HasSubstr("follow the signature at offset 4033"));
}

TEST(SpdmReport, RefusesAResponseThatIsNotMeasurements) {
  std::string bytes = ReportBytes(kH100);
  bytes[38] = '\x61';
  EXPECT_EQ(ReasonOf(ParseSpdmReport(bytes).status()), Reason::kReportBadResponse);
  bytes = ReportBytes(kH100);
  bytes[2] = '\x00';  // no signature requested
  EXPECT_EQ(ReasonOf(ParseSpdmReport(bytes).status()), Reason::kReportBadRequest);
}

TEST(SpdmReport, RefusesABlockWhoseSizesDisagreeOrWhoseIndexRepeats) {
  std::string bytes = ReportBytes(kH100);
  // First block starts at 37 + 8; its DMTF value size (bytes 5-6 of the block) is made 47.
  bytes[37 + 8 + 5] = '\x2f';
  auto r = ParseSpdmReport(bytes);
  EXPECT_EQ(ReasonOf(r.status()), Reason::kReportBadMeasurementBlock) << r.status();
  bytes = ReportBytes(kH100);
  bytes[37 + 8 + 55] = '\x01';  // second block's index becomes 1
  r = ParseSpdmReport(bytes);
  EXPECT_EQ(ReasonOf(r.status()), Reason::kReportBadMeasurementBlock) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("already used"));
}

TEST(SpdmReport, NonceCheckNamesBothNonces) {
  auto r = ParseSpdmReport(ReportBytes(kH100));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(CheckNonce(*r, r->requester_nonce).status, CheckStatus::kPassed);
  const Check c = CheckNonce(*r, std::string(32, '\0'));
  EXPECT_EQ(c.reason, Reason::kNonceMismatch);
  EXPECT_THAT(c.detail, HasSubstr(std::string(64, '0')));
}

TEST(OpaqueData, DecodesTheBlackwellFieldsAndTheSwitchTextVbios) {
  auto bw = ParseSpdmReport(ReportBytes(
      "confidential-containers+trustee@b28d3fe0992e-pr1551/blackwellAttestationReport.txt"));
  ASSERT_TRUE(bw.ok()) << bw.status();
  auto d = DecodeOpaqueData(bw->opaque_data);
  ASSERT_TRUE(d.ok()) << d.status();
  // blackwellAttestationReport-claims.txt (trustee's expected claims).
  EXPECT_EQ(d->driver_version, "595.58.03");
  EXPECT_EQ(d->vbios_version, "98.02.81.00.01");
  EXPECT_EQ(d->chip_info, "GB202");
  EXPECT_EQ(d->project, "G153");
  EXPECT_EQ(d->Nvdec0Name(), "enabled");
  EXPECT_EQ(d->FeatureFlagName(), "SPT");
  EXPECT_EQ(d->opaque_data_version, 1u);

  auto sw = ParseSpdmReport(ReportBytes("NVIDIA+attestation-sdk@73c032ebff68/switchAttestationReport.txt"));
  ASSERT_TRUE(sw.ok()) << sw.status();
  EXPECT_EQ(sw->blocks.size(), 31u);
  auto s = DecodeOpaqueData(sw->opaque_data);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->vbios_version, "96.10.55.00.01");
  EXPECT_EQ(s->switch_pdis.size(), 1u);
  EXPECT_TRUE(s->driver_version.empty());
}

TEST(OpaqueData, RefusesOverrunsAndRepeatsWithTheFieldOffset) {
  const std::string overrun = Le(3, 2) + Le(10, 2) + "550";
  auto d = DecodeOpaqueData(overrun);
  EXPECT_EQ(ReasonOf(d.status()), Reason::kOpaqueDataMalformed);
  EXPECT_THAT(d.status().message(), HasSubstr("field 3 at opaque offset 0"));
  const std::string repeat = Le(11, 2) + Le(1, 2) + "U" + Le(11, 2) + Le(1, 2) + "U";
  EXPECT_THAT(DecodeOpaqueData(repeat).status().message(), HasSubstr("repeats"));
  EXPECT_EQ(ReasonOf(DecodeOpaqueData(Le(11, 2) + "\x01").status()), Reason::kOpaqueDataMalformed);
  EXPECT_EQ(ReasonOf(DecodeOpaqueData(Le(11, 2) + Le(2, 2) + "UU").status()),
            Reason::kOpaqueDataMalformed);
}

TEST(OpaqueData, FormatsVbiosAsNvidiaDoes) {
  EXPECT_EQ(FormatVbiosVersion(Unhex("005e009601000000")), "96.00.5e.00.01");
  EXPECT_EQ(FormatVbiosVersion(Unhex("007400961a000000")), "96.00.74.00.1a");
  EXPECT_EQ(FormatVbiosVersion("short"), "");
}

// The agent's per-GPU nonce, against a value computed independently (Python hashlib).
TEST(GpuNonce, IsSha256OfTheChallengeThenTheUuid) {
  EXPECT_EQ(ToHex(DeriveGpuNonce(std::string(32, '\x42'), "GPU-2f6b1c3e")),
            "68c4ad56e33ca6026f91377f8d88f5e51330aa9014acb10c56088b9fa8a5281e");
}

}  // namespace
}  // namespace veu::gpu
