// Test fixture for Appraise(): an enrolled agent with a software AK (quote_builder), a
// NonceBook, challenges issued from it, and evidence answering them with real signed quotes
// whose PCR values are the replay of a real firmware event log (tpm2-tss pc_client fixture).
#ifndef VEU_TESTS_VERIFIER_APPRAISAL_APPRAISAL_FIXTURE_H_
#define VEU_TESTS_VERIFIER_APPRAISAL_APPRAISAL_FIXTURE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto/digest.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"
#include "common/proto_time.h"
#include "common/tpm/quote.h"
#include "tests/common/tpm/quote_builder.h"
#include "verifier/appraisal/appraiser.h"

namespace veu::verifier::testing {

using ::veu::tpm::testing::BuildQuote;
using ::veu::tpm::testing::BuiltQuote;
using ::veu::tpm::testing::QuoteSpec;
using ::veu::tpm::testing::Sel;
using ::veu::tpm::testing::TestAk;

inline const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);
inline constexpr char kLogFixture[] = "tpm2-tss__binary_measurements_pc_client.bin";

inline std::string ReadFixture(const std::string& relative) {
  const std::filesystem::path path = std::filesystem::path(VEU_FIXTURES_DIR) / relative;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The SHA-256 PCR values `log` replays to, for PCRs 0-7 (as a TPM would quote them).
inline std::vector<veu::v1::PcrValue> ReplayedSha256(const std::string& log) {
  absl::StatusOr<eventlog::UnverifiedEventLog> parsed = eventlog::ParseEventLog(log);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  std::vector<veu::v1::PcrValue> values;
  if (!parsed.ok()) return values;
  eventlog::PcrValues replayed = eventlog::Replay(*parsed);
  for (uint32_t pcr = 0; pcr <= 7; ++pcr) {
    veu::v1::PcrValue v;
    v.set_hash_alg(crypto::kAlgSha256);
    v.set_index(pcr);
    v.set_digest(replayed[crypto::kAlgSha256][pcr]);
    EXPECT_EQ(v.digest().size(), 32u) << "the fixture log does not extend sha256 PCR " << pcr;
    values.push_back(std::move(v));
  }
  return values;
}

class AppraiseTest : public ::testing::Test {
 protected:
  AppraiseTest() : ak_(TestAk::Make(TestAk::kEccP256)) {
    agent_.set_agent_id("agent-1");
    agent_.set_site("site-a");
    agent_.set_status(veu::v1::AGENT_STATUS_ENROLLED);
    agent_.set_ak_public(ak_.Tpm2bPublic());
    agent_.set_ak_name(ak_.Name());
    log_ = ReadFixture(absl::StrCat("eventlogs/", kLogFixture));
    pcrs_ = ReplayedSha256(log_);
  }

  // Issues a fresh challenge for PCRs sha256:0-7 to agent_, answerable until now_ + 30 s.
  veu::v1::Challenge NewChallenge() {
    veu::v1::Challenge c;
    c.set_nonce(absl::StrCat("nonce-", ++sequence_, std::string(26, 'x')));
    *c.add_pcr_selection() = Sel(crypto::kAlgSha256, {0, 1, 2, 3, 4, 5, 6, 7});
    *c.mutable_deadline() = ToProtoTime(now_ + absl::Seconds(30));
    c.set_sequence(sequence_);
    EXPECT_TRUE(nonces_.Issue(c.nonce(), agent_.agent_id(), now_ + absl::Seconds(30)));
    return c;
  }

  // Facts as an agent reports them; `log` (if not empty) is bound by its SHA-256.
  static std::string FactsFor(const std::string& log, const std::string& version = "0.1.0") {
    veu::v1::Facts facts;
    facts.set_agent_version(version);
    if (!log.empty()) {
      facts.mutable_event_log()->set_source_path(
          "/sys/kernel/security/tpm0/binary_bios_measurements");
      facts.mutable_event_log()->set_sha256(crypto::Sha256(log));
      facts.mutable_event_log()->set_size(log.size());
    }
    std::string out;
    EXPECT_TRUE(facts.SerializeToString(&out));
    return out;
  }

  // A quote spec that answers `c` with `facts` the way an honest agent would.
  QuoteSpec HonestSpec(const veu::v1::Challenge& c, const std::string& facts) const {
    QuoteSpec spec;
    spec.extra_data = tpm::QualifyingData(c.nonce(), facts);
    spec.selection.assign(c.pcr_selection().begin(), c.pcr_selection().end());
    spec.pcr_values = pcrs_;
    return spec;
  }

  static veu::v1::Evidence EvidenceOf(const std::string& nonce, const BuiltQuote& quote,
                                      const std::string& facts) {
    veu::v1::Evidence e;
    e.set_nonce(nonce);
    e.mutable_quote()->set_attest(quote.evidence.attest);
    e.mutable_quote()->set_signature(quote.evidence.signature);
    e.mutable_quote()->mutable_pcr_values()->Assign(quote.evidence.pcr_values.begin(),
                                                    quote.evidence.pcr_values.end());
    e.set_facts(facts);
    return e;
  }

  // Evidence answering `c` honestly, with the event log (or without it if !with_log).
  veu::v1::Evidence Answer(const veu::v1::Challenge& c, bool with_log = true) {
    const std::string facts = FactsFor(with_log ? log_ : "");
    veu::v1::Evidence e = EvidenceOf(c.nonce(), BuildQuote(ak_, HonestSpec(c, facts)), facts);
    if (with_log) e.mutable_event_log()->set_content(log_);
    return e;
  }

  AppraisalOutcome Run(const veu::v1::Challenge& c, const veu::v1::Evidence& e,
                       const std::string& previous_log = "") {
    AppraisalInput input;
    input.agent = &agent_;
    input.challenge = &c;
    input.evidence = &e;
    input.previous_event_log = previous_log;
    input.appraisal_id = absl::StrCat("appraisal-", c.sequence());
    input.now = now_;
    absl::StatusOr<AppraisalOutcome> out = Appraise(input, policy_, nonces_);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *std::move(out) : AppraisalOutcome{};
  }

  // The result of check `id`, or an empty CheckResult if it was not reported.
  static veu::v1::CheckResult CheckNamed(const veu::v1::Appraisal& a, const std::string& id) {
    for (const veu::v1::CheckResult& c : a.checks()) {
      if (c.check() == id) return c;
    }
    ADD_FAILURE() << "no check " << id << " in " << a.DebugString();
    return {};
  }

  static std::vector<veu::v1::EventKind> KindsOf(const std::vector<veu::v1::Event>& events) {
    std::vector<veu::v1::EventKind> kinds;
    for (const veu::v1::Event& e : events) kinds.push_back(e.kind());
    return kinds;
  }

  TestAk ak_;
  veu::v1::AgentRecord agent_;
  NonceBook nonces_;
  AppraisalPolicy policy_;
  absl::Time now_ = kT0;
  uint64_t sequence_ = 0;
  std::string log_;
  std::vector<veu::v1::PcrValue> pcrs_;
};

}  // namespace veu::verifier::testing

#endif  // VEU_TESTS_VERIFIER_APPRAISAL_APPRAISAL_FIXTURE_H_
