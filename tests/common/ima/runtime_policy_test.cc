// The runtime policy index and the appraisal of IMA entries against it, as specifications: over
// the IMA fixtures (826 real ima-ng entries, keyring and device-mapper ima-buf entries, a
// violation, a malformed signature) and logs made and signed here, every finding names its
// record, path and reason code, excludes drop findings from the path's start as Keylime's
// re.match does, and the roll-up is pass, warn or fail.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "common/crypto/digest.h"
#include "common/hex.h"
#include "common/ima/ima_log.h"
#include "common/ima/runtime_appraisal.h"
#include "common/ima/runtime_policy.h"
#include "tests/common/ima/log_writer.h"
#include "tests/common/ima/signing.h"
#include "tests/support/status_matchers.h"

namespace veu::ima {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::veu::testing::StatusIs;

std::filesystem::path ImaDir() { return std::filesystem::path(VEU_FIXTURES_DIR) / "ima"; }

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ParsedLog AsciiFixture(const std::string& rel) {
  auto log = ParseAscii(Read(ImaDir() / rel));
  EXPECT_TRUE(log.ok()) << rel << ": " << log.status();
  return log.ok() ? *std::move(log) : ParsedLog{};
}

std::shared_ptr<const RuntimePolicyIndex> Index(const v1::RuntimePolicy& policy) {
  auto index = RuntimePolicyIndex::Build(policy);
  EXPECT_TRUE(index.ok()) << index.status();
  return index.ok() ? *index : nullptr;
}

// A policy allowing every file entry of `log` by its digest (what `learn` makes).
v1::RuntimePolicy AllowAll(const ParsedLog& log) {
  v1::RuntimePolicy p;
  for (const Entry& e : log.entries) {
    if (e.violation || e.digest.empty()) continue;
    auto* f = p.add_files();
    f->set_path(e.path);
    f->add_digests(ToHex(e.digest));
  }
  return p;
}

RuntimeAppraisal Appraise(const v1::RuntimePolicy& policy, const ParsedLog& log, size_t first = 0,
                          RuntimeAppraisalOptions options = {}) {
  RuntimeAppraiser appraiser(Index(policy));
  return appraiser.Appraise(log, first, options);
}

std::vector<v1::ReasonCode> Reasons(const RuntimeAppraisal& a) {
  std::vector<v1::ReasonCode> out;
  for (const RuntimeFinding& f : a.findings) out.push_back(f.reason);
  return out;
}

std::string SpkiDer(const testing::Key& key) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key.pkey, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return out;
}

std::string Nul(const std::string& path) { return path + std::string(1, '\0'); }

testing::Record SigRecord(const std::string& path, const std::string& digest, const std::string& sig) {
  return {10, "ima-sig", {testing::DigestNg("sha256", digest), Nul(path), sig}};
}

ParsedLog Binary(const std::vector<testing::Record>& records) {
  auto log = ParseBinary(testing::BinaryLog(records));
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? *std::move(log) : ParsedLog{};
}

// ---- The index ----

TEST(RuntimePolicyLiteralPrefix, IsTheTextEveryMatchStartsWithAndSaysWhenNoRegexIsNeeded) {
  EXPECT_EQ(LiteralPrefix("/tmp/.*"), std::make_pair(std::string("/tmp/"), true));
  EXPECT_EQ(LiteralPrefix("boot_aggregate"), std::make_pair(std::string("boot_aggregate"), true));
  EXPECT_EQ(LiteralPrefix("^/var/log/.*\\.log$"), std::make_pair(std::string("/var/log/"), false));
  EXPECT_EQ(LiteralPrefix("/usr/lib\\.so?"), std::make_pair(std::string("/usr/lib.s"), false));
  EXPECT_EQ(LiteralPrefix("/opt|/srv"), std::make_pair(std::string(""), false));
  EXPECT_EQ(LiteralPrefix("/usr/\\d+/x"), std::make_pair(std::string("/usr/"), false));
}

TEST(RuntimePolicyIndex, ExcludesMatchFromThePathsStartAsKeylimesReMatchDoes) {
  v1::RuntimePolicy p;
  p.add_excludes("/tmp/.*");
  p.add_excludes("/var/log/.*\\.log$");
  p.add_excludes("(/opt|/srv)/cache/");
  const auto index = Index(p);
  ASSERT_NE(index, nullptr);
  EXPECT_TRUE(index->Excluded("/tmp/x"));
  EXPECT_FALSE(index->Excluded("/var/tmp/x"));
  EXPECT_TRUE(index->Excluded("/var/log/app/a.log"));
  EXPECT_FALSE(index->Excluded("/var/log/a.txt"));
  EXPECT_TRUE(index->Excluded("/opt/cache/a"));
  EXPECT_TRUE(index->Excluded("/srv/cache/b"));
  EXPECT_FALSE(index->Excluded("/usr/opt/cache/a"));
  EXPECT_EQ(index->excludes(), 3u);
}

TEST(RuntimePolicyIndex, RefusesDigestsOfImpossibleLengthNamingThePath) {
  v1::RuntimePolicy p;
  auto* f = p.add_files();
  f->set_path("/usr/bin/x");
  f->add_digests(ToHex(std::string(15, 'a')));
  EXPECT_THAT(RuntimePolicyIndex::Build(p).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("files[0] (/usr/bin/x)")));
  v1::RuntimePolicy k;
  auto* kr = k.add_keyrings();
  kr->set_keyring(".ima");
  kr->add_digests(ToHex(std::string(65, 'a')));
  EXPECT_THAT(RuntimePolicyIndex::Build(k).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("keyrings[0] (.ima)")));
}

TEST(RuntimePolicyIndex, RefusesADigestThatIsNotHex) {
  v1::RuntimePolicy p;
  auto* f = p.add_files();
  f->set_path("/usr/bin/x");
  f->add_digests("zz" + std::string(62, '0'));
  EXPECT_THAT(RuntimePolicyIndex::Build(p).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("digest 0 is not hex")));
}

TEST(RuntimePolicyIndex, RefusesAnExcludeThatIsNotARegularExpression) {
  v1::RuntimePolicy p;
  p.add_excludes("/tmp/(unclosed");
  EXPECT_THAT(RuntimePolicyIndex::Build(p).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("excludes[0]")));
}

TEST(RuntimePolicyIndex, RefusesAVerificationKeyThatIsNotDer) {
  v1::RuntimePolicy p;
  p.add_verification_keys()->set_pem("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n");
  EXPECT_THAT(RuntimePolicyIndex::Build(p).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("verification_keys[0]")));
}

TEST(RuntimePolicyIndex, APathGivenTwiceAllowsTheUnionOfItsDigests) {
  v1::RuntimePolicy p;
  const std::string a(32, 'a'), b(32, 'b'), c(20, 'c');
  auto* f1 = p.add_files();
  f1->set_path("/usr/bin/x");
  f1->add_digests(ToHex(a));
  auto* f2 = p.add_files();
  f2->set_path("/usr/bin/x");
  f2->add_digests(ToHex(b));
  f2->add_digests(ToHex(a));
  const auto index = Index(p);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->files().names(), 1u);
  EXPECT_EQ(index->files().digests(), 2u);
  EXPECT_EQ(index->FileDigest("/usr/bin/x", a), PolicyLookup::kAllowed);
  EXPECT_EQ(index->FileDigest("/usr/bin/x", b), PolicyLookup::kAllowed);
  EXPECT_EQ(index->FileDigest("/usr/bin/x", c), PolicyLookup::kMismatch);
  EXPECT_EQ(index->FileDigest("/usr/bin/y", a), PolicyLookup::kNotListed);
}

// ---- Files by digest, over 826 real ima-ng entries ----

TEST(RuntimeAppraisal, ARealLogPassesThePolicyLearnedFromIt) {
  const ParsedLog log = AsciiFixture("rust-keylime/ascii_runtime_measurements");
  ASSERT_EQ(log.entries.size(), 826u);
  const RuntimeAppraisal a = Appraise(AllowAll(log), log);
  EXPECT_EQ(a.verdict, RuntimeVerdict::kPass);
  EXPECT_EQ(a.appraised, 826u);
  EXPECT_EQ(a.by_digest + a.by_signature, 826u - log.violations);
  EXPECT_TRUE(a.findings.empty());
}

TEST(RuntimeAppraisal, AChangedDigestIsAMismatchNamingRecordAndPath) {
  const ParsedLog log = AsciiFixture("rust-keylime/ascii_runtime_measurements");
  v1::RuntimePolicy p = AllowAll(log);
  std::string* d = p.mutable_files(100)->mutable_digests(0);
  (*d)[0] = (*d)[0] == '0' ? '1' : '0';
  const std::string path = p.files(100).path();
  const RuntimeAppraisal a = Appraise(p, log);
  EXPECT_EQ(a.verdict, RuntimeVerdict::kFail);
  ASSERT_GE(a.findings.size(), 1u);
  // The path may be measured more than once; the first finding is the first measurement.
  EXPECT_EQ(a.findings[0].reason, v1::IMA_DIGEST_MISMATCH);
  EXPECT_EQ(a.findings[0].path, path);
  EXPECT_EQ(log.entries[a.findings[0].record].path, path);
  EXPECT_THAT(a.findings[0].detail, HasSubstr("record " + std::to_string(a.findings[0].record)));
  const Entry& e = log.entries[a.findings[0].record];
  EXPECT_THAT(a.findings[0].detail, HasSubstr(e.digest_alg + ":" + ToHex(e.digest)));
}

TEST(RuntimeAppraisal, AnUnlistedFileFailsOrWarnsAsThePolicySays) {
  const ParsedLog log = AsciiFixture("rust-keylime/ascii_runtime_measurements");
  v1::RuntimePolicy p = AllowAll(log);
  const std::string path = log.entries[5].path;
  v1::RuntimePolicy without;
  for (const auto& f : p.files()) {
    if (f.path() != path) *without.add_files() = f;
  }
  RuntimeAppraisal a = Appraise(without, log);
  EXPECT_EQ(a.verdict, RuntimeVerdict::kFail);
  ASSERT_FALSE(a.findings.empty());
  EXPECT_EQ(a.findings[0].record, 5u);
  EXPECT_EQ(a.findings[0].reason, v1::IMA_FILE_UNKNOWN);
  EXPECT_FALSE(a.findings[0].warning);

  without.set_unknown_files(v1::UNKNOWN_FILE_WARN);
  a = Appraise(without, log);
  EXPECT_EQ(a.verdict, RuntimeVerdict::kWarn);
  EXPECT_TRUE(a.findings[0].warning);

  // An exclude covering it drops the finding.
  without.set_unknown_files(v1::UNKNOWN_FILE_FAIL);
  without.add_excludes(path);
  a = Appraise(without, log);
  EXPECT_EQ(a.verdict, RuntimeVerdict::kPass);
  EXPECT_GE(a.excluded, 1u);
}

TEST(RuntimeAppraisal, AnEmptyPolicyFailsEveryFileOfTheKeylimeMeasurements) {
  const ParsedLog log = AsciiFixture("keylime-test_ima_verification/MEASUREMENTS.txt");
  ASSERT_EQ(log.entries.size(), 3u);
  const RuntimeAppraisal a = Appraise(v1::RuntimePolicy(), log);
  EXPECT_EQ(a.verdict, RuntimeVerdict::kFail);
  EXPECT_THAT(Reasons(a), ElementsAre(v1::IMA_FILE_UNKNOWN, v1::IMA_FILE_UNKNOWN, v1::IMA_FILE_UNKNOWN));
  EXPECT_EQ(a.findings[0].record, 0u);
  EXPECT_EQ(a.findings[0].path, "boot_aggregate");
  EXPECT_EQ(a.findings[2].record, 2u);
  EXPECT_EQ(a.counts.at(v1::IMA_FILE_UNKNOWN), 3u);
}

TEST(RuntimeAppraisal, FindingsKeptAreBoundedButAllAreCounted) {
  const ParsedLog log = AsciiFixture("rust-keylime/ascii_runtime_measurements");
  RuntimeAppraisalOptions o;
  o.max_findings = 10;
  const RuntimeAppraisal a = Appraise(v1::RuntimePolicy(), log, 0, o);
  EXPECT_EQ(a.findings.size(), 10u);
  EXPECT_EQ(a.findings_total, 826u);
  EXPECT_EQ(a.counts.at(v1::IMA_FILE_UNKNOWN), 826u);
}

TEST(RuntimeAppraisal, AppraisesOnlyTheEntriesFromTheFirstNotYetAppraised) {
  const ParsedLog log = AsciiFixture("rust-keylime/ascii_runtime_measurements");
  const RuntimeAppraisal a = Appraise(v1::RuntimePolicy(), log, 800);
  EXPECT_EQ(a.appraised, 26u);
  ASSERT_EQ(a.findings_total, 26u);
  EXPECT_EQ(a.findings.front().record, 800u);
  EXPECT_EQ(Appraise(v1::RuntimePolicy(), log, 826).appraised, 0u);
  EXPECT_EQ(Appraise(v1::RuntimePolicy(), log, 5000).verdict, RuntimeVerdict::kPass);
}

// ---- boot_aggregate ----

TEST(RuntimeAppraisal, BootAggregateCheckedAgainstQuotedPcrsNeedsNoPolicyEntry) {
  const ParsedLog log = AsciiFixture("rust-keylime/ima_log.txt");
  ASSERT_EQ(log.entries.size(), 1u);
  RuntimeAppraisalOptions o;
  o.boot_aggregate = BootAggregateState::kMatches;
  EXPECT_EQ(Appraise(v1::RuntimePolicy(), log, 0, o).verdict, RuntimeVerdict::kPass);
  o.boot_aggregate = BootAggregateState::kMismatch;
  // Even a policy listing its digest does not save a boot_aggregate the PCRs contradict.
  const RuntimeAppraisal a = Appraise(AllowAll(log), log, 0, o);
  EXPECT_THAT(Reasons(a), ElementsAre(v1::IMA_BOOT_AGGREGATE_MISMATCH));
  o.boot_aggregate = BootAggregateState::kNotChecked;
  EXPECT_EQ(Appraise(AllowAll(log), log, 0, o).verdict, RuntimeVerdict::kPass);
}

// ---- The log itself: template hashes, violations ----

TEST(RuntimeAppraisal, ATemplateHashThatDoesNotRecomputeFailsEvenWhenThePathIsExcluded) {
  const ParsedLog log = AsciiFixture("keylime-test_ima_verification/BAD_SIGNATURES.txt");
  ASSERT_EQ(log.bad_template_hashes.size(), 1u);
  v1::RuntimePolicy p;
  p.add_excludes(".*");
  const RuntimeAppraisal a = Appraise(p, log);
  EXPECT_EQ(a.verdict, RuntimeVerdict::kFail);
  EXPECT_THAT(Reasons(a), ElementsAre(v1::IMA_TEMPLATE_HASH_MISMATCH));
  EXPECT_EQ(a.findings[0].record, log.bad_template_hashes[0]);
}

TEST(RuntimeAppraisal, AViolationFailsWarnsWhenThePolicySaysOrIsExcluded) {
  auto parsed = ParseBinary(Read(ImaDir() / "tpm2-tss/sml-ima-sha1-invalidated.bin"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->violations, 1u);
  size_t violation = 0;
  for (const Entry& e : parsed->entries) {
    if (e.violation) violation = e.record;
  }
  v1::RuntimePolicy p = AllowAll(*parsed);
  RuntimeAppraisal a = Appraise(p, *parsed);
  EXPECT_EQ(a.verdict, RuntimeVerdict::kFail);
  ASSERT_THAT(Reasons(a), ElementsAre(v1::IMA_VIOLATION));
  EXPECT_EQ(a.findings[0].record, violation);
  p.set_violations_warn(true);
  EXPECT_EQ(Appraise(p, *parsed).verdict, RuntimeVerdict::kWarn);
  p.set_violations_warn(false);
  p.add_excludes(parsed->entries[violation].path);
  a = Appraise(p, *parsed);
  EXPECT_EQ(a.verdict, RuntimeVerdict::kPass);
  EXPECT_EQ(a.excluded, 1u);
}

// ---- Buffers: keyrings and device-mapper ----

TEST(RuntimeAppraisal, AKeyOnTheImaKeyringPassesOnlyWhenThePolicyExpectsItsDigest) {
  const ParsedLog log = AsciiFixture("keylime-test_ima_verification/KEYRINGS.txt");
  ASSERT_EQ(log.entries.size(), 1u);
  const Entry& e = log.entries[0];
  ASSERT_EQ(e.path, ".ima");
  v1::RuntimePolicy p;
  auto* kr = p.add_keyrings();
  kr->set_keyring(".ima");
  kr->add_digests(ToHex(e.digest));
  RuntimeAppraiser appraiser(Index(p));
  RuntimeAppraisal a = appraiser.Appraise(log);
  EXPECT_EQ(a.verdict, RuntimeVerdict::kPass);
  EXPECT_EQ(a.by_keyring, 1u);
  EXPECT_EQ(appraiser.learned_keys(), 1u);  // the certificate now verifies signatures

  std::string other = e.digest;
  other[3] ^= 0x40;
  kr->set_digests(0, ToHex(other));
  EXPECT_THAT(Reasons(Appraise(p, log)), ElementsAre(v1::IMA_KEYRING_KEY_UNEXPECTED));
  // A keyring the policy does not name at all is unexpected too, and never a mere warning.
  v1::RuntimePolicy none;
  none.set_unknown_files(v1::UNKNOWN_FILE_WARN);
  a = Appraise(none, log);
  EXPECT_THAT(Reasons(a), ElementsAre(v1::IMA_KEYRING_KEY_UNEXPECTED));
  EXPECT_EQ(a.verdict, RuntimeVerdict::kFail);
  // Unless it is ignored.
  none.add_ignored_keyrings(".ima");
  EXPECT_EQ(Appraise(none, log).verdict, RuntimeVerdict::kPass);
}

TEST(RuntimeAppraisal, DeviceMapperMeasurementsPassWhenTheirBuffersAreAllowed) {
  const ParsedLog log = AsciiFixture("keylime-test_ima_dm/dm_entries.txt");
  ASSERT_EQ(log.entries.size(), 15u);
  RuntimeAppraisal a = Appraise(v1::RuntimePolicy(), log);
  EXPECT_EQ(a.verdict, RuntimeVerdict::kFail);
  EXPECT_EQ(a.counts.at(v1::IMA_BUFFER_UNEXPECTED), 15u);
  v1::RuntimePolicy p;
  for (const Entry& e : log.entries) {
    auto* b = p.add_buffers();
    b->set_name(e.path);
    b->add_digests(ToHex(e.digest));
  }
  a = Appraise(p, log);
  EXPECT_EQ(a.verdict, RuntimeVerdict::kPass);
  EXPECT_EQ(a.by_keyring, 15u);
}

TEST(RuntimeAppraisal, ABufferThatDoesNotHashToItsLoggedDigestIsAMismatch) {
  const std::string buf = "key bytes";
  const std::string wrong = crypto::Sha256("other bytes");
  const ParsedLog log = Binary({{10, "ima-buf", {testing::DigestNg("sha256", wrong), Nul(".ima"), buf}}});
  v1::RuntimePolicy p;
  p.add_ignored_keyrings(".ima");
  EXPECT_THAT(Reasons(Appraise(p, log)), ElementsAre(v1::IMA_DIGEST_MISMATCH));
}

// ---- Signatures ----

TEST(RuntimeAppraisal, RsaAndEcSignaturesByPolicyKeysPassWithoutDigestsAndBadOnesFail) {
  for (bool ec : {false, true}) {
    const auto key = testing::NewKey(ec);
    const auto stranger = testing::NewKey(ec);
    v1::RuntimePolicy p;
    p.add_verification_keys()->set_pem(key->pem);
    const auto index = Index(p);
    ASSERT_NE(index, nullptr);
    const uint32_t keyid = index->keys().at(0).keyid;
    const std::string d1 = crypto::Sha256("one"), d2 = crypto::Sha256("two"), d3 = crypto::Sha256("three");
    std::string tampered = testing::Sign(*key, keyid, d2);
    tampered.back() ^= 1;
    const ParsedLog log = Binary({
        SigRecord("/usr/bin/one", d1, testing::Sign(*key, keyid, d1)),
        SigRecord("/usr/bin/two", d2, tampered),
        SigRecord("/usr/bin/three", d3, testing::Sign(*stranger, keyid ^ 1, d3)),
        SigRecord("/tmp/scratch", d3, tampered),
    });
    v1::RuntimePolicy with_exclude = p;
    with_exclude.add_excludes("/tmp/");
    RuntimeAppraiser appraiser(Index(with_exclude));
    const RuntimeAppraisal a = appraiser.Appraise(log);
    EXPECT_EQ(a.verdict, RuntimeVerdict::kFail);
    EXPECT_EQ(a.by_signature, 1u) << ec;
    EXPECT_EQ(a.excluded, 1u);
    ASSERT_THAT(Reasons(a), ElementsAre(v1::IMA_SIGNATURE_INVALID, v1::IMA_SIGNATURE_INVALID));
    EXPECT_EQ(a.findings[0].record, 1u);
    EXPECT_THAT(a.findings[0].detail, HasSubstr("signature invalid"));
    EXPECT_EQ(a.findings[1].record, 2u);
    EXPECT_THAT(a.findings[1].detail, HasSubstr("unknown-key"));
  }
}

TEST(RuntimeAppraisal, RequiredSignaturesMakeAnUnsignedFileFailEvenWithAnAllowedDigest) {
  const auto key = testing::NewKey(true);
  const std::string d = crypto::Sha256("x");
  const ParsedLog log = Binary({SigRecord("/usr/bin/x", d, "")});
  v1::RuntimePolicy p;
  p.add_verification_keys()->set_pem(key->pem);
  auto* f = p.add_files();
  f->set_path("/usr/bin/x");
  f->add_digests(ToHex(d));
  EXPECT_EQ(Appraise(p, log).verdict, RuntimeVerdict::kPass);
  p.set_require_signatures(true);
  const RuntimeAppraisal a = Appraise(p, log);
  EXPECT_THAT(Reasons(a), ElementsAre(v1::IMA_SIGNATURE_MISSING));
  EXPECT_EQ(a.findings[0].path, "/usr/bin/x");
}

TEST(RuntimeAppraisal, AKeyLoadedOntoAnExpectedKeyringVerifiesLaterSignatures) {
  const auto key = testing::NewKey(false);
  const std::string der = SpkiDer(*key);
  auto loaded = LoadVerificationKeyDer(der);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const std::string d = crypto::Sha256("payload");
  const testing::Record signed_file = SigRecord("/usr/bin/payload", d, testing::Sign(*key, loaded->keyid, d));
  const testing::Record keyring = {10, "ima-buf", {testing::DigestNg("sha256", crypto::Sha256(der)), Nul(".ima"), der}};
  v1::RuntimePolicy p;
  auto* kr = p.add_keyrings();
  kr->set_keyring(".ima");
  kr->add_digests(ToHex(crypto::Sha256(der)));
  // A policy key of another id, so the signature is checked at all.
  p.add_verification_keys()->set_pem(testing::NewKey(true)->pem);
  const RuntimeAppraisal before = Appraise(p, Binary({signed_file, keyring}));
  EXPECT_THAT(Reasons(before), ElementsAre(v1::IMA_SIGNATURE_INVALID));
  const RuntimeAppraisal after = Appraise(p, Binary({keyring, signed_file}));
  EXPECT_EQ(after.verdict, RuntimeVerdict::kPass);
  EXPECT_EQ(after.by_signature, 1u);
}

// ---- Sharing ----

TEST(RuntimeAppraisal, OneIndexServesAppraisalsOnManyThreadsAtOnce) {
  const ParsedLog log = AsciiFixture("rust-keylime/ascii_runtime_measurements");
  v1::RuntimePolicy p = AllowAll(log);
  p.add_excludes("/nonexistent/.*\\.so");
  const auto index = Index(p);
  std::vector<std::thread> threads;
  std::vector<RuntimeVerdict> verdicts(4, RuntimeVerdict::kFail);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) verdicts[t] = RuntimeAppraiser(index).Appraise(log).verdict;
    });
  }
  for (auto& t : threads) t.join();
  for (RuntimeVerdict v : verdicts) EXPECT_EQ(v, RuntimeVerdict::kPass);
}

}  // namespace
}  // namespace veu::ima
