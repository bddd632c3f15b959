// `veuctl ima` as an operator runs it, on the IMA fixtures and on logs made and corrupted here:
// the JSON shape {"entries", "pcrs", "violations", "findings"}, the replayed PCR 10 of each
// fixture's analysis, boot_aggregate against a real firmware log, and the exit codes
// (0 every check holds, 1 findings, 2 unreadable input or usage).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/crypto/digest.h"
#include "common/hex.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/common/ima/log_writer.h"
#include "tests/common/ima/signing.h"

namespace veu::ima {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kVeuctl = std::filesystem::path(VEU_BINARY_DIR) / "verifier/veuctl/veuctl";

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

CommandResult Veuctl(const std::string& args, bool with_stderr = true) {
  CommandResult r;
  FILE* p = popen((kVeuctl.string() + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::filesystem::path Fixtures() { return std::filesystem::path(VEU_FIXTURES_DIR); }

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

google::protobuf::Struct ParseJson(const std::string& text) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text, &s).ok()) << text.substr(0, 300);
  return s;
}

class VeuctlIma : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kVeuctl)) << "veuctl not built at " << kVeuctl;
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("veuctl_ima_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& bytes) {
    const auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  // A tpm2-tss fixture without its stray trailing byte.
  std::string TrimmedFixture(const std::string& name) {
    const auto dir = Fixtures() / "ima/tpm2-tss";
    std::string bytes = Read(dir / name);
    const auto a = ParseJson(Read(dir / (name + ".analysis.json")));
    bytes.resize(bytes.size() - static_cast<size_t>(a.fields().at("trailing_bytes").number_value()));
    return Write(name, bytes);
  }
  std::filesystem::path dir_;
};

const google::protobuf::Value& At(const google::protobuf::Struct& s, const std::string& key) {
  return s.fields().at(key);
}

TEST_F(VeuctlIma, ATrailingPartialRecordIsUnreadableInputNamingItsRecordAndOffset) {
  const CommandResult r = Veuctl("ima " + (Fixtures() / "ima/tpm2-tss/sml-ima-ng-sha1.bin").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, HasSubstr("record 6 at byte offset 558"));
}

TEST_F(VeuctlIma, PrintsEveryEntryAndTheAnalysisPcr10AsJson) {
  const CommandResult r = Veuctl("ima --json " + TrimmedFixture("sml-ima-ng-sha1.bin"), false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto json = ParseJson(r.out);
  const auto expected = ParseJson(Read(Fixtures() / "ima/tpm2-tss/sml-ima-ng-sha1.bin.expected.json"));
  const auto analysis = ParseJson(Read(Fixtures() / "ima/tpm2-tss/sml-ima-ng-sha1.bin.analysis.json"));
  const auto& entries = At(json, "entries").list_value().values();
  const auto& want = At(expected, "entries").list_value().values();
  ASSERT_EQ(entries.size(), want.size());
  for (int i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i].struct_value();
    EXPECT_EQ(At(e, "path").string_value(), At(want[i].struct_value(), "name").string_value());
    EXPECT_EQ(At(e, "template_hash").string_value(),
              At(want[i].struct_value(), "template_hash_sha1").string_value());
    EXPECT_EQ(At(e, "pcr").number_value(), 10);
    EXPECT_EQ(At(e, "template").string_value(), "ima-ng");
    EXPECT_THAT(At(e, "file_digest").string_value(), ::testing::StartsWith("sha1:"));
  }
  const auto& pcrs = At(json, "pcrs").struct_value();
  EXPECT_EQ(At(At(pcrs, "sha1").struct_value(), "10").string_value(),
            At(analysis, "pcr10_sha1").string_value());
  EXPECT_EQ(At(At(pcrs, "sha256").struct_value(), "10").string_value().size(), 64u);
  EXPECT_EQ(At(json, "violations").number_value(), 0);
  EXPECT_EQ(At(json, "findings").list_value().values_size(), 0);
}

TEST_F(VeuctlIma, AViolationIsCountedAndReplayedAsOnes) {
  const CommandResult r = Veuctl("ima --json " + TrimmedFixture("sml-ima-sha1-invalidated.bin"), false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto json = ParseJson(r.out);
  const auto analysis = ParseJson(Read(Fixtures() / "ima/tpm2-tss/sml-ima-sha1-invalidated.bin.analysis.json"));
  EXPECT_EQ(At(json, "violations").number_value(), 1);
  EXPECT_EQ(At(At(At(json, "pcrs").struct_value(), "sha1").struct_value(), "10").string_value(),
            At(analysis, "pcr10_sha1").string_value());
  const std::string sha256_ones = ToHex(*crypto::Hash(
      crypto::kAlgSha256, {std::string(32, '\0'), std::string(32, '\xff')}));
  EXPECT_EQ(At(At(At(json, "pcrs").struct_value(), "sha256").struct_value(), "10").string_value(),
            sha256_ones);
}

TEST_F(VeuctlIma, AMalformedSignatureEntryIsAFindingWithItsRecord) {
  const auto path = Fixtures() / "ima/keylime-test_ima_verification/BAD_SIGNATURES.txt";
  const auto analysis = ParseJson(Read(path.string() + ".analysis.json"));
  const CommandResult r = Veuctl("ima --json " + path.string(), false);
  ASSERT_EQ(r.exit_code, 1) << r.out;
  const auto json = ParseJson(r.out);
  const auto& findings = At(json, "findings").list_value().values();
  ASSERT_EQ(findings.size(), At(analysis, "template_hash_bad").list_value().values_size());
  EXPECT_EQ(At(findings[0].struct_value(), "kind").string_value(), "TEMPLATE_HASH_MISMATCH");
  EXPECT_EQ(At(findings[0].struct_value(), "record").number_value(),
            At(analysis, "template_hash_bad").list_value().values(0).number_value());
  EXPECT_EQ(At(At(At(json, "pcrs").struct_value(), "sha1").struct_value(), "10").string_value(),
            At(analysis, "pcr10_sha1").string_value());
}

TEST_F(VeuctlIma, TheRealAsciiLogsTextListsEachEntryAndBothBanks) {
  const CommandResult r = Veuctl("ima " + (Fixtures() / "ima/rust-keylime/ascii_runtime_measurements").string());
  ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 500);
  const auto analysis = ParseJson(Read(Fixtures() / "ima/rust-keylime/ascii_runtime_measurements.analysis.json"));
  EXPECT_THAT(r.out, HasSubstr("ASCII IMA log, 826 entries"));
  EXPECT_THAT(r.out, HasSubstr("PCR 10 ima-ng     sha1:19f13b42c2745066347e76454788c0fe083643f3 /init"));
  EXPECT_THAT(r.out, HasSubstr("sha1    PCR 10 " + At(analysis, "pcr10_sha1").string_value()));
  EXPECT_THAT(r.out, HasSubstr("sha256  PCR 10 "));
}

// boot_aggregate against PCRs replayed from a real firmware log: a log made to carry the
// aggregate those PCRs give passes; the same firmware log against another machine's IMA log,
// and one PCR of it changed (the made log's aggregate edited), fail.
TEST_F(VeuctlIma, BootAggregateIsCheckedAgainstTheReplayedFirmwareLog) {
  const std::string fw = (Fixtures() / "eventlogs/go-tpm-tools__rhel8-uefi.bin").string();
  const auto expected = ParseJson(Read(Fixtures() / "eventlogs/go-tpm-tools__rhel8-uefi.bin.expected.json"));
  const auto& sha256 = At(At(expected, "pcrs").struct_value(), "sha256").struct_value();
  std::string all;
  for (int i = 0; i <= 9; ++i) {
    auto it = sha256.fields().find(std::to_string(i));
    all += it != sha256.fields().end() ? *FromHex(it->second.string_value()) : std::string(32, '\0');
  }
  const std::string aggregate = *crypto::Hash(crypto::kAlgSha256, {all});
  const std::string good = Write("good.bin", testing::BinaryLog(
      {{10, "ima-ng", {testing::DigestNg("sha256", aggregate), std::string("boot_aggregate\0", 15)}},
       {10, "ima-sig", {testing::DigestNg("sha256", std::string(32, '\x07')), std::string("/usr/bin/x\0", 11), ""}}}));
  CommandResult r = Veuctl("ima " + good + " --json --boot-log " + fw, false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto json = ParseJson(r.out);
  EXPECT_TRUE(At(At(json, "boot_aggregate").struct_value(), "matches").bool_value());

  std::string other = aggregate;
  other[0] ^= 1;
  const std::string bad = Write("bad.bin", testing::BinaryLog(
      {{10, "ima-ng", {testing::DigestNg("sha256", other), std::string("boot_aggregate\0", 15)}}}));
  r = Veuctl("ima " + bad + " --boot-log " + fw);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("finding BOOT_AGGREGATE_MISMATCH"));
  r = Veuctl("ima " + (Fixtures() / "ima/rust-keylime/ima_log.txt").string() + " --boot-log " + fw);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("finding BOOT_AGGREGATE_MISMATCH"));
  // The tpm2-tss logs were taken without a TPM: their aggregate is zero.
  r = Veuctl("ima " + TrimmedFixture("sml-ima-sha1.bin") + " --boot-log " + fw);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("finding BOOT_AGGREGATE_ZERO"));
  // Without --boot-log, boot_aggregate is not a check.
  EXPECT_EQ(Veuctl("ima " + bad).exit_code, 0);
}

TEST_F(VeuctlIma, APerBankFileIsReadWithItsBanksTemplateHashes) {
  const std::string path = Write("binary_runtime_measurements_sha256", testing::BinaryLog(
      {{10, "ima-ngv2", {testing::DigestNg("ima:sha256", std::string(32, '\x05')), std::string("/a\0", 3)}}},
      crypto::kAlgSha256));
  const CommandResult r = Veuctl("ima --json " + path, false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto json = ParseJson(r.out);
  EXPECT_EQ(At(json, "template_hash_alg").string_value(), "sha256");
  EXPECT_EQ(At(At(json, "entries").list_value().values(0).struct_value(), "file_digest").string_value(),
            "ima:sha256:" + ToHex(std::string(32, '\x05')));
}

TEST_F(VeuctlIma, UnreadableInputAndUnreadableKeysExitTwo) {
  EXPECT_EQ(Veuctl("ima " + (dir_ / "missing").string()).exit_code, 2);
  const CommandResult invalid = Veuctl("ima " + (Fixtures() / "ima/rust-keylime/invalid_ima_log.txt").string());
  EXPECT_EQ(invalid.exit_code, 2);
  EXPECT_THAT(invalid.out, HasSubstr("malformed"));
  const std::string log = (Fixtures() / "ima/rust-keylime/ima_log.txt").string();
  EXPECT_EQ(Veuctl("ima " + log + " --key " + (dir_ / "missing.pem").string()).exit_code, 2);
  const CommandResult not_pem = Veuctl("ima " + log + " --key " + Write("k.pem", "no key here"));
  EXPECT_EQ(not_pem.exit_code, 2);
  EXPECT_THAT(not_pem.out, HasSubstr("no public key"));
  EXPECT_EQ(Veuctl("ima").exit_code, 2);
}

// Two keys (RSA and EC, two --key flags) sign two entries; a third entry's signature is made
// with a key not given, a fourth has its digest changed after signing, a fifth carries none.
TEST_F(VeuctlIma, SignaturesAreCheckedWithEveryGivenKey) {
  const auto rsa = testing::NewKey(false);
  const auto ec = testing::NewKey(true);
  const auto stranger = testing::NewKey(true);
  const std::string rsa_pem = Write("rsa.pem", rsa->pem), ec_pem = Write("ec.pem", ec->pem);
  const std::string d1 = crypto::Sha256("one"), d2 = crypto::Sha256("two"), d3 = crypto::Sha256("three");
  // Key ids as evmctl computes them for a bare public key: SHA-1 of the DER key, last 4 bytes.
  auto keyid = [](const testing::Key& k) {
    unsigned char* der = nullptr;
    const int n = i2d_PublicKey(k.pkey, &der);
    const std::string sha1 = *crypto::Hash(crypto::kAlgSha1, {std::string(reinterpret_cast<char*>(der), n)});
    OPENSSL_free(der);
    return static_cast<uint32_t>(static_cast<uint8_t>(sha1[16])) << 24 |
           static_cast<uint32_t>(static_cast<uint8_t>(sha1[17])) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(sha1[18])) << 8 | static_cast<uint8_t>(sha1[19]);
  };
  std::string changed = d3;
  changed[0] ^= 1;
  auto entry = [](const std::string& digest, const std::string& path, const std::string& sig) {
    return testing::Record{10, "ima-sig", {testing::DigestNg("sha256", digest), path + std::string(1, '\0'), sig}};
  };
  const std::string path = Write("signed.bin", testing::BinaryLog({
      entry(d1, "/usr/bin/rsa", testing::Sign(*rsa, keyid(*rsa), d1)),
      entry(d2, "/usr/bin/ec", testing::Sign(*ec, keyid(*ec), d2)),
      entry(d2, "/usr/bin/stranger", testing::Sign(*stranger, keyid(*stranger), d2)),
      entry(changed, "/usr/bin/changed", testing::Sign(*ec, keyid(*ec), d3)),
      entry(d1, "/usr/bin/unsigned", ""),
  }));
  const CommandResult r = Veuctl("ima --json " + path + " --key " + rsa_pem + " --key=" + ec_pem, false);
  ASSERT_EQ(r.exit_code, 1) << r.out;
  const auto json = ParseJson(r.out);
  const auto& entries = At(json, "entries").list_value().values();
  ASSERT_EQ(entries.size(), 5);
  const std::vector<std::string> want = {"valid", "valid", "unknown-key", "invalid", "none"};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(At(entries[i].struct_value(), "signature_result").string_value(), want[i]) << i;
  }
  const auto& findings = At(json, "findings").list_value().values();
  ASSERT_EQ(findings.size(), 2);
  EXPECT_EQ(At(findings[0].struct_value(), "kind").string_value(), "SIGNATURE_UNKNOWN_KEY");
  EXPECT_EQ(At(findings[0].struct_value(), "record").number_value(), 2);
  EXPECT_EQ(At(findings[1].struct_value(), "kind").string_value(), "SIGNATURE_INVALID");
  EXPECT_EQ(At(findings[1].struct_value(), "record").number_value(), 3);
  // The first two alone pass; the text form shows each result.
  const std::string two = Write("two.bin", testing::BinaryLog({
      entry(d1, "/usr/bin/rsa", testing::Sign(*rsa, keyid(*rsa), d1)),
      entry(d2, "/usr/bin/ec", testing::Sign(*ec, keyid(*ec), d2))}));
  const CommandResult ok = Veuctl("ima " + two + " --key " + rsa_pem + " --key " + ec_pem);
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_THAT(ok.out, HasSubstr("/usr/bin/ec  [signature valid]"));
  // With only the RSA key, the EC entry's key is unknown.
  EXPECT_EQ(Veuctl("ima " + two + " --key " + rsa_pem).exit_code, 1);
}

}  // namespace
}  // namespace veu::ima
