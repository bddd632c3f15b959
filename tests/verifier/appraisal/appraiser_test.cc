// Appraise() end to end with real signed quotes: every way a report can be forged, stale or
// replayed is rejected with the reason that names it; honest reports are accepted.
#include "verifier/appraisal/appraiser.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "tests/verifier/appraisal/appraisal_fixture.h"

namespace veu::verifier {
namespace {

using testing::AppraiseTest;
using testing::BuildQuote;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::QuoteSpec;
using testing::Sel;
using testing::TestAk;

// A TestAk of the same kind whose public area holds a different, freshly generated P-256 key:
// "another TPM's AK".
TestAk WithFreshP256Key(TestAk ak) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  EXPECT_NE(key, nullptr);
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x), 1);
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y), 1);
  TPMS_ECC_POINT& point = ak.tpm_public.unique.ecc;
  point.x.size = 32;
  point.y.size = 32;
  EXPECT_EQ(BN_bn2binpad(x, point.x.buffer, 32), 32);
  EXPECT_EQ(BN_bn2binpad(y, point.y.buffer, 32), 32);
  BN_free(x);
  BN_free(y);
  EVP_PKEY_free(key);
  return ak;
}

TEST_F(AppraiseTest, AcceptsAnHonestReportWithItsEventLog) {
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_ACCEPT) << out.appraisal.DebugString();
  EXPECT_THAT(out.appraisal.reasons(), IsEmpty());
  EXPECT_EQ(out.appraisal.agent_id(), "agent-1");
  EXPECT_EQ(out.appraisal.challenge_sequence(), c.sequence());
  EXPECT_EQ(out.facts.agent_version(), "0.1.0");
  EXPECT_EQ(out.accepted_event_log, log_);
  EXPECT_EQ(out.agent.last_verdict(), veu::v1::VERDICT_ACCEPT);
  EXPECT_EQ(out.agent.last_clock(), QuoteSpec().clock);
  EXPECT_EQ(out.agent.last_reset_count(), QuoteSpec().reset_count);
  EXPECT_EQ(out.agent.last_restart_count(), QuoteSpec().restart_count);
  EXPECT_EQ(FromProtoTime(out.agent.last_seen()), now_);
}

// Issue 17: checks that pass with a caveat were CHECK_PASS, so a node could be ACCEPT with
// warnings attached. Now each is CHECK_WARN and the verdict WARN, unless the pack accepts it.
veu::v1::Evidence AnswerWith(const veu::v1::Challenge& c, const std::string& facts, QuoteSpec spec,
                             const TestAk& ak, const std::string& log) {
  veu::v1::Evidence e;
  e.set_nonce(c.nonce());
  const testing::BuiltQuote quote = BuildQuote(ak, spec);
  e.mutable_quote()->set_attest(quote.evidence.attest);
  e.mutable_quote()->set_signature(quote.evidence.signature);
  e.mutable_quote()->mutable_pcr_values()->Assign(quote.evidence.pcr_values.begin(),
                                                  quote.evidence.pcr_values.end());
  e.set_facts(facts);
  e.mutable_event_log()->set_content(log);
  return e;
}

TEST_F(AppraiseTest, AnUnsafeTpmClockIsAWarningAndTheVerdictWarn) {
  veu::v1::Challenge c = NewChallenge();
  const std::string facts = FactsFor(log_);
  QuoteSpec spec = HonestSpec(c, facts);
  spec.safe = false;
  AppraisalOutcome out = Run(c, AnswerWith(c, facts, spec, ak_, log_));
  const veu::v1::CheckResult clock = CheckNamed(out.appraisal, "quote.clock");
  EXPECT_EQ(clock.status(), veu::v1::CHECK_WARN);
  EXPECT_EQ(clock.reason(), veu::v1::CLOCK_SAFE_CLEARED);
  EXPECT_THAT(clock.detail(), ::testing::HasSubstr("safe=NO"));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_WARN);
}

TEST_F(AppraiseTest, APolicyPackThatAcceptsTheCaveatByNameKeepsTheVerdict) {
  veu::v1::PolicyPack pack;
  pack.set_id("test-pack");
  pack.set_version("1");
  pack.add_accepted_caveats("CLOCK_SAFE_CLEARED");
  policy_.pack = pack;
  veu::v1::Challenge c = NewChallenge();
  const std::string facts = FactsFor(log_);
  QuoteSpec spec = HonestSpec(c, facts);
  spec.safe = false;
  AppraisalOutcome out = Run(c, AnswerWith(c, facts, spec, ak_, log_));
  const veu::v1::CheckResult clock = CheckNamed(out.appraisal, "quote.clock");
  EXPECT_EQ(clock.status(), veu::v1::CHECK_PASS);
  EXPECT_EQ(clock.reason(), veu::v1::CLOCK_SAFE_CLEARED);  // still said
  EXPECT_THAT(clock.detail(), ::testing::HasSubstr("accepted by policy pack test-pack@1"));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_ACCEPT) << out.appraisal.DebugString();
  // Another caveat is not accepted by that name.
  pack.clear_accepted_caveats();
  pack.add_accepted_caveats("EK_CERT_EXPIRED");
  policy_.pack = pack;
  c = NewChallenge();
  spec = HonestSpec(c, facts);
  spec.safe = false;
  spec.clock += 1000;
  out = Run(c, AnswerWith(c, facts, spec, ak_, log_));
  EXPECT_EQ(CheckNamed(out.appraisal, "quote.clock").status(), veu::v1::CHECK_WARN);
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_WARN);
}

TEST_F(AppraiseTest, AnAllowedSha1SignatureIsAWarning) {
  policy_.allow_sha1_signatures = true;
  veu::v1::Challenge c = NewChallenge();
  const std::string facts = FactsFor(log_);
  QuoteSpec spec = HonestSpec(c, facts);
  spec.hash_alg = crypto::kAlgSha1;
  AppraisalOutcome out = Run(c, AnswerWith(c, facts, spec, ak_, log_));
  bool warned = false;
  for (const veu::v1::CheckResult& check : out.appraisal.checks()) {
    if (check.status() == veu::v1::CHECK_WARN &&
        check.reason() == veu::v1::QUOTE_SIGNATURE_SCHEME_REFUSED) {
      warned = true;
    }
    EXPECT_NE(check.status(), veu::v1::CHECK_FAIL) << check.DebugString();
  }
  EXPECT_TRUE(warned) << out.appraisal.DebugString();
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_WARN);
}

TEST_F(AppraiseTest, EkCaveatsAcceptedAtEnrolmentWarnOnEveryVerdict) {
  veu::v1::EkCaveat* caveat = agent_.add_ek_caveats();
  caveat->set_reason(veu::v1::EK_CERT_EXPIRED);
  caveat->set_detail("EK certificate 'x' expired on 2024-01-01");
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c));
  const veu::v1::CheckResult ek = CheckNamed(out.appraisal, "ek.certificate");
  EXPECT_EQ(ek.status(), veu::v1::CHECK_WARN);
  EXPECT_EQ(ek.reason(), veu::v1::EK_CERT_EXPIRED);
  EXPECT_THAT(ek.detail(), ::testing::HasSubstr("expired on 2024-01-01"));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_WARN);
}

TEST_F(AppraiseTest, AHostnameInTheFactsThatCouldForgeLinesFails) {
  veu::v1::Challenge c = NewChallenge();
  veu::v1::Facts f;
  ASSERT_TRUE(f.ParseFromString(FactsFor(log_)));
  f.mutable_host()->set_hostname("node-1\n2026-01-01T00:00:00Z appraisal: #1 VERDICT_ACCEPT");
  const std::string facts = f.SerializeAsString();
  AppraisalOutcome out = Run(c, AnswerWith(c, facts, HonestSpec(c, facts), ak_, log_));
  const veu::v1::CheckResult host = CheckNamed(out.appraisal, "facts.hostname");
  EXPECT_EQ(host.status(), veu::v1::CHECK_FAIL);
  EXPECT_EQ(host.reason(), veu::v1::FACTS_MALFORMED);
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
}

TEST(AcceptCaveatsTest, OnlyWarningsNamedByThePackBecomePasses) {
  veu::v1::PolicyPack pack;
  pack.set_id("p");
  pack.set_version("2");
  pack.add_accepted_caveats("NONCE_MISSING");
  std::vector<veu::v1::CheckResult> checks(3);
  checks[0].set_status(veu::v1::CHECK_WARN);
  checks[0].set_reason(veu::v1::NONCE_MISSING);
  checks[1].set_status(veu::v1::CHECK_WARN);
  checks[1].set_reason(veu::v1::EK_CERT_LINK_MISMATCH);
  checks[2].set_status(veu::v1::CHECK_FAIL);
  checks[2].set_reason(veu::v1::NONCE_MISSING);  // a failure is never accepted
  AcceptCaveats(pack, checks);
  EXPECT_EQ(checks[0].status(), veu::v1::CHECK_PASS);
  EXPECT_EQ(checks[1].status(), veu::v1::CHECK_WARN);
  EXPECT_EQ(checks[2].status(), veu::v1::CHECK_FAIL);
  EXPECT_EQ(VerdictOf(checks), veu::v1::VERDICT_REJECT);
  checks.pop_back();
  EXPECT_EQ(VerdictOf(checks), veu::v1::VERDICT_WARN);
}

TEST_F(AppraiseTest, RecordsTheQuotesSignatureSchemeAndHash) {
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c));
  EXPECT_EQ(out.appraisal.quote().signature_alg(), TPM2_ALG_ECDSA);
  EXPECT_EQ(out.appraisal.quote().signature_hash(), TPM2_ALG_SHA256);
  EXPECT_EQ(out.appraisal.quote().firmware_version(), QuoteSpec().firmware_version);
}

TEST_F(AppraiseTest, WarnsWithoutAnEventLogBecauseMeasuredBootWasNotEvaluated) {
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c, /*with_log=*/false));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_WARN);
  veu::v1::CheckResult log_check = CheckNamed(out.appraisal, "eventlog.replay");
  EXPECT_EQ(log_check.status(), veu::v1::CHECK_NOT_EVALUATED);
  EXPECT_EQ(log_check.reason(), veu::v1::EVENTLOG_MISSING);
  EXPECT_THAT(out.appraisal.reasons(), IsEmpty());
}

TEST_F(AppraiseTest, RejectsAMissingEventLogWhenThePolicyRequiresOne) {
  policy_.require_event_log = true;
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c, /*with_log=*/false));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::EVENTLOG_MISSING));
}

TEST_F(AppraiseTest, RejectsEvidenceThatAnswersAnotherNonceAndBurnsTheChallenge) {
  veu::v1::Challenge asked = NewChallenge();
  veu::v1::Challenge other = NewChallenge();
  AppraisalOutcome out = Run(asked, Answer(other));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_EQ(CheckNamed(out.appraisal, "nonce.fresh").status(), veu::v1::CHECK_FAIL);
  EXPECT_THAT(out.appraisal.reasons(), Contains(veu::v1::QUOTE_QUALIFYING_DATA_MISMATCH));
  // The challenge that was asked cannot be answered any more.
  AppraisalOutcome late = Run(asked, Answer(asked));
  EXPECT_THAT(late.appraisal.reasons(), Contains(veu::v1::NONCE_REPLAYED));
}

TEST_F(AppraiseTest, RejectsASecondAppraisalOfTheSameChallengeAsReplayed) {
  veu::v1::Challenge c = NewChallenge();
  veu::v1::Evidence e = Answer(c);
  ASSERT_EQ(Run(c, e).appraisal.verdict(), veu::v1::VERDICT_ACCEPT);
  AppraisalOutcome replay = Run(c, e);
  EXPECT_EQ(replay.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(replay.appraisal.reasons(), Contains(veu::v1::NONCE_REPLAYED));
}

TEST_F(AppraiseTest, RejectsAnAnswerAfterTheChallengesDeadline) {
  veu::v1::Challenge c = NewChallenge();
  veu::v1::Evidence e = Answer(c);
  now_ += absl::Seconds(31);
  AppraisalOutcome out = Run(c, e);
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::NONCE_EXPIRED));
}

TEST_F(AppraiseTest, RejectsANonceIssuedToAnotherAgent) {
  veu::v1::Challenge c = NewChallenge();
  veu::v1::Evidence e = Answer(c);
  agent_.set_agent_id("agent-2");
  AppraisalOutcome out = Run(c, e);
  EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::NONCE_WRONG_AGENT));
}

TEST_F(AppraiseTest, RejectsPcrValuesAlteredAfterQuoting) {
  veu::v1::Challenge c = NewChallenge();
  veu::v1::Evidence e = Answer(c);
  std::string& digest = *e.mutable_quote()->mutable_pcr_values(7)->mutable_digest();
  digest[0] = static_cast<char>(digest[0] ^ 0x01);
  AppraisalOutcome out = Run(c, e);
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::QUOTE_PCR_DIGEST_MISMATCH));
  // Nothing unverified is used: no facts, no clock update, not seen.
  EXPECT_FALSE(out.facts.has_event_log());
  EXPECT_EQ(out.agent.last_clock(), 0u);
  EXPECT_FALSE(out.agent.has_last_seen());
}

TEST_F(AppraiseTest, RejectsAQuoteSignedByAnotherAk) {
  agent_.set_ak_public(WithFreshP256Key(ak_).Tpm2bPublic());
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::QUOTE_SIGNATURE_INVALID));
}

TEST_F(AppraiseTest, RejectsEveryReportWhenTheEnrolledAkDoesNotLoad) {
  agent_.set_ak_public("damaged record");
  for (int i = 0; i < 2; ++i) {  // the second time too: a failed load is not remembered as good
    veu::v1::Challenge c = NewChallenge();
    AppraisalOutcome out = Run(c, Answer(c));
    EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
    EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::AK_PUBLIC_MALFORMED));
  }
}

TEST_F(AppraiseTest, RejectsMalformedAttestBytes) {
  veu::v1::Challenge c = NewChallenge();
  veu::v1::Evidence e = Answer(c);
  e.mutable_quote()->mutable_attest()->resize(e.quote().attest().size() / 2);
  AppraisalOutcome out = Run(c, e);
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), Contains(veu::v1::QUOTE_MALFORMED));
}

TEST_F(AppraiseTest, RejectsACertifyAttestationPresentedAsAQuote) {
  veu::v1::Challenge c = NewChallenge();
  const std::string facts = FactsFor(log_);
  QuoteSpec spec = HonestSpec(c, facts);
  spec.type = TPM2_ST_ATTEST_CERTIFY;
  AppraisalOutcome out = Run(c, EvidenceOf(c.nonce(), BuildQuote(ak_, spec), facts));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), Contains(veu::v1::QUOTE_NOT_A_QUOTE));
}

TEST_F(AppraiseTest, RejectsAttestWithoutTheTpmGeneratedMagic) {
  veu::v1::Challenge c = NewChallenge();
  const std::string facts = FactsFor(log_);
  QuoteSpec spec = HonestSpec(c, facts);
  spec.magic = 0x12345678;
  AppraisalOutcome out = Run(c, EvidenceOf(c.nonce(), BuildQuote(ak_, spec), facts));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::QUOTE_BAD_MAGIC));
}

TEST_F(AppraiseTest, RejectsAQuoteOverFewerPcrsThanTheChallengeAsked) {
  veu::v1::Challenge c = NewChallenge();
  const std::string facts = FactsFor("");
  QuoteSpec spec = HonestSpec(c, facts);
  spec.selection = {Sel(crypto::kAlgSha256, {0, 1, 2, 3, 4, 5, 6})};
  spec.pcr_values.pop_back();
  AppraisalOutcome out = Run(c, EvidenceOf(c.nonce(), BuildQuote(ak_, spec), facts));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), Contains(veu::v1::QUOTE_PCR_SELECTION_MISMATCH));
}

TEST_F(AppraiseTest, RejectsAQuoteOverMorePcrsThanTheChallengeAsked) {
  veu::v1::Challenge c = NewChallenge();
  const std::string facts = FactsFor("");
  QuoteSpec spec = HonestSpec(c, facts);
  spec.selection = {Sel(crypto::kAlgSha256, {0, 1, 2, 3, 4, 5, 6, 7, 10})};
  spec.pcr_values.clear();  // FakePcrValues over the larger selection
  AppraisalOutcome out = Run(c, EvidenceOf(c.nonce(), BuildQuote(ak_, spec), facts));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), Contains(veu::v1::QUOTE_PCR_SELECTION_MISMATCH));
}

TEST_F(AppraiseTest, RejectsFactsSwappedAfterQuoting) {
  veu::v1::Challenge c = NewChallenge();
  veu::v1::Evidence e = Answer(c);
  e.set_facts(FactsFor(log_, "0.1.0-but-not-what-was-quoted"));
  AppraisalOutcome out = Run(c, e);
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::QUOTE_QUALIFYING_DATA_MISMATCH));
  EXPECT_EQ(out.facts.agent_version(), "") << "unbound facts must not be returned";
}

TEST_F(AppraiseTest, RejectsAClockThatWentBackwardsWithoutAReset) {
  agent_.set_last_clock(QuoteSpec().clock + 1000);
  agent_.set_last_reset_count(QuoteSpec().reset_count);
  agent_.set_last_restart_count(QuoteSpec().restart_count);
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::CLOCK_REGRESSED));
  EXPECT_EQ(out.agent.last_clock(), QuoteSpec().clock + 1000) << "kept the newest clock";
}

TEST_F(AppraiseTest, RejectsAResetCounterThatWentBackwards) {
  agent_.set_last_clock(1);
  agent_.set_last_reset_count(QuoteSpec().reset_count + 1);
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c));
  EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::CLOCK_REGRESSED));
}

TEST_F(AppraiseTest, AcceptsARebootAndRecordsARebootEvent) {
  agent_.set_last_clock(QuoteSpec().clock + 99999);  // a reboot restarts the clock's epoch
  agent_.set_last_reset_count(QuoteSpec().reset_count - 1);
  agent_.set_last_restart_count(QuoteSpec().restart_count);
  agent_.set_last_verdict(veu::v1::VERDICT_ACCEPT);
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_ACCEPT) << out.appraisal.DebugString();
  EXPECT_THAT(KindsOf(out.events), ElementsAre(veu::v1::EVENT_REBOOTED));
  EXPECT_EQ(out.agent.last_reset_count(), QuoteSpec().reset_count);
  EXPECT_EQ(out.agent.last_clock(), QuoteSpec().clock);
}

TEST_F(AppraiseTest, AcceptsATpmRestartAndRecordsARestartEvent) {
  agent_.set_last_clock(QuoteSpec().clock + 99999);
  agent_.set_last_reset_count(QuoteSpec().reset_count);
  agent_.set_last_restart_count(QuoteSpec().restart_count - 1);
  agent_.set_last_verdict(veu::v1::VERDICT_ACCEPT);
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_ACCEPT);
  EXPECT_THAT(KindsOf(out.events), ElementsAre(veu::v1::EVENT_TPM_RESTARTED));
}

TEST_F(AppraiseTest, RecordsAFirmwareChange) {
  agent_.set_last_clock(QuoteSpec().clock - 1);
  agent_.set_last_reset_count(QuoteSpec().reset_count);
  agent_.set_last_restart_count(QuoteSpec().restart_count);
  agent_.set_firmware_version(0x0001000000000000);
  agent_.set_last_verdict(veu::v1::VERDICT_ACCEPT);
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_ACCEPT);
  EXPECT_THAT(KindsOf(out.events), ElementsAre(veu::v1::EVENT_FIRMWARE_CHANGED));
  EXPECT_EQ(out.agent.firmware_version(), QuoteSpec().firmware_version);
}

TEST_F(AppraiseTest, RecordsAVerdictChangeOnlyWhenTheVerdictChanges) {
  agent_.set_last_verdict(veu::v1::VERDICT_ACCEPT);
  veu::v1::Challenge c1 = NewChallenge();
  AppraisalOutcome same = Run(c1, Answer(c1));
  ASSERT_EQ(same.appraisal.verdict(), veu::v1::VERDICT_ACCEPT);
  EXPECT_THAT(KindsOf(same.events), IsEmpty());

  agent_ = same.agent;
  veu::v1::Challenge c2 = NewChallenge();
  veu::v1::Evidence forged = Answer(c2);
  forged.set_facts(FactsFor(log_, "forged"));
  AppraisalOutcome changed = Run(c2, forged);
  ASSERT_EQ(changed.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  ASSERT_THAT(KindsOf(changed.events), ElementsAre(veu::v1::EVENT_VERDICT_CHANGED));
  EXPECT_THAT(changed.events[0].detail(), ::testing::HasSubstr("VERDICT_REJECT"));
  EXPECT_EQ(changed.agent.last_verdict(), veu::v1::VERDICT_REJECT);
}

TEST_F(AppraiseTest, RejectsARevokedAgentsOtherwiseValidReport) {
  agent_.set_status(veu::v1::AGENT_STATUS_REVOKED);
  veu::v1::Challenge c = NewChallenge();
  AppraisalOutcome out = Run(c, Answer(c));
  EXPECT_EQ(out.appraisal.verdict(), veu::v1::VERDICT_REJECT);
  EXPECT_THAT(out.appraisal.reasons(), ElementsAre(veu::v1::AGENT_REVOKED));
}

TEST_F(AppraiseTest, SuccessiveHonestReportsOfOneBootAreAccepted) {
  veu::v1::Challenge c1 = NewChallenge();
  AppraisalOutcome first = Run(c1, Answer(c1));
  ASSERT_EQ(first.appraisal.verdict(), veu::v1::VERDICT_ACCEPT);
  agent_ = first.agent;
  veu::v1::Challenge c2 = NewChallenge();
  const std::string facts = FactsFor(log_);
  QuoteSpec spec = HonestSpec(c2, facts);
  spec.clock += 5000;
  veu::v1::Evidence e = EvidenceOf(c2.nonce(), BuildQuote(ak_, spec), facts);
  e.mutable_event_log()->set_unchanged(true);
  AppraisalOutcome second = Run(c2, e, first.accepted_event_log);
  EXPECT_EQ(second.appraisal.verdict(), veu::v1::VERDICT_ACCEPT) << second.appraisal.DebugString();
  EXPECT_THAT(second.events, IsEmpty());
}

TEST(VerdictOfTest, IsAcceptOnlyWhenEveryCheckPassed) {
  auto check = [](veu::v1::CheckStatus s) {
    veu::v1::CheckResult c;
    c.set_status(s);
    return c;
  };
  const auto pass = check(veu::v1::CHECK_PASS);
  const auto fail = check(veu::v1::CHECK_FAIL);
  const auto not_evaluated = check(veu::v1::CHECK_NOT_EVALUATED);
  EXPECT_EQ(VerdictOf({pass, pass}), veu::v1::VERDICT_ACCEPT);
  EXPECT_EQ(VerdictOf({pass, not_evaluated}), veu::v1::VERDICT_WARN);
  EXPECT_EQ(VerdictOf({pass, not_evaluated, fail}), veu::v1::VERDICT_REJECT);
  EXPECT_EQ(VerdictOf({fail, pass}), veu::v1::VERDICT_REJECT);
  EXPECT_EQ(VerdictOf({pass, check(veu::v1::CHECK_NEEDS_EVIDENCE)}), veu::v1::VERDICT_WARN);
  EXPECT_EQ(VerdictOf({check(veu::v1::CHECK_STATUS_UNSPECIFIED)}), veu::v1::VERDICT_WARN)
      << "an unset status is not a pass";
  EXPECT_EQ(VerdictOf({}), veu::v1::VERDICT_REJECT) << "nothing checked fails closed";
}

}  // namespace
}  // namespace veu::verifier
