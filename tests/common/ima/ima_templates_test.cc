// The parser on every template the kernel writes (ima-modsig, ima-ngv2, ima-sigv2, evm-sig,
// custom format strings), in binary (both byte orders, per-bank template hashes) and ASCII
// form, on the fixtures' own entries re-written in those forms, and on the fixtures that
// exercise digest-algorithm detection (keylime-create-runtime-policy) and refusal
// (keylime-test_ima_ast's invalid entries, rust-keylime's invalid_ima_log.txt).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/crypto/digest.h"
#include "common/hex.h"
#include "common/ima/ima_log.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/common/ima/log_writer.h"

namespace veu::ima {
namespace {

using testing::BinaryLog;
using testing::DigestNg;
using testing::Record;

std::filesystem::path ImaDir() { return std::filesystem::path(VEU_FIXTURES_DIR) / "ima"; }

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

std::string Hex(const std::string& h) { return *FromHex(h); }

// The real ima-sig entries of keylime's test_ima_ast (RSA and EC signatures), parsed once.
struct RealSigned {
  std::string rsa_digest, rsa_path, rsa_sig, ec_digest, ec_path, ec_sig;
};
RealSigned LoadRealSigned() {
  auto log = ParseAscii(Read(ImaDir() / "keylime-test_ima_ast/valid_entries.txt"));
  EXPECT_TRUE(log.ok()) << log.status();
  const Entry& rsa = log->entries.at(0);
  const Entry& ec = log->entries.at(1);
  return {rsa.digest, rsa.path, rsa.signature, ec.digest, ec.path, ec.signature};
}

TEST(ImaTemplates, ValidEntriesDecodeTheirDigestPathAndSignature) {
  const RealSigned s = LoadRealSigned();
  EXPECT_EQ(ToHex(s.rsa_digest), "d33d5d13792292e202dbf69a6f1b07bc8a02f01424db8489ba7bb7d43c0290ef");
  EXPECT_EQ(s.rsa_path, "/usr/bin/dd");
  EXPECT_EQ(ToHex(s.rsa_sig.substr(0, 7)), "030204f3452d23");  // v2 header, keyid f3452d23
  EXPECT_EQ(s.ec_path, "/usr/bin/zmore");
  EXPECT_EQ(ToHex(s.ec_sig.substr(0, 7)), "030204531f4025");
}

// Each template with the fields its kernel descriptor lists, made from the real entries.
std::vector<Record> EveryTemplate(const RealSigned& s) {
  const std::string dng = DigestNg("sha256", s.rsa_digest);
  const std::string nng = s.rsa_path + std::string(1, '\0');
  return {
      {10, "ima-sig", {dng, nng, s.rsa_sig}},
      {10, "ima-modsig", {dng, nng, "", DigestNg("sha256", s.ec_digest), s.ec_sig}},
      {10, "ima-ngv2", {DigestNg("ima:sha256", s.rsa_digest), nng}},
      {10, "ima-sigv2", {DigestNg("verity:sha256", s.ec_digest), s.ec_path + std::string(1, '\0'), s.ec_sig}},
      {10, "d-ng|n-ng|sig", {dng, nng, s.rsa_sig}},
      {10, "d|n", {std::string(20, '\x11'), "/etc/fstab"}},
      {10, "d-ngv2|n-ng|buf", {DigestNg("ima:sha1", std::string(20, '\x22')), "dm_table_load" + std::string(1, '\0'), "buffer"}},
      {10, "evm-sig",
       {dng, nng, s.ec_sig, "security.ima|security.selinux", Hex("0800000004000000"),
        "value", testing::U32(0), testing::U32(1000), std::string("\xed\x81", 2)}},
  };
}

TEST(ImaTemplates, EveryBuiltInAndCustomTemplateSplitsIntoItsNamedFields) {
  const RealSigned s = LoadRealSigned();
  const auto records = EveryTemplate(s);
  auto log = ParseBinary(BinaryLog(records));
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->entries.size(), records.size());
  EXPECT_TRUE(log->bad_template_hashes.empty());
  for (const Entry& e : log->entries) {
    EXPECT_TRUE(e.template_known) << e.template_name;
    EXPECT_TRUE(e.template_hash_ok) << e.template_name;
  }
  const Entry& modsig = log->entries[1];
  EXPECT_EQ(modsig.field_names,
            (std::vector<std::string>{"d-ng", "n-ng", "sig", "d-modsig", "modsig"}));
  EXPECT_EQ(modsig.digest_alg, "sha256");
  EXPECT_EQ(modsig.digest, s.rsa_digest);
  EXPECT_EQ(modsig.path, "/usr/bin/dd");
  EXPECT_EQ(modsig.signature, "");
  EXPECT_EQ(modsig.modsig_digest_alg, "sha256");
  EXPECT_EQ(modsig.modsig_digest, s.ec_digest);
  EXPECT_EQ(modsig.modsig, s.ec_sig);
  const Entry& ngv2 = log->entries[2];
  EXPECT_EQ(ngv2.field_names, (std::vector<std::string>{"d-ngv2", "n-ng"}));
  EXPECT_EQ(ngv2.digest_type, "ima");
  EXPECT_EQ(ngv2.digest_alg, "sha256");
  EXPECT_EQ(ngv2.digest, s.rsa_digest);
  const Entry& sigv2 = log->entries[3];
  EXPECT_EQ(sigv2.digest_type, "verity");
  EXPECT_EQ(sigv2.path, "/usr/bin/zmore");
  EXPECT_EQ(sigv2.signature, s.ec_sig);
  EXPECT_EQ(log->entries[4].signature, s.rsa_sig);  // custom "d-ng|n-ng|sig" = ima-sig
  EXPECT_EQ(log->entries[5].digest_alg, "sha1");    // custom "d|n": raw SHA-1, bare name
  EXPECT_EQ(log->entries[5].path, "/etc/fstab");
  EXPECT_EQ(log->entries[6].buf, "buffer");
  EXPECT_EQ(log->entries[6].digest_alg, "sha1");
  EXPECT_EQ(log->entries[7].field_names.size(), 9u);
  EXPECT_EQ(log->entries[7].fields[2], s.ec_sig);  // evmsig, not an IMA signature
  EXPECT_EQ(log->entries[7].signature, "");
}

// The kernel's ASCII line for a record: each field as ima_show_template_* prints it.
std::string AsciiLine(const Record& r) {
  std::string line = "10 " + testing::Sha1TemplateHashHex(r) + " " + r.name;
  auto digest_text = [](const std::string& f) {
    const size_t nul = f.find('\0');
    return f.substr(0, nul) + ToHex(f.substr(nul + 1));
  };
  std::vector<std::string> ids;
  std::string fmt = r.name;
  if (r.name == "ima-sig") fmt = "d-ng|n-ng|sig";
  if (r.name == "ima-modsig") fmt = "d-ng|n-ng|sig|d-modsig|modsig";
  if (r.name == "ima-ngv2") fmt = "d-ngv2|n-ng";
  if (r.name == "ima-sigv2") fmt = "d-ngv2|n-ng|sig";
  if (r.name == "evm-sig") fmt = "d-ng|n-ng|evmsig|xattrnames|xattrlengths|xattrvalues|iuid|igid|imode";
  std::stringstream ss(fmt);
  for (std::string id; std::getline(ss, id, '|');) ids.push_back(id);
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string& f = r.fields[i];
    const std::string& id = ids[i];
    std::string text;
    if (id == "d-ng" || id == "d-ngv2" || (id == "d-modsig" && !f.empty())) text = digest_text(f);
    else if (id == "n-ng") text = f.substr(0, f.size() - 1);
    else if (id == "n" || id == "xattrnames") text = f;
    else if (id == "iuid" || id == "igid") text = std::to_string(static_cast<uint8_t>(f[0]) | static_cast<uint8_t>(f[1]) << 8);
    else if (id == "imode") text = std::to_string(static_cast<uint8_t>(f[0]) | static_cast<uint8_t>(f[1]) << 8);
    else text = ToHex(f);
    line += " " + text;
  }
  return line;
}

TEST(ImaTemplates, TheAsciiFormOfEveryTemplateRebuildsTheBinaryTemplateData) {
  const auto records = EveryTemplate(LoadRealSigned());
  std::string text;
  for (const Record& r : records) text += AsciiLine(r) + "\n";
  auto ascii = ParseAscii(text);
  ASSERT_TRUE(ascii.ok()) << ascii.status() << "\n" << text;
  auto binary = ParseBinary(BinaryLog(records));
  ASSERT_TRUE(binary.ok());
  ASSERT_EQ(ascii->entries.size(), binary->entries.size());
  EXPECT_TRUE(ascii->bad_template_hashes.empty());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(ascii->entries[i].template_data, binary->entries[i].template_data) << records[i].name;
    EXPECT_EQ(ascii->entries[i].fields, binary->entries[i].fields) << records[i].name;
  }
  EXPECT_EQ(ReplaySha1(*ascii), ReplaySha1(*binary));
}

TEST(ImaTemplates, AnAsciiPathWithSpacesIsTakenWholeBeforeTheSignature) {
  const RealSigned s = LoadRealSigned();
  Record r{10, "ima-sig", {DigestNg("sha256", s.rsa_digest), "/opt/my app/bin x" + std::string(1, '\0'), s.rsa_sig}};
  auto log = ParseAscii(AsciiLine(r) + "\n");
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->entries[0].path, "/opt/my app/bin x");
  EXPECT_EQ(log->entries[0].signature, s.rsa_sig);
  EXPECT_TRUE(log->entries[0].template_hash_ok);
}

// Every ASCII fixture written out in binary form gives the same entries and the PCR 10 of
// its analysis.json: the two parsers agree on real data.
class AsciiAsBinary : public ::testing::TestWithParam<std::string> {};

TEST_P(AsciiAsBinary, GivesTheAnalysisPcr10) {
  const auto path = ImaDir() / GetParam();
  auto ascii = ParseAscii(Read(path));
  ASSERT_TRUE(ascii.ok()) << ascii.status();
  std::string bin;
  for (const Entry& e : ascii->entries) {
    bin += testing::U32(e.pcr) + e.template_hash + testing::U32(e.template_name.size()) + e.template_name;
    if (e.template_name == "ima") {
      bin += e.fields[0] + testing::U32(e.fields[1].size()) + e.fields[1];
    } else {
      bin += testing::U32(e.template_data.size()) + e.template_data;
    }
  }
  auto binary = ParseBinary(bin);
  ASSERT_TRUE(binary.ok()) << binary.status();
  auto analysis = Json(path.string() + ".analysis.json");
  EXPECT_EQ(ToHex(ReplaySha1(*binary)), analysis.fields().at("pcr10_sha1").string_value());
  EXPECT_EQ(binary->violations, static_cast<size_t>(analysis.fields().at("violations").number_value()));
  EXPECT_EQ(binary->bad_template_hashes, ascii->bad_template_hashes);
  ASSERT_EQ(binary->entries.size(), ascii->entries.size());
  for (size_t i = 0; i < ascii->entries.size(); ++i) {
    EXPECT_EQ(binary->entries[i].path, ascii->entries[i].path) << i;
    EXPECT_EQ(binary->entries[i].digest, ascii->entries[i].digest) << i;
    EXPECT_EQ(binary->entries[i].signature, ascii->entries[i].signature) << i;
    EXPECT_EQ(binary->entries[i].buf, ascii->entries[i].buf) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, AsciiAsBinary,
                         ::testing::Values("keylime-test_ima_ast/valid_entries.txt",
                                           "keylime-test_ima_dm/dm_entries.txt",
                                           "keylime-test_ima_verification/BAD_SIGNATURES.txt",
                                           "keylime-test_ima_verification/KEYRINGS.txt",
                                           "keylime-test_ima_verification/MEASUREMENTS.txt",
                                           "rust-keylime/ascii_runtime_measurements"),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string n = p.param;
                           for (char& c : n) if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

// Host byte order on a big-endian machine (no ima_canonical_fmt): every length and the PCR are
// big-endian, and so is every length the template hash covers.
TEST(ImaByteOrder, ABigEndianLogIsDetectedAndGivesTheSameEntries) {
  const auto records = EveryTemplate(LoadRealSigned());
  auto le = ParseBinary(BinaryLog(records));
  auto be = ParseBinary(BinaryLog(records, crypto::kAlgSha1, /*big_endian=*/true));
  ASSERT_TRUE(le.ok());
  ASSERT_TRUE(be.ok()) << be.status();
  EXPECT_EQ(le->byte_order, ByteOrder::kLittleEndian);
  EXPECT_EQ(be->byte_order, ByteOrder::kBigEndian);
  EXPECT_TRUE(be->bad_template_hashes.empty());
  ASSERT_EQ(be->entries.size(), le->entries.size());
  for (size_t i = 0; i < le->entries.size(); ++i) {
    EXPECT_EQ(be->entries[i].pcr, 10u);
    EXPECT_EQ(be->entries[i].fields, le->entries[i].fields);
  }
  // Read in the wrong order, the first length is absurd: refused where it starts.
  ParseOptions wrong;
  wrong.byte_order = ByteOrder::kLittleEndian;
  auto forced = ParseBinary(BinaryLog(records, crypto::kAlgSha1, true), wrong);
  ASSERT_FALSE(forced.ok());
  EXPECT_NE(forced.status().message().find("record 0 at byte offset 0"), std::string::npos)
      << forced.status();
}

TEST(ImaByteOrder, TheFixturesAreCanonicalLittleEndian) {
  for (const char* name : {"sml-ima-sha1.bin", "sml-ima-ng-sha1.bin", "sml-ima-sha1-invalidated.bin"}) {
    std::string bytes = Read(ImaDir() / "tpm2-tss" / name);
    const auto a = Json(ImaDir() / "tpm2-tss" / (std::string(name) + ".analysis.json"));
    bytes.resize(bytes.size() - static_cast<size_t>(a.fields().at("trailing_bytes").number_value()));
    auto log = ParseBinary(bytes);
    ASSERT_TRUE(log.ok()) << name << log.status();
    EXPECT_EQ(log->byte_order, ByteOrder::kLittleEndian) << name;
  }
}

// Linux 6.10+ per-bank file binary_runtime_measurements_sha256: 32-byte template hashes.
TEST(ImaPerBankLog, ASha256TemplateHashLogParsesWithItsBankNamed) {
  const auto records = EveryTemplate(LoadRealSigned());
  const std::string bytes = BinaryLog(records, crypto::kAlgSha256);
  ParseOptions sha256;
  sha256.template_hash_alg = crypto::kAlgSha256;
  auto log = ParseBinary(bytes, sha256);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(log->template_hash_alg, crypto::kAlgSha256);
  EXPECT_TRUE(log->bad_template_hashes.empty());
  EXPECT_EQ(log->entries.size(), records.size());
  // Read as the classic SHA-1 file, the records do not line up.
  EXPECT_FALSE(ParseBinary(bytes).ok());
}

TEST(ImaMalformed, AFieldCountThatDoesNotFitTheTemplateNamesRecordAndOffset) {
  const RealSigned s = LoadRealSigned();
  std::vector<Record> records = {
      {10, "ima-ng", {DigestNg("sha256", s.rsa_digest), std::string("/a\0", 3)}},
      {10, "ima-sig", {DigestNg("sha256", s.rsa_digest), std::string("/b\0", 3)}},  // no sig field
  };
  const std::string first = testing::BinaryRecord(records[0]);
  auto log = ParseBinary(BinaryLog(records));
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("record 1 at byte offset " + std::to_string(first.size())),
            std::string::npos) << log.status();
}

TEST(ImaMalformed, AnUnknownDigestAlgorithmOrAWrongDigestLengthIsRefused) {
  auto unknown = ParseBinary(BinaryLog({{10, "ima-ng", {DigestNg("md99", "0123"), std::string("/a\0", 3)}}}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("record 0 at byte offset 0: unknown digest algorithm 'md99'"),
            std::string::npos) << unknown.status();
  auto short_digest = ParseBinary(
      BinaryLog({{10, "ima-ng", {DigestNg("sha256", std::string(20, 'x')), std::string("/a\0", 3)}}}));
  ASSERT_FALSE(short_digest.ok());
  EXPECT_NE(short_digest.status().message().find("sha256 digest of 20 bytes"), std::string::npos);
  auto bad_type = ParseBinary(
      BinaryLog({{10, "ima-ngv2", {DigestNg("fs:sha1", std::string(20, 'x')), std::string("/a\0", 3)}}}));
  ASSERT_FALSE(bad_type.ok());
  EXPECT_NE(bad_type.status().message().find("neither ima nor verity"), std::string::npos);
}

TEST(ImaMalformed, EveryTruncationOfAMadeModsigAndBigEndianLogIsAnErrorNeverAReadPastTheEnd) {
  const auto records = EveryTemplate(LoadRealSigned());
  for (bool big : {false, true}) {
    const std::string log = BinaryLog(records, crypto::kAlgSha1, big);
    auto whole = ParseBinary(log);
    ASSERT_TRUE(whole.ok());
    for (size_t n = 1; n < log.size(); ++n) {
      bool boundary = false;
      for (const Entry& e : whole->entries) boundary |= e.offset == n;
      auto cut = ParseBinary(std::string_view(log).substr(0, n));
      if (boundary) {
        EXPECT_TRUE(cut.ok()) << n;
        continue;
      }
      ASSERT_FALSE(cut.ok()) << n;
      EXPECT_NE(cut.status().message().find("byte offset"), std::string::npos);
    }
  }
}

// keylime-create-runtime-policy: the digest algorithm of each log is detected from its
// entries (sha1 .. sha512, sm3_256, whose template hashes are SM3); "unknown" is refused.
TEST(ImaDigestAlgorithms, EachCreateRuntimePolicyLogNamesItsAlgorithmAndUnknownIsRefused) {
  const auto dir = ImaDir() / "keylime-create-runtime-policy";
  const std::vector<std::pair<std::string, size_t>> algs = {
      {"sha1", 20}, {"sha256", 32}, {"sha384", 48}, {"sha512", 64}, {"sm3_256", 32}};
  for (const auto& [alg, size] : algs) {
    auto log = ParseAscii(Read(dir / ("ima-log-" + alg)));
    ASSERT_TRUE(log.ok()) << alg << ": " << log.status();
    ASSERT_EQ(log->entries.size(), 2u) << alg;
    EXPECT_EQ(log->entries[0].path, "boot_aggregate");
    EXPECT_EQ(log->entries[1].path, "/data");
    for (const Entry& e : log->entries) {
      EXPECT_EQ(e.digest_alg, alg);
      EXPECT_EQ(e.digest.size(), size);
    }
    // /data's template hash recomputes in every log; the zero boot_aggregate template hashes
    // (all but sha256's) are violations.
    EXPECT_TRUE(log->entries[1].template_hash_ok) << alg;
    EXPECT_TRUE(log->bad_template_hashes.empty()) << alg;
    EXPECT_EQ(log->violations, alg == "sha256" ? 0u : 1u) << alg;
    EXPECT_EQ(log->template_hash_alg, alg == "sm3_256" ? crypto::kAlgSm3_256 : crypto::kAlgSha1);
  }
  auto unknown = ParseAscii(Read(dir / "ima-log-unknown"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("line 1"), std::string::npos) << unknown.status();
  EXPECT_NE(unknown.status().message().find("unknown digest algorithm 'unknown'"), std::string::npos);
}

TEST(ImaAsciiRefusals, EntriesJsonValidLinesParseAndInvalidOnesAreRefused) {
  auto json = Json(ImaDir() / "keylime-test_ima_ast/entries.json");
  for (const auto& [name, line] : json.fields().at("valid").struct_value().fields()) {
    auto log = ParseAscii(line.string_value());
    ASSERT_TRUE(log.ok()) << name << ": " << log.status();
    ASSERT_EQ(log->entries.size(), 1u);
    EXPECT_EQ(log->entries[0].pcr, 10u);
    EXPECT_TRUE(log->entries[0].template_hash_ok) << name;
  }
  for (const auto& [name, line] : json.fields().at("invalid").struct_value().fields()) {
    auto log = ParseAscii(line.string_value());
    ASSERT_FALSE(log.ok()) << name;
    EXPECT_NE(log.status().message().find("line 1"), std::string::npos) << name;
  }
  EXPECT_FALSE(ParseAscii(Read(ImaDir() / "rust-keylime/invalid_ima_log.txt")).ok());
}

TEST(ImaFormDetection, BinaryFixturesAreBinaryAndAsciiFixturesAscii) {
  for (const char* f : {"tpm2-tss/sml-ima-sha1.bin", "tpm2-tss/sml-ima-ng-sha1.bin",
                        "tpm2-tss/sml-ima-sha1-invalidated.bin"}) {
    EXPECT_FALSE(LooksAscii(Read(ImaDir() / f))) << f;
  }
  for (const char* f : {"rust-keylime/ascii_runtime_measurements", "rust-keylime/ima_log.txt",
                        "keylime-test_ima_dm/dm_entries.txt",
                        "keylime-create-runtime-policy/ima-log-sm3_256"}) {
    EXPECT_TRUE(LooksAscii(Read(ImaDir() / f))) << f;
  }
  EXPECT_FALSE(LooksAscii(Read(ImaDir() / "rust-keylime/invalid_ima_log.txt")));
}

}  // namespace
}  // namespace veu::ima
