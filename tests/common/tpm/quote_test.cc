// Specification of VerifyQuote: every rejection reason, every accepted scheme.
#include "common/tpm/quote.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/digest.h"
#include "common/tpm/structures.h"
#include "tests/common/tpm/quote_builder.h"

namespace veu::tpm {
namespace {

using crypto::kAlgSha1;
using crypto::kAlgSha256;
using crypto::kAlgSha384;
using crypto::kAlgSha512;
using testing::BuildQuote;
using testing::BuiltQuote;
using testing::QuoteSpec;
using testing::Sel;
using testing::TestAk;

QuoteExpectations ExpectFor(const QuoteSpec& spec) {
  QuoteExpectations e;
  e.qualifying_data = spec.extra_data;
  e.pcr_selection = spec.selection;
  return e;
}

const CheckResult& Check(const QuoteReport& r, const std::string& id) {
  for (const auto& c : r.checks) {
    if (c.id == id) return c;
  }
  ADD_FAILURE() << "no check " << id;
  static const CheckResult kNone;
  return kNone;
}

// The quote is rejected, and the first failure is `id` with `reason`.
void ExpectRejectedBy(const QuoteReport& r, const std::string& id, veu::v1::ReasonCode reason) {
  EXPECT_FALSE(r.accepted());
  const CheckResult* first = FirstFailure(r.checks);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->id, id) << first->detail;
  EXPECT_EQ(first->reason, reason)
      << veu::v1::ReasonCode_Name(first->reason) << ": " << first->detail;
}

TEST(VerifyQuote, AcceptsWellFormedQuoteAndExposesItsContentsOnlyThen) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  spec.selection = {Sel(kAlgSha256, {0, 1, 7}), Sel(kAlgSha1, {0})};
  BuiltQuote q = BuildQuote(ak, spec);
  QuoteReport r = VerifyQuote(ak.Public(), q.evidence, ExpectFor(spec));
  ASSERT_TRUE(r.accepted()) << FirstFailure(r.checks)->detail;
  EXPECT_EQ(r.checks.size(), 10u);
  for (const auto& c : r.checks) EXPECT_EQ(c.status, CheckStatus::kPass) << c.id;
  const VerifiedQuote& v = *r.verified;
  EXPECT_EQ(v.clock_info().clock, spec.clock);
  EXPECT_EQ(v.clock_info().reset_count, spec.reset_count);
  EXPECT_EQ(v.clock_info().restart_count, spec.restart_count);
  EXPECT_TRUE(v.clock_info().safe);
  EXPECT_EQ(v.firmware_version(), spec.firmware_version);
  EXPECT_EQ(v.qualified_signer(), ak.Name());
  EXPECT_EQ(v.extra_data(), spec.extra_data);
  ASSERT_EQ(v.pcr_values().size(), 4u);
  EXPECT_EQ(v.pcr(kAlgSha256, 7), q.evidence.pcr_values[2].digest());
  EXPECT_EQ(v.pcr(kAlgSha1, 0), q.evidence.pcr_values[3].digest());
  EXPECT_EQ(v.pcr(kAlgSha256, 2), std::nullopt);
}

TEST(VerifyQuote, AcceptsQuoteFromProtoMessage) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  BuiltQuote q = BuildQuote(ak, spec);
  veu::v1::Quote proto;
  proto.set_attest(q.evidence.attest);
  proto.set_signature(q.evidence.signature);
  for (const auto& v : q.evidence.pcr_values) *proto.add_pcr_values() = v;
  EXPECT_TRUE(
      VerifyQuote(ak.Public(), QuoteEvidence::FromProto(proto), ExpectFor(spec)).accepted());
}

struct SchemeCase {
  TestAk::Kind kind;
  uint16_t sig_alg;
  uint16_t hash;
};

class VerifyQuoteSchemes : public ::testing::TestWithParam<SchemeCase> {};

TEST_P(VerifyQuoteSchemes, AcceptsSignatureOfEverySupportedSchemeAndHash) {
  const SchemeCase c = GetParam();
  TestAk ak = TestAk::Make(c.kind, c.sig_alg, c.hash);
  QuoteSpec spec;
  spec.sig_alg = c.sig_alg;
  spec.hash_alg = c.hash;
  BuiltQuote q = BuildQuote(ak, spec);
  QuoteExpectations e = ExpectFor(spec);
  e.allow_sha1 = true;
  QuoteReport r = VerifyQuote(ak.Public(), q.evidence, e);
  ASSERT_TRUE(r.accepted()) << FirstFailure(r.checks)->detail;
  EXPECT_EQ(r.verified->signature_hash_alg(), c.hash);
  EXPECT_EQ(Check(r, kCheckSignatureScheme).status,
            c.hash == kAlgSha1 ? CheckStatus::kWarn : CheckStatus::kPass);
}

TEST_P(VerifyQuoteSchemes, RejectsSignatureOverOtherBytes) {
  const SchemeCase c = GetParam();
  TestAk ak = TestAk::Make(c.kind, c.sig_alg, c.hash);
  QuoteSpec spec;
  spec.sig_alg = c.sig_alg;
  spec.hash_alg = c.hash;
  BuiltQuote q = BuildQuote(ak, spec);
  BuiltQuote other = BuildQuote(ak, [&] {
    QuoteSpec s = spec;
    s.clock += 1;
    return s;
  }());
  q.evidence.signature = other.evidence.signature;
  QuoteExpectations e = ExpectFor(spec);
  e.allow_sha1 = true;
  QuoteReport r = VerifyQuote(ak.Public(), q.evidence, e);
  ExpectRejectedBy(r, kCheckSignatureValid, veu::v1::QUOTE_SIGNATURE_INVALID);
  EXPECT_EQ(Check(r, kCheckPcrDigest).status, CheckStatus::kSkipped);
}

std::vector<SchemeCase> AllSchemes() {
  std::vector<SchemeCase> out;
  for (uint16_t hash : {kAlgSha1, kAlgSha256, kAlgSha384}) {
    out.push_back({TestAk::kRsa2048, TPM2_ALG_RSASSA, hash});
    out.push_back({TestAk::kRsa2048, TPM2_ALG_RSAPSS, hash});
    out.push_back({TestAk::kEccP256, TPM2_ALG_ECDSA, hash});
    out.push_back({TestAk::kEccP384, TPM2_ALG_ECDSA, hash});
  }
  out.push_back({TestAk::kEccP384, TPM2_ALG_ECDSA, kAlgSha512});
  return out;
}

std::string SchemeName(const ::testing::TestParamInfo<SchemeCase>& info) {
  const char* kind = info.param.kind == TestAk::kRsa2048   ? "Rsa2048"
                     : info.param.kind == TestAk::kEccP256 ? "P256"
                                                           : "P384";
  const char* alg = info.param.sig_alg == TPM2_ALG_RSASSA   ? "Rsassa"
                    : info.param.sig_alg == TPM2_ALG_RSAPSS ? "Rsapss"
                                                            : "Ecdsa";
  return std::string(kind) + alg + crypto::HashAlgName(info.param.hash);
}

INSTANTIATE_TEST_SUITE_P(AllSchemes, VerifyQuoteSchemes, ::testing::ValuesIn(AllSchemes()),
                         SchemeName);

TEST(VerifyQuote, RefusesSha1SignatureUnlessAllowed) {
  TestAk ak = TestAk::Make(TestAk::kEccP256, TPM2_ALG_ECDSA, kAlgSha1);
  QuoteSpec spec;
  spec.hash_alg = kAlgSha1;
  QuoteReport r = VerifyQuote(ak.Public(), BuildQuote(ak, spec).evidence, ExpectFor(spec));
  ExpectRejectedBy(r, kCheckSignatureScheme, veu::v1::QUOTE_SIGNATURE_SCHEME_REFUSED);
  EXPECT_EQ(Check(r, kCheckSignatureValid).status, CheckStatus::kSkipped);
}

TEST(VerifyQuote, RejectsQuoteSignedByAnotherKey) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  TestAk other = TestAk::Make(TestAk::kEccP384);
  QuoteSpec spec;
  QuoteReport r = VerifyQuote(other.Public(), BuildQuote(ak, spec).evidence, ExpectFor(spec));
  ExpectRejectedBy(r, kCheckSignatureValid, veu::v1::QUOTE_SIGNATURE_INVALID);
}

TEST(VerifyQuote, RejectsRsaSignatureClaimedByEccKey) {
  TestAk rsa = TestAk::Make(TestAk::kRsa2048);
  TestAk ecc = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  QuoteReport r = VerifyQuote(ecc.Public(), BuildQuote(rsa, spec).evidence, ExpectFor(spec));
  ExpectRejectedBy(r, kCheckSignatureValid, veu::v1::QUOTE_SIGNATURE_INVALID);
}

TEST(VerifyQuote, DoesNotLookAtContentsWhenSignatureFails) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  spec.magic = 0xdeadbeef;
  BuiltQuote q = BuildQuote(ak, spec);
  q.evidence.signature = BuildQuote(ak, QuoteSpec{}).evidence.signature;
  QuoteReport r = VerifyQuote(ak.Public(), q.evidence, ExpectFor(spec));
  ExpectRejectedBy(r, kCheckSignatureValid, veu::v1::QUOTE_SIGNATURE_INVALID);
  EXPECT_EQ(Check(r, kCheckAttestMagic).status, CheckStatus::kSkipped);
  EXPECT_FALSE(r.verified.has_value());
}

// CVE-2024-29038: a signed structure that the TPM did not generate must not pass as a quote.
TEST(VerifyQuote, RejectsQuoteWithoutTpmGeneratedMagic) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  spec.magic = 0x00544347;
  QuoteReport r = VerifyQuote(ak.Public(), BuildQuote(ak, spec).evidence, ExpectFor(spec));
  ExpectRejectedBy(r, kCheckAttestMagic, veu::v1::QUOTE_BAD_MAGIC);
}

TEST(VerifyQuote, RejectsCertifySignedBySameAkAsNotAQuote) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  spec.type = TPM2_ST_ATTEST_CERTIFY;
  QuoteReport r = VerifyQuote(ak.Public(), BuildQuote(ak, spec).evidence, ExpectFor(spec));
  ExpectRejectedBy(r, kCheckAttestType, veu::v1::QUOTE_NOT_A_QUOTE);
  EXPECT_EQ(Check(r, kCheckPcrDigest).status, CheckStatus::kSkipped);
}

TEST(VerifyQuote, RejectsQuoteWhoseQualifyingDataAnswersAnotherChallenge) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  spec.extra_data = QualifyingData("old-nonce", "facts");
  QuoteExpectations e = ExpectFor(spec);
  e.qualifying_data = QualifyingData("new-nonce", "facts");
  QuoteReport r = VerifyQuote(ak.Public(), BuildQuote(ak, spec).evidence, e);
  ExpectRejectedBy(r, kCheckQualifyingData, veu::v1::QUOTE_QUALIFYING_DATA_MISMATCH);
}

TEST(VerifyQuote, RejectsQuoteWhoseFactsDifferFromTheOnesBound) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  spec.extra_data = QualifyingData("nonce", "facts-A");
  QuoteExpectations e = ExpectFor(spec);
  e.qualifying_data = QualifyingData("nonce", "facts-B");
  ExpectRejectedBy(VerifyQuote(ak.Public(), BuildQuote(ak, spec).evidence, e), kCheckQualifyingData,
                   veu::v1::QUOTE_QUALIFYING_DATA_MISMATCH);
}

TEST(VerifyQuote, WarnsNonceMissingWhenNoQualifyingDataIsExpected) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  spec.extra_data = "";
  QuoteExpectations e = ExpectFor(spec);
  e.qualifying_data.reset();
  QuoteReport r = VerifyQuote(ak.Public(), BuildQuote(ak, spec).evidence, e);
  EXPECT_TRUE(r.accepted());
  EXPECT_EQ(Check(r, kCheckQualifyingData).status, CheckStatus::kWarn);
  EXPECT_EQ(Check(r, kCheckQualifyingData).reason, veu::v1::NONCE_MISSING);
}

// CVE-2024-29039: the selection the TPM signed, not the one reported beside it, decides.
TEST(VerifyQuote, RejectsQuoteSelectingFewerPcrsThanExpected) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  spec.selection = {Sel(kAlgSha256, {0, 1})};
  QuoteExpectations e = ExpectFor(spec);
  e.pcr_selection = {Sel(kAlgSha256, {0, 1, 7})};
  QuoteReport r = VerifyQuote(ak.Public(), BuildQuote(ak, spec).evidence, e);
  ExpectRejectedBy(r, kCheckPcrSelection, veu::v1::QUOTE_PCR_SELECTION_MISMATCH);
  EXPECT_THAT(Check(r, kCheckPcrSelection).detail, ::testing::HasSubstr("not quoted: [sha256:7]"));
}

TEST(VerifyQuote, RejectsQuoteSelectingMorePcrsThanExpected) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  spec.selection = {Sel(kAlgSha256, {0, 1, 7})};
  QuoteExpectations e = ExpectFor(spec);
  e.pcr_selection = {Sel(kAlgSha256, {0, 1})};
  QuoteReport r = VerifyQuote(ak.Public(), BuildQuote(ak, spec).evidence, e);
  ExpectRejectedBy(r, kCheckPcrSelection, veu::v1::QUOTE_PCR_SELECTION_MISMATCH);
  EXPECT_THAT(Check(r, kCheckPcrSelection).detail,
              ::testing::HasSubstr("quoted but not expected: [sha256:7]"));
}

TEST(VerifyQuote, RejectsQuoteOfOtherBankThanExpected) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  spec.selection = {Sel(kAlgSha1, {0, 1})};
  QuoteExpectations e = ExpectFor(spec);
  e.pcr_selection = {Sel(kAlgSha256, {0, 1})};
  ExpectRejectedBy(VerifyQuote(ak.Public(), BuildQuote(ak, spec).evidence, e), kCheckPcrSelection,
                   veu::v1::QUOTE_PCR_SELECTION_MISMATCH);
}

TEST(VerifyQuote, RejectsReportedValuesThatMissAQuotedPcr) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  BuiltQuote q = BuildQuote(ak, spec);
  q.evidence.pcr_values.pop_back();
  QuoteReport r = VerifyQuote(ak.Public(), q.evidence, ExpectFor(spec));
  ExpectRejectedBy(r, kCheckPcrValues, veu::v1::QUOTE_PCR_VALUES_INCOMPLETE);
  EXPECT_THAT(Check(r, kCheckPcrValues).detail, ::testing::HasSubstr("sha256:7"));
}

TEST(VerifyQuote, RejectsReportedValueOfWrongSize) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  BuiltQuote q = BuildQuote(ak, spec);
  q.evidence.pcr_values[0].mutable_digest()->resize(20);
  ExpectRejectedBy(VerifyQuote(ak.Public(), q.evidence, ExpectFor(spec)), kCheckPcrValues,
                   veu::v1::QUOTE_PCR_VALUES_INCOMPLETE);
}

TEST(VerifyQuote, RejectsConflictingDuplicateValues) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  BuiltQuote q = BuildQuote(ak, spec);
  veu::v1::PcrValue dup = q.evidence.pcr_values[0];
  (*dup.mutable_digest())[0] ^= 1;
  q.evidence.pcr_values.push_back(dup);
  ExpectRejectedBy(VerifyQuote(ak.Public(), q.evidence, ExpectFor(spec)), kCheckPcrValues,
                   veu::v1::QUOTE_PCR_VALUES_INCOMPLETE);
}

TEST(VerifyQuote, IgnoresReportedValuesOutsideTheSelection) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  BuiltQuote q = BuildQuote(ak, spec);
  auto extra = testing::FakePcrValues({Sel(kAlgSha256, {15})});
  q.evidence.pcr_values.push_back(extra[0]);
  QuoteReport r = VerifyQuote(ak.Public(), q.evidence, ExpectFor(spec));
  ASSERT_TRUE(r.accepted());
  EXPECT_EQ(r.verified->pcr(kAlgSha256, 15), std::nullopt);
}

TEST(VerifyQuote, RejectsPcrValueChangedAfterQuoting) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  BuiltQuote q = BuildQuote(ak, spec);
  (*q.evidence.pcr_values[2].mutable_digest())[5] ^= 0x40;
  ExpectRejectedBy(VerifyQuote(ak.Public(), q.evidence, ExpectFor(spec)), kCheckPcrDigest,
                   veu::v1::QUOTE_PCR_DIGEST_MISMATCH);
}

TEST(VerifyQuote, RejectsDigestOverValuesInAnotherOrder) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  spec.selection = {Sel(kAlgSha256, {0, 1})};
  auto values = testing::FakePcrValues(spec.selection);
  spec.pcr_digest = *crypto::Hash(kAlgSha256, {values[1].digest(), values[0].digest()});
  ExpectRejectedBy(VerifyQuote(ak.Public(), BuildQuote(ak, spec).evidence, ExpectFor(spec)),
                   kCheckPcrDigest, veu::v1::QUOTE_PCR_DIGEST_MISMATCH);
}

TEST(VerifyQuote, ComputesPcrDigestWithTheSignatureHash) {
  // SHA-1 PCR bank quoted with a SHA-384 signature: pcrDigest is SHA-384 of SHA-1 values.
  TestAk ak = TestAk::Make(TestAk::kEccP384, TPM2_ALG_ECDSA, kAlgSha384);
  QuoteSpec spec;
  spec.hash_alg = kAlgSha384;
  spec.selection = {Sel(kAlgSha1, {0, 2})};
  BuiltQuote q = BuildQuote(ak, spec);
  EXPECT_EQ(q.pcr_digest.size(), 48u);
  EXPECT_TRUE(VerifyQuote(ak.Public(), q.evidence, ExpectFor(spec)).accepted());
}

TEST(VerifyQuote, ReportsMalformedAttestForEveryTruncation) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  BuiltQuote q = BuildQuote(ak, spec);
  for (size_t len = 0; len < q.evidence.attest.size(); ++len) {
    QuoteEvidence e = q.evidence;
    e.attest.resize(len);
    QuoteReport r = VerifyQuote(ak.Public(), e, ExpectFor(spec));
    ASSERT_FALSE(r.accepted()) << len;
    ASSERT_EQ(r.checks[0].reason, veu::v1::QUOTE_MALFORMED) << "attest truncated to " << len;
  }
}

TEST(VerifyQuote, ReportsMalformedSignatureForEveryTruncation) {
  TestAk ak = TestAk::Make(TestAk::kRsa2048);
  QuoteSpec spec;
  BuiltQuote q = BuildQuote(ak, spec);
  for (size_t len = 0; len < q.evidence.signature.size(); ++len) {
    QuoteEvidence e = q.evidence;
    e.signature.resize(len);
    QuoteReport r = VerifyQuote(ak.Public(), e, ExpectFor(spec));
    ASSERT_FALSE(r.accepted()) << len;
    ASSERT_EQ(Check(r, kCheckSignatureStructure).reason, veu::v1::QUOTE_MALFORMED) << len;
  }
}

TEST(VerifyQuote, NeverAcceptsAttestWithAnyByteFlipped) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  BuiltQuote q = BuildQuote(ak, spec);
  for (size_t i = 0; i < q.evidence.attest.size(); ++i) {
    QuoteEvidence e = q.evidence;
    e.attest[i] = static_cast<char>(e.attest[i] ^ 0xff);
    QuoteReport r = VerifyQuote(ak.Public(), e, ExpectFor(spec));
    ASSERT_FALSE(r.accepted()) << "byte " << i;
    const CheckResult* f = FirstFailure(r.checks);
    ASSERT_NE(f, nullptr);
    EXPECT_TRUE(f->reason == veu::v1::QUOTE_MALFORMED ||
                f->reason == veu::v1::QUOTE_TRAILING_BYTES ||
                f->reason == veu::v1::QUOTE_SIGNATURE_INVALID)
        << "byte " << i << ": " << f->detail;
  }
}

TEST(VerifyQuote, RejectsTrailingBytesAfterAttest) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  BuiltQuote q = BuildQuote(ak, spec);
  q.evidence.attest += "X";
  ExpectRejectedBy(VerifyQuote(ak.Public(), q.evidence, ExpectFor(spec)), kCheckAttestStructure,
                   veu::v1::QUOTE_TRAILING_BYTES);
}

TEST(VerifyQuote, RejectsTrailingBytesAfterSignature) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  BuiltQuote q = BuildQuote(ak, spec);
  q.evidence.signature += std::string(3, '\0');
  ExpectRejectedBy(VerifyQuote(ak.Public(), q.evidence, ExpectFor(spec)), kCheckSignatureStructure,
                   veu::v1::QUOTE_TRAILING_BYTES);
}

TEST(VerifyQuote, RejectsEverythingWithoutAnAk) {
  TestAk ak = TestAk::Make(TestAk::kEccP256);
  QuoteSpec spec;
  ExpectRejectedBy(VerifyQuote(AkPublicKey{}, BuildQuote(ak, spec).evidence, ExpectFor(spec)),
                   kCheckSignatureValid, veu::v1::QUOTE_SIGNATURE_INVALID);
}

TEST(VerifyQuote, ConvertsResultsToTheStoredSchema) {
  TestAk ak = TestAk::Make(TestAk::kRsa2048, TPM2_ALG_RSAPSS, kAlgSha384);
  QuoteSpec spec;
  spec.sig_alg = TPM2_ALG_RSAPSS;
  spec.hash_alg = kAlgSha384;
  QuoteExpectations e = ExpectFor(spec);
  e.qualifying_data.reset();
  QuoteReport r = VerifyQuote(ak.Public(), BuildQuote(ak, spec).evidence, e);
  ASSERT_TRUE(r.accepted());
  veu::v1::QuoteFacts facts = ToQuoteFacts(*r.verified);
  EXPECT_EQ(facts.clock(), spec.clock);
  EXPECT_EQ(facts.reset_count(), spec.reset_count);
  EXPECT_EQ(facts.firmware_version(), spec.firmware_version);
  EXPECT_EQ(facts.signature_alg(), TPM2_ALG_RSAPSS);
  EXPECT_EQ(facts.signature_hash(), kAlgSha384);
  EXPECT_EQ(facts.qualified_signer(), ak.Name());
  veu::v1::CheckResult warn = ToProto(Check(r, kCheckQualifyingData));
  EXPECT_EQ(warn.check(), "quote.qualifying_data");
  // A warning is stored as a warning, not a pass (issue 17: NONCE_MISSING became CHECK_PASS).
  EXPECT_EQ(warn.status(), veu::v1::CHECK_WARN);
  EXPECT_EQ(warn.reason(), veu::v1::NONCE_MISSING);
  CheckResult skipped{"x", CheckStatus::kSkipped, veu::v1::REASON_UNSPECIFIED, "d"};
  EXPECT_EQ(ToProto(skipped).status(), veu::v1::CHECK_NOT_EVALUATED);
}

TEST(QualifyingData, IsSha256OfNonceAndFactsDigest) {
  const std::string facts_digest = crypto::Sha256("facts");
  EXPECT_EQ(QualifyingData("nonce", "facts"), crypto::Sha256("nonce" + facts_digest));
  EXPECT_NE(QualifyingData("nonce", "facts"), QualifyingData("nonce", "facts2"));
  EXPECT_EQ(QualifyingData("n", "f").size(), 32u);
}

}  // namespace
}  // namespace veu::tpm
