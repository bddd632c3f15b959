// The binary IMA parser against the tpm2-tss fixtures in ../shared/fixtures/ima/tpm2-tss
// (names and template hashes from NAME.expected.json, PCR 10 and violations from
// NAME.analysis.json), and against the same logs corrupted on purpose.
#include "common/ima/ima_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/hex.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace veu::ima {
namespace {

std::filesystem::path Dir() { return std::filesystem::path(VEU_FIXTURES_DIR) / "ima" / "tpm2-tss"; }

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << p;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

google::protobuf::Struct Json(const std::filesystem::path& p) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(Read(p), &s).ok()) << p;
  return s;
}

class Fixture : public ::testing::TestWithParam<std::string> {};

TEST_P(Fixture, GivesExpectedTemplateHashesPcr10AndViolations) {
  const std::string name = GetParam();
  const std::string bytes = Read(Dir() / name);
  auto analysis = Json(Dir() / (name + ".analysis.json"));
  const auto& a = analysis.fields();
  // The tpm2-tss arrays end with a stray byte (the C string's NUL): a trailing partial
  // record, which must be an error naming where it starts; the records before it parse.
  const size_t trailing = static_cast<size_t>(a.at("trailing_bytes").number_value());
  if (trailing > 0) {
    auto whole = ParseBinary(bytes);
    ASSERT_FALSE(whole.ok());
    EXPECT_NE(whole.status().message().find(
                  "byte offset " + std::to_string(bytes.size() - trailing)),
              std::string::npos) << whole.status();
  }
  auto log = ParseBinary(std::string_view(bytes).substr(0, bytes.size() - trailing));
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->entries.size(), static_cast<size_t>(a.at("entries").number_value()));
  EXPECT_EQ(log->violations, static_cast<size_t>(a.at("violations").number_value()));
  EXPECT_TRUE(log->bad_template_hashes.empty());
  EXPECT_EQ(ToHex(ReplaySha1(*log)), a.at("pcr10_sha1").string_value());
  const auto& hashes = a.at("template_hashes").list_value().values();
  ASSERT_EQ(static_cast<size_t>(hashes.size()), log->entries.size());
  for (int i = 0; i < hashes.size(); ++i) {
    EXPECT_EQ(ToHex(log->entries[i].template_hash), hashes[i].string_value()) << i;
    EXPECT_EQ(log->entries[i].template_hash_ok, !log->entries[i].violation) << i;
  }
  if (std::filesystem::exists(Dir() / (name + ".expected.json"))) {
    auto expected = Json(Dir() / (name + ".expected.json"));
    const auto& entries = expected.fields().at("entries").list_value().values();
    ASSERT_EQ(static_cast<size_t>(entries.size()), log->entries.size());
    for (int i = 0; i < entries.size(); ++i) {
      const auto& f = entries[i].struct_value().fields();
      EXPECT_EQ(log->entries[i].path, f.at("name").string_value()) << i;
      EXPECT_EQ(ToHex(log->entries[i].template_hash), f.at("template_hash_sha1").string_value()) << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(TpmTss, Fixture,
                         ::testing::Values("sml-ima-sha1.bin", "sml-ima-ng-sha1.bin",
                                           "sml-ima-sha1-invalidated.bin"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string n = param_info.param;
                           for (char& c : n) if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(ImaParser, EveryTruncationIsAnErrorNamingTheRecordNeverAReadPastTheEnd) {
  std::string log = Read(Dir() / "sml-ima-ng-sha1.bin");
  log.pop_back();  // the fixture's stray trailing byte
  auto whole = ParseBinary(log);
  ASSERT_TRUE(whole.ok());
  size_t boundaries = 0;
  for (size_t n = 1; n < log.size(); ++n) {
    auto cut = ParseBinary(std::string_view(log).substr(0, n));
    bool at_boundary = false;
    for (const auto& e : whole->entries) at_boundary |= (e.offset == n);
    if (at_boundary) {
      ++boundaries;
      EXPECT_TRUE(cut.ok()) << n;
    } else {
      ASSERT_FALSE(cut.ok()) << n;
      EXPECT_EQ(cut.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_NE(cut.status().message().find("byte offset"), std::string::npos);
    }
  }
  EXPECT_EQ(boundaries, whole->entries.size() - 1);
}

TEST(ImaParser, AChangedTemplateDataIsListedAsABadTemplateHashWithItsRecordNumber) {
  std::string log = Read(Dir() / "sml-ima-ng-sha1.bin");
  log.pop_back();  // the fixture's stray trailing byte
  auto good = ParseBinary(log);
  ASSERT_TRUE(good.ok());
  const Entry& second = good->entries[1];
  // Last byte of record 1's template data (inside the path field, before its NUL).
  size_t pos = good->entries[2].offset - 2;
  log[pos] ^= 0x01;
  auto bad = ParseBinary(log);
  ASSERT_TRUE(bad.ok()) << bad.status();
  ASSERT_EQ(bad->bad_template_hashes, std::vector<size_t>{second.record});
  EXPECT_FALSE(bad->entries[1].template_hash_ok);
  // Replay extends the logged hashes, so PCR 10 still matches: only the recomputation catches it.
  EXPECT_EQ(ReplaySha1(*bad), ReplaySha1(*good));
}

TEST(ImaParser, OversizeTemplateNameLengthIsRefusedBeforeAllocation) {
  std::string log(4 + 20, '\0');
  log[0] = 10;
  log += std::string("\xff\xff\xff\x7f", 4);
  auto r = ParseBinary(log);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("record 0 at byte offset 0"), std::string::npos);
}

TEST(ImaAsciiParser, RustKeylimeLogGivesEveryTemplateHashAndPcr10OfItsAnalysis) {
  const auto dir = std::filesystem::path(VEU_FIXTURES_DIR) / "ima" / "rust-keylime";
  auto log = ParseAscii(Read(dir / "ascii_runtime_measurements"));
  ASSERT_TRUE(log.ok()) << log.status();
  auto analysis = Json(dir / "ascii_runtime_measurements.analysis.json");
  const auto& a = analysis.fields();
  EXPECT_EQ(log->entries.size(), static_cast<size_t>(a.at("entries").number_value()));
  EXPECT_EQ(log->violations, static_cast<size_t>(a.at("violations").number_value()));
  EXPECT_TRUE(log->bad_template_hashes.empty());
  EXPECT_EQ(ToHex(ReplaySha1(*log)), a.at("pcr10_sha1").string_value());
  EXPECT_EQ(log->entries[0].path, "boot_aggregate");
}

class AsciiFixture : public ::testing::TestWithParam<std::string> {};

// Every ASCII fixture: entry count, violations, the records whose template hash does not
// recompute (BAD_SIGNATURES.txt has one on purpose) and PCR 10, as its analysis.json says.
TEST_P(AsciiFixture, GivesItsAnalysis) {
  const auto path = std::filesystem::path(VEU_FIXTURES_DIR) / "ima" / GetParam();
  auto log = ParseAscii(Read(path));
  ASSERT_TRUE(log.ok()) << log.status();
  auto analysis = Json(path.string() + ".analysis.json");
  const auto& a = analysis.fields();
  EXPECT_EQ(log->entries.size(), static_cast<size_t>(a.at("entries").number_value()));
  EXPECT_EQ(log->violations, static_cast<size_t>(a.at("violations").number_value()));
  std::vector<size_t> bad;
  for (const auto& v : a.at("template_hash_bad").list_value().values()) {
    bad.push_back(static_cast<size_t>(v.number_value()));
  }
  EXPECT_EQ(log->bad_template_hashes, bad);
  EXPECT_EQ(ToHex(ReplaySha1(*log)), a.at("pcr10_sha1").string_value());
}

INSTANTIATE_TEST_SUITE_P(Keylime, AsciiFixture,
                         ::testing::Values("keylime-test_ima_ast/valid_entries.txt",
                                           "keylime-test_ima_dm/dm_entries.txt",
                                           "keylime-test_ima_verification/BAD_SIGNATURES.txt",
                                           "keylime-test_ima_verification/KEYRINGS.txt",
                                           "keylime-test_ima_verification/MEASUREMENTS.txt",
                                           "rust-keylime/ima_log.txt"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string n = param_info.param;
                           for (char& c : n) if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(ImaAsciiParser, AnEditedDigestIsABadTemplateHashOfThatRecord) {
  const auto dir = std::filesystem::path(VEU_FIXTURES_DIR) / "ima" / "rust-keylime";
  std::string text = Read(dir / "ascii_runtime_measurements");
  const size_t pos = text.find("sha1:19f13b42");
  ASSERT_NE(pos, std::string::npos);
  text[pos + 5] = '2';
  auto log = ParseAscii(text);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->bad_template_hashes, std::vector<size_t>{1});
}

}  // namespace
}  // namespace veu::ima
