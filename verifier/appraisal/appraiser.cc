#include "verifier/appraisal/appraiser.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/check_result.h"
#include "common/crypto/digest.h"
#include "common/facts/host_controls.h"
#include "common/hex.h"
#include "common/peer_text.h"
#include "common/utf8.h"
#include "common/proto_time.h"
#include "verifier/appraisal/boot_controls.h"
#include "verifier/appraisal/check_ids.h"
#include "verifier/appraisal/evidence_checks.h"
#include "verifier/appraisal/inventory_summary.h"

namespace veu::verifier {
namespace {

using veu::v1::CheckResult;
using veu::v1::CheckStatus;
using veu::v1::ReasonCode;

CheckResult Check(std::string id, CheckStatus status, ReasonCode reason, std::string detail) {
  return MakeCheckResult(std::move(id), status, reason, std::move(detail));
}

veu::v1::Event MakeEvent(const AppraisalInput& input, veu::v1::EventKind kind,
                         std::string detail) {
  veu::v1::Event e;
  e.set_kind(kind);
  e.set_agent_id(input.agent->agent_id());
  e.set_site(input.agent->site());
  *e.mutable_at() = ToProtoTime(input.now);
  e.set_detail(std::move(detail));
  return e;
}

// Freshness: the nonce was issued to this agent, is used once, before its deadline, and the
// evidence answers the challenge it claims to answer.
void CheckFreshness(const AppraisalInput& input, NonceBook& nonces,
                    std::vector<CheckResult>& checks) {
  const std::string& nonce = input.challenge->nonce();
  if (input.evidence->nonce() != nonce) {
    // The evidence names another nonce: burn the challenge's nonce anyway.
    nonces.Consume(nonce, input.agent->agent_id(), input.now);
    ReasonCode r = nonces.Consume(input.evidence->nonce(), input.agent->agent_id(), input.now);
    checks.push_back(Check(kCheckNonceFresh, veu::v1::CHECK_FAIL,
                           r == veu::v1::REASON_UNSPECIFIED ? veu::v1::NONCE_UNKNOWN : r,
                           "evidence does not answer the outstanding challenge"));
    return;
  }
  ReasonCode r = nonces.Consume(nonce, input.agent->agent_id(), input.now);
  if (r == veu::v1::REASON_UNSPECIFIED) {
    checks.push_back(Check(kCheckNonceFresh, veu::v1::CHECK_PASS, r,
                           absl::StrCat("nonce issued to this agent, first use, challenge #",
                                        input.challenge->sequence())));
  } else {
    checks.push_back(Check(kCheckNonceFresh, veu::v1::CHECK_FAIL, r,
                           absl::StrCat(veu::v1::ReasonCode_Name(r), " for challenge #",
                                        input.challenge->sequence())));
  }
}

// The TPM clock only moves forward within one reset/restart epoch; a new epoch is an event.
void CheckClock(const AppraisalInput& input, const VerifiedQuoteFacts& quote,
                AppraisalOutcome& out, std::vector<CheckResult>& checks) {
  const veu::v1::AgentRecord& before = *input.agent;
  const bool first = before.last_clock() == 0 && before.last_reset_count() == 0 &&
                     before.last_restart_count() == 0;
  std::string detail = absl::StrFormat("clock %d ms, resetCount %d, restartCount %d",
                                       quote.clock, quote.reset_count, quote.restart_count);
  if (!first) {
    if (quote.reset_count < before.last_reset_count() ||
        (quote.reset_count == before.last_reset_count() &&
         quote.restart_count < before.last_restart_count())) {
      checks.push_back(Check(kCheckQuoteClock, veu::v1::CHECK_FAIL, veu::v1::CLOCK_REGRESSED,
                             absl::StrCat(detail, ": reset/restart counters went backwards from ",
                                          before.last_reset_count(), "/",
                                          before.last_restart_count(),
                                          " (TPM cleared, or an old quote replayed)")));
      return;
    }
    if (quote.reset_count == before.last_reset_count() &&
        quote.restart_count == before.last_restart_count() && quote.clock <= before.last_clock()) {
      checks.push_back(Check(kCheckQuoteClock, veu::v1::CHECK_FAIL, veu::v1::CLOCK_REGRESSED,
                             absl::StrCat(detail, ": not after the last seen clock ",
                                          before.last_clock(), " in the same boot")));
      return;
    }
    if (quote.reset_count != before.last_reset_count()) {
      out.events.push_back(MakeEvent(input, veu::v1::EVENT_REBOOTED,
                                     absl::StrCat("resetCount ", before.last_reset_count(),
                                                  " -> ", quote.reset_count)));
    } else if (quote.restart_count != before.last_restart_count()) {
      out.events.push_back(MakeEvent(input, veu::v1::EVENT_TPM_RESTARTED,
                                     absl::StrCat("restartCount ", before.last_restart_count(),
                                                  " -> ", quote.restart_count)));
    }
    if (before.firmware_version() != 0 && before.firmware_version() != quote.firmware_version) {
      out.events.push_back(MakeEvent(
          input, veu::v1::EVENT_FIRMWARE_CHANGED,
          absl::StrFormat("TPM firmware 0x%016x -> 0x%016x", before.firmware_version(),
                          quote.firmware_version)));
    }
  }
  if (!quote.safe) {
    // The TPM says its clock may have been set back since it was last safe: monotonicity is no
    // longer proven, so this is at least a warning (issue 17), never a plain pass.
    checks.push_back(Check(kCheckQuoteClock, veu::v1::CHECK_WARN, veu::v1::CLOCK_SAFE_CLEARED,
                           absl::StrCat(detail, "; safe=NO (the TPM clock may have been set back "
                                                "before: its monotonicity is not proven)")));
  } else {
    checks.push_back(
        Check(kCheckQuoteClock, veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED, detail));
  }
  out.agent.set_last_clock(quote.clock);
  out.agent.set_last_reset_count(quote.reset_count);
  out.agent.set_last_restart_count(quote.restart_count);
  out.agent.set_firmware_version(quote.firmware_version);
}

// The agent's platform class's reference values, else the verifier's default set. A class
// without a stored set gets an empty set here and a not-evaluated check in Appraise.
const veu::v1::ReferenceValues& ReferenceValuesFor(const AppraisalInput& input,
                                                   const AppraisalPolicy& policy) {
  static const veu::v1::ReferenceValues* const kNone = new veu::v1::ReferenceValues();
  if (input.class_reference_values != nullptr) return *input.class_reference_values;
  if (!input.agent->platform_class().empty()) return *kNone;
  return policy.reference_values;
}

// Keeps the verified inventory with the appraisal and the agent, and raises an event when it
// differs from the agent's last one (chips added or removed are what the inventory report and
// the diversion index follow).
void RecordInventory(const AppraisalInput& input, const veu::v1::InventorySummary& inventory,
                     AppraisalOutcome& out) {
  *out.appraisal.mutable_inventory() = inventory;
  const veu::v1::InventorySummary& before = input.agent->last_inventory();
  *out.agent.mutable_last_inventory() = inventory;
  if (!before.reported()) return;
  const IdentityChanges changes = CompareIdentities(before, inventory);
  if (changes.added.empty() && changes.removed.empty() && before.count() == inventory.count() &&
      before.tpp() == inventory.tpp()) {
    return;
  }
  std::string detail = absl::StrFormat("%d accelerators (TPP %d) -> %d (TPP %d)", before.count(),
                                       before.tpp(), inventory.count(), inventory.tpp());
  if (!changes.added.empty()) absl::StrAppend(&detail, "; added ", absl::StrJoin(changes.added, ","));
  if (!changes.removed.empty()) {
    absl::StrAppend(&detail, "; removed ", absl::StrJoin(changes.removed, ","));
  }
  out.events.push_back(MakeEvent(input, veu::v1::EVENT_INVENTORY_CHANGED, detail));
}

// Caveats of the EK chain accepted at enrolment travel with every appraisal: an expired EK
// certificate or a mismatched Authority Key Identifier is a warning on each verdict, not a note
// seen once in the enrolment log.
void CheckEkCaveats(const veu::v1::AgentRecord& agent, std::vector<CheckResult>& checks) {
  if (agent.ek_caveats().empty()) return;
  std::vector<std::string> details;
  for (const veu::v1::EkCaveat& c : agent.ek_caveats()) {
    details.push_back(absl::StrCat(veu::v1::ReasonCode_Name(c.reason()), ": ", c.detail()));
  }
  checks.push_back(Check(kCheckEkCertificate, veu::v1::CHECK_WARN, agent.ek_caveats(0).reason(),
                         absl::StrCat("accepted at enrolment with caveats: ",
                                      absl::StrJoin(details, "; "))));
}

}  // namespace

void AcceptCaveats(const veu::v1::PolicyPack& pack, std::vector<CheckResult>& checks) {
  for (CheckResult& c : checks) {
    if (c.status() != veu::v1::CHECK_WARN) continue;
    const std::string& reason = veu::v1::ReasonCode_Name(c.reason());
    if (std::find(pack.accepted_caveats().begin(), pack.accepted_caveats().end(), reason) ==
        pack.accepted_caveats().end()) {
      continue;
    }
    c.set_status(veu::v1::CHECK_PASS);
    c.set_detail(absl::StrCat("caveat ", reason, " accepted by policy pack ", pack.id(), "@",
                              pack.version(), ": ", c.detail()));
  }
}

veu::v1::Verdict VerdictOf(const std::vector<CheckResult>& checks) {
  bool warn = false;
  for (const CheckResult& c : checks) {
    if (c.status() == veu::v1::CHECK_FAIL) return veu::v1::VERDICT_REJECT;
    if (c.status() != veu::v1::CHECK_PASS) warn = true;
  }
  if (checks.empty()) return veu::v1::VERDICT_REJECT;  // nothing was checked: fail closed
  return warn ? veu::v1::VERDICT_WARN : veu::v1::VERDICT_ACCEPT;
}

absl::StatusOr<AppraisalOutcome> Appraise(const AppraisalInput& input,
                                          const AppraisalPolicy& policy, NonceBook& nonces) {
  if (input.agent == nullptr || input.challenge == nullptr || input.evidence == nullptr) {
    return absl::InternalError("Appraise called without agent, challenge or evidence");
  }
  AppraisalOutcome out;
  out.agent = *input.agent;
  std::vector<CheckResult> checks;

  if (input.agent->status() != veu::v1::AGENT_STATUS_ENROLLED) {
    checks.push_back(Check(kCheckAgentEnrolled, veu::v1::CHECK_FAIL, veu::v1::AGENT_REVOKED,
                           "agent is not enrolled (revoked)"));
  }
  CheckFreshness(input, nonces, checks);
  CheckEkCaveats(*input.agent, checks);

  // Quote: signature, magic, type, qualifyingData = H(nonce || H(facts)), PCR selection and
  // digest. Facts and PCR values are trusted only if every quote check passed.
  const veu::v1::Evidence& evidence = *input.evidence;
  const std::string expected_qd =
      QualifyingDataFor(input.challenge->nonce(), evidence.facts());
  std::vector<veu::v1::PcrSelection> selection(input.challenge->pcr_selection().begin(),
                                               input.challenge->pcr_selection().end());
  QuoteStepResult quote = CheckQuote(input.agent->ak_public(), evidence.quote(), expected_qd,
                                     selection, policy.allow_sha1_signatures);
  checks.insert(checks.end(), quote.checks.begin(), quote.checks.end());

  if (quote.verified) {
    CheckClock(input, quote.facts, out, checks);
    out.appraisal.mutable_quote()->set_clock(quote.facts.clock);
    out.appraisal.mutable_quote()->set_reset_count(quote.facts.reset_count);
    out.appraisal.mutable_quote()->set_restart_count(quote.facts.restart_count);
    out.appraisal.mutable_quote()->set_safe(quote.facts.safe);
    out.appraisal.mutable_quote()->set_firmware_version(quote.facts.firmware_version);
    out.appraisal.mutable_quote()->set_qualified_signer(quote.facts.qualified_signer);
    out.appraisal.mutable_quote()->set_signature_alg(quote.facts.signature_alg);
    out.appraisal.mutable_quote()->set_signature_hash(quote.facts.signature_hash);

    if (!out.facts.ParseFromString(evidence.facts())) {
      checks.push_back(Check(kCheckFactsParse, veu::v1::CHECK_FAIL, veu::v1::FACTS_MALFORMED,
                             "facts bytes bound by the quote do not parse as veu.v1.Facts"));
      out.facts.Clear();
    } else {
      checks.push_back(Check(kCheckFactsBound, veu::v1::CHECK_PASS, veu::v1::REASON_UNSPECIFIED,
                             absl::StrCat("facts (", evidence.facts().size(),
                                          " bytes) bound into qualifyingData")));
      // Bound by the quote, but still the agent's own text: shown in reports and listings.
      if (absl::Status host = CheckHostname(out.facts.host().hostname()); !host.ok()) {
        checks.push_back(Check(kCheckFactsHostname, veu::v1::CHECK_FAIL, veu::v1::FACTS_MALFORMED,
                               std::string(host.message())));
      }
      MeasuredBootStep mb = CheckMeasuredBoot(out.facts, evidence.event_log(),
                                              input.previous_event_log, quote.pcr_values,
                                              ReferenceValuesFor(input, policy),
                                              policy.require_event_log);
      checks.insert(checks.end(), mb.checks.begin(), mb.checks.end());
      if (!input.agent->platform_class().empty() && input.class_reference_values == nullptr) {
        checks.push_back(Check(kCheckReferenceValues, veu::v1::CHECK_NOT_EVALUATED,
                               veu::v1::REFERENCE_VALUE_MISMATCH,
                               absl::StrCat("no reference values stored for platform class '",
                                            input.agent->platform_class(),
                                            "' (veuctl refvalues load)")));
      }
      out.accepted_event_log = std::move(mb.accepted_log);
      if (!out.accepted_event_log.empty()) {
        *out.appraisal.mutable_measured_boot() = std::move(mb.facts);
      }
      const veu::v1::InventorySummary inventory = SummariseInventory(out.facts.inventory());
      RecordInventory(input, inventory, out);
      if (policy.pack) {
        // Controls see only facts bound by the quote that verified above.
        const OrganisationContext* org = input.organisation;
        facts::SiteAuthorisation authorisation;
        if (input.site != nullptr && input.site->authorised_accelerators() > 0) {
          authorisation.max_accelerators = input.site->authorised_accelerators();
        }
        if (input.site != nullptr && input.site->authorised_tpp() > 0) {
          authorisation.max_tpp = input.site->authorised_tpp();
        }
        if (org != nullptr) {
          authorisation.other_nodes = org->site_other_nodes;
          authorisation.other_nodes_accelerators = org->site_other_accelerators;
          authorisation.other_nodes_tpp = org->site_other_tpp;
        }
        std::vector<CheckResult> controls =
            facts::EvaluateHostControls(*policy.pack, out.facts, authorisation);
        std::vector<CheckResult> boot = EvaluateBootControls(
            *policy.pack, checks,
            out.appraisal.has_measured_boot() ? &out.appraisal.measured_boot() : nullptr);
        OrganisationControlsOutcome organisation = EvaluateOrganisationControls(
            *policy.pack, input.site != nullptr ? *input.site : veu::v1::Site(),
            input.agent->agent_id(), inventory, org, input.now);
        checks.insert(checks.end(), boot.begin(), boot.end());
        checks.insert(checks.end(), controls.begin(), controls.end());
        checks.insert(checks.end(), organisation.results.begin(), organisation.results.end());
        out.diversions = std::move(organisation.new_diversions);
        out.events.insert(out.events.end(), organisation.events.begin(),
                          organisation.events.end());
      }
    }
  }

  veu::v1::Appraisal& a = out.appraisal;
  a.set_id(input.appraisal_id);
  a.set_agent_id(input.agent->agent_id());
  a.set_site(input.agent->site());
  *a.mutable_appraised_at() = ToProtoTime(input.now);
  a.set_facts_sha256(crypto::Sha256(evidence.facts()));
  a.set_challenge_sequence(input.challenge->sequence());
  a.set_policy_version(policy.version);
  if (policy.pack) AcceptCaveats(*policy.pack, checks);
  for (const CheckResult& c : checks) {
    if (c.status() == veu::v1::CHECK_FAIL) a.add_reasons(c.reason());
  }
  a.mutable_checks()->Assign(checks.begin(), checks.end());
  // Details quote evidence (names, strings from the event log): keep the result parseable.
  MakeStringsValidUtf8(&a);
  a.set_verdict(VerdictOf(checks));

  if (input.agent->last_verdict() != a.verdict()) {
    out.events.push_back(MakeEvent(
        input, veu::v1::EVENT_VERDICT_CHANGED,
        absl::StrCat(veu::v1::Verdict_Name(input.agent->last_verdict()), " -> ",
                     veu::v1::Verdict_Name(a.verdict()))));
  }
  out.agent.set_last_verdict(a.verdict());
  // Only a verified quote proves the agent was there; a rejected report does not refresh it.
  if (quote.verified) *out.agent.mutable_last_seen() = ToProtoTime(input.now);
  return out;
}

}  // namespace veu::verifier
