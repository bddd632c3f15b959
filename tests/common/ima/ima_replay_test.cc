// PCR replay by both extend rules (per-bank template hash, Linux >= 5.8; zero-padded SHA-1
// before), violations (0xff of the bank's size, or 0xff x 20 padded), and boot_aggregate
// recomputed from PCRs 0-7 (0-9 on non-SHA-1 banks), against the fixtures' expected values and
// a real firmware event log's expected PCRs (../shared/fixtures/eventlogs). Expected chains are
// computed here with plain hashing from the fixtures' values, not with the code under test.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "common/crypto/digest.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"
#include "common/hex.h"
#include "common/ima/ima_log.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/common/ima/log_writer.h"

namespace veu::ima {
namespace {

using crypto::kAlgSha1;
using crypto::kAlgSha256;

std::filesystem::path Fixtures() { return std::filesystem::path(VEU_FIXTURES_DIR); }

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

std::string H(uint16_t alg, std::string_view a, std::string_view b = {}) {
  return *crypto::Hash(alg, {a, b});
}

ParsedLog Binary(const std::string& name) {
  const auto dir = Fixtures() / "ima/tpm2-tss";
  std::string bytes = Read(dir / name);
  const auto a = Json(dir / (name + ".analysis.json"));
  bytes.resize(bytes.size() - static_cast<size_t>(a.fields().at("trailing_bytes").number_value()));
  auto log = ParseBinary(bytes);
  EXPECT_TRUE(log.ok()) << log.status();
  return *log;
}

ParsedLog Ascii(const std::string& path) {
  auto log = ParseAscii(Read(Fixtures() / "ima" / path));
  EXPECT_TRUE(log.ok()) << log.status();
  return *log;
}

std::string Pcr10(const ParsedLog& log, uint16_t alg, ExtendRule rule) {
  return Replay(log, alg, rule).at(kImaPcr);
}

TEST(ImaReplay, OnTheSha1BankBothRulesGiveEveryFixturesAnalysisPcr10) {
  for (const char* f : {"sml-ima-sha1.bin", "sml-ima-ng-sha1.bin", "sml-ima-sha1-invalidated.bin"}) {
    const ParsedLog log = Binary(f);
    const std::string want = Json(Fixtures() / "ima/tpm2-tss" / (std::string(f) + ".analysis.json"))
                                 .fields().at("pcr10_sha1").string_value();
    EXPECT_EQ(ToHex(Pcr10(log, kAlgSha1, ExtendRule::kPerBank)), want) << f;
    EXPECT_EQ(ToHex(Pcr10(log, kAlgSha1, ExtendRule::kPaddedSha1)), want) << f;
    EXPECT_EQ(MatchingRule(log, kAlgSha1, kImaPcr, *FromHex(want)), ExtendRule::kPerBank) << f;
  }
}

// A violation is logged as zeros; the kernel extends 0xff of the bank's size (>= 5.8), or
// before that 0xff x 20 zero-padded to the bank.
TEST(ImaReplay, AViolationExtendsTheSha256BankWithFullOrPaddedOnes) {
  const ParsedLog log = Binary("sml-ima-sha1-invalidated.bin");
  ASSERT_EQ(log.violations, 1u);
  const std::string zero(32, '\0');
  const std::string per_bank = H(kAlgSha256, zero, std::string(32, '\xff'));
  const std::string padded = H(kAlgSha256, zero, std::string(20, '\xff') + std::string(12, '\0'));
  EXPECT_EQ(Pcr10(log, kAlgSha256, ExtendRule::kPerBank), per_bank);
  EXPECT_EQ(Pcr10(log, kAlgSha256, ExtendRule::kPaddedSha1), padded);
  EXPECT_EQ(MatchingRule(log, kAlgSha256, kImaPcr, per_bank), ExtendRule::kPerBank);
  EXPECT_EQ(MatchingRule(log, kAlgSha256, kImaPcr, padded), ExtendRule::kPaddedSha1);
  EXPECT_EQ(MatchingRule(log, kAlgSha256, kImaPcr, zero), std::nullopt);
}

// The 826-entry real log: the SHA-256 bank by each rule, chained here from the template data
// (per bank) and from the logged SHA-1 template hashes (padded).
TEST(ImaReplay, TheRealLogsSha256BankByEachRule) {
  const ParsedLog log = Ascii("rust-keylime/ascii_runtime_measurements");
  ASSERT_EQ(log.entries.size(), 826u);
  std::string per_bank(32, '\0'), padded(32, '\0');
  for (const Entry& e : log.entries) {
    per_bank = H(kAlgSha256, per_bank, e.violation ? std::string(32, '\xff') : H(kAlgSha256, e.template_data));
    padded = H(kAlgSha256, padded, (e.violation ? std::string(20, '\xff') : e.template_hash) + std::string(12, '\0'));
  }
  EXPECT_EQ(Pcr10(log, kAlgSha256, ExtendRule::kPerBank), per_bank);
  EXPECT_EQ(Pcr10(log, kAlgSha256, ExtendRule::kPaddedSha1), padded);
  EXPECT_NE(per_bank, padded);
  EXPECT_EQ(MatchingRule(log, kAlgSha256, kImaPcr, padded), ExtendRule::kPaddedSha1);
  // One entry's file digest changed: its template data no longer gives the quoted value.
  std::string text = Read(Fixtures() / "ima/rust-keylime/ascii_runtime_measurements");
  const size_t pos = text.find("sha1:", text.find('\n') + 1);  // record 1, /init
  ASSERT_NE(pos, std::string::npos);
  text[pos + 5] = text[pos + 5] == '0' ? '1' : '0';
  auto changed = ParseAscii(text);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->bad_template_hashes, std::vector<size_t>{1});
  EXPECT_EQ(MatchingRule(*changed, kAlgSha256, kImaPcr, per_bank), std::nullopt);
}

// The legacy "ima" template's per-bank hash covers the name padded to 256 bytes, as its SHA-1
// template hash does (whose expected values are upstream's).
TEST(ImaReplay, TheImaTemplatesSha256HashCoversTheNamePaddedTo256Bytes) {
  const ParsedLog log = Binary("sml-ima-sha1.bin");
  for (const Entry& e : log.entries) {
    std::string padded = e.path;
    padded.resize(256, '\0');
    EXPECT_EQ(BankTemplateHash(log, e, kAlgSha256), H(kAlgSha256, e.digest, padded)) << e.path;
    EXPECT_EQ(BankTemplateHash(log, e, kAlgSha1), e.template_hash);
  }
  // And the SHA-256 bank is extended with exactly those (a fuzzer found the replay reading a
  // freed hash for this template).
  std::string pcr(32, '\0');
  for (const Entry& e : log.entries) {
    std::string padded = e.path;
    padded.resize(256, '\0');
    pcr = H(kAlgSha256, pcr, H(kAlgSha256, e.digest, padded));
  }
  EXPECT_EQ(Pcr10(log, kAlgSha256, ExtendRule::kPerBank), pcr);
}

// binary_runtime_measurements_sha256 (Linux 6.10+) of the same entries replays the SHA-256 bank
// to what the classic SHA-1 file's per-bank replay gives.
TEST(ImaReplay, APerBankSha256LogAndTheSha1LogAgreeOnTheSha256Bank) {
  const ParsedLog sha1_log = Ascii("keylime-test_ima_dm/dm_entries.txt");
  std::vector<testing::Record> records;
  for (const Entry& e : sha1_log.entries) records.push_back({e.pcr, e.template_name, e.fields});
  ParseOptions sha256;
  sha256.template_hash_alg = kAlgSha256;
  auto per_bank_log = ParseBinary(testing::BinaryLog(records, kAlgSha256), sha256);
  ASSERT_TRUE(per_bank_log.ok()) << per_bank_log.status();
  EXPECT_TRUE(per_bank_log->bad_template_hashes.empty());
  EXPECT_EQ(Pcr10(*per_bank_log, kAlgSha256, ExtendRule::kPerBank),
            Pcr10(sha1_log, kAlgSha256, ExtendRule::kPerBank));
  EXPECT_EQ(Pcr10(*per_bank_log, kAlgSha1, ExtendRule::kPerBank), ReplaySha1(sha1_log));
}

TEST(ImaReplay, EntriesForAnotherPcrExtendThatPcr) {
  const std::string d = testing::DigestNg("sha1", std::string(20, '\x01'));
  auto log = ParseBinary(testing::BinaryLog(
      {{10, "ima-ng", {d, std::string("/a\0", 3)}}, {11, "ima-ng", {d, std::string("/b\0", 3)}}}));
  ASSERT_TRUE(log.ok());
  const auto pcrs = Replay(*log, kAlgSha1, ExtendRule::kPerBank);
  ASSERT_EQ(pcrs.size(), 2u);
  EXPECT_EQ(pcrs.at(10), H(kAlgSha1, std::string(20, '\0'), log->entries[0].template_hash));
  EXPECT_EQ(pcrs.at(11), H(kAlgSha1, std::string(20, '\0'), log->entries[1].template_hash));
}

TEST(ImaBootAggregate, Sha1CoversPcrs0To7AndSha256AlsoPcrs8And9) {
  std::map<uint32_t, std::string> sha1, sha256;
  EXPECT_EQ(BootAggregate(kAlgSha1, sha1), H(kAlgSha1, std::string(8 * 20, '\0')));
  EXPECT_EQ(BootAggregate(kAlgSha256, sha256), H(kAlgSha256, std::string(10 * 32, '\0')));
  sha1[8] = std::string(20, '\x08');
  sha256[8] = std::string(32, '\x08');
  EXPECT_EQ(BootAggregate(kAlgSha1, sha1), H(kAlgSha1, std::string(8 * 20, '\0')));
  EXPECT_EQ(BootAggregate(kAlgSha256, sha256),
            H(kAlgSha256, std::string(8 * 32, '\0') + sha256[8] + std::string(32, '\0')));
}

// PCRs from a real firmware log's expected values; the IMA log's first entry made to carry the
// aggregate a kernel booted after that firmware would log.
std::map<uint16_t, std::map<uint32_t, std::string>> ExpectedFirmwarePcrs(const std::string& name) {
  const auto e = Json(Fixtures() / "eventlogs" / (name + ".expected.json"));
  std::map<uint16_t, std::map<uint32_t, std::string>> out;
  for (const auto& [bank, values] : e.fields().at("pcrs").struct_value().fields()) {
    const uint16_t alg = bank == "sha1" ? kAlgSha1 : bank == "sha256" ? kAlgSha256 : 0;
    if (alg == 0) continue;
    for (const auto& [pcr, hex] : values.struct_value().fields()) {
      out[alg][static_cast<uint32_t>(std::stoul(pcr))] = *FromHex(hex.string_value());
    }
  }
  return out;
}

ParsedLog LogWithBootAggregate(const std::string& alg, const std::string& digest) {
  auto log = ParseBinary(testing::BinaryLog(
      {{10, "ima-ng", {testing::DigestNg(alg, digest), std::string("boot_aggregate\0", 15)}}}));
  EXPECT_TRUE(log.ok()) << log.status();
  return *log;
}

TEST(ImaBootAggregate, MatchesTheRealFirmwareLogsReplayedPcrsAndNotAChangedOne) {
  const std::string fw = "go-tpm-tools__rhel8-uefi.bin";
  const auto want = ExpectedFirmwarePcrs(fw);
  std::string all;
  for (uint32_t i = 0; i <= 9; ++i) {
    auto it = want.at(kAlgSha256).find(i);
    all += it != want.at(kAlgSha256).end() ? it->second : std::string(32, '\0');
  }
  const std::string aggregate = H(kAlgSha256, all);
  // PCRs replayed by common/eventlog from the firmware log itself.
  auto fw_log = eventlog::ParseEventLog(Read(Fixtures() / "eventlogs" / fw));
  ASSERT_TRUE(fw_log.ok()) << fw_log.status();
  std::map<uint16_t, std::map<uint32_t, std::string>> replayed;
  for (const auto& [alg, bank] : eventlog::Replay(*fw_log)) {
    for (const auto& [pcr, v] : bank) replayed[alg][pcr] = v;
  }
  const ParsedLog log = LogWithBootAggregate("sha256", aggregate);
  const BootAggregateCheck ok = CheckBootAggregate(log, replayed);
  EXPECT_TRUE(ok.present);
  EXPECT_TRUE(ok.bank_known);
  EXPECT_FALSE(ok.zero);
  EXPECT_EQ(ok.alg, kAlgSha256);
  EXPECT_TRUE(ok.matches) << ToHex(ok.computed) << " vs " << ToHex(aggregate);
  replayed[kAlgSha256][4][0] ^= 1;
  EXPECT_FALSE(CheckBootAggregate(log, replayed).matches);
  // A SHA-1 aggregate is over PCRs 0-7 of the SHA-1 bank.
  std::string all1;
  for (uint32_t i = 0; i <= 7; ++i) all1 += want.at(kAlgSha1).count(i) ? want.at(kAlgSha1).at(i) : std::string(20, '\0');
  EXPECT_TRUE(CheckBootAggregate(LogWithBootAggregate("sha1", H(kAlgSha1, all1)), want).matches);
  // A bank the PCRs lack cannot be checked.
  const auto none = CheckBootAggregate(LogWithBootAggregate("sha384", std::string(48, '\x01')), want);
  EXPECT_TRUE(none.present);
  EXPECT_FALSE(none.bank_known);
  EXPECT_FALSE(none.matches);
}

TEST(ImaBootAggregate, TheFixturesWithoutATpmLogAZeroAggregate) {
  for (const ParsedLog& log : {Binary("sml-ima-sha1.bin"), Binary("sml-ima-ng-sha1.bin"),
                               Ascii("rust-keylime/ima_log.txt")}) {
    const BootAggregateCheck c = CheckBootAggregate(log, {});
    EXPECT_TRUE(c.present);
    EXPECT_FALSE(c.bank_known);
    EXPECT_EQ(c.zero, log.entries[0].digest_alg == "sha1");
  }
}

}  // namespace
}  // namespace veu::ima
