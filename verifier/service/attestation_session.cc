#include "verifier/service/attestation_session.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/proto_time.h"
#include "common/tpm/quote.h"
#include "common/crypto/digest.h"
#include "verifier/appraisal/check_ids.h"
#include "verifier/appraisal/offline_chain.h"
#include "verifier/peer_input.h"
#include "verifier/service/organisation_view.h"

namespace veu::verifier {
namespace {

using veu::v1::AgentMessage;
using veu::v1::VerifierMessage;

// The status payload that carries a session's reason code (its number, as decimal text).
constexpr char kReasonPayload[] = "type.veu.dev/veu.v1.ReasonCode";

// True only if this report proves it comes from the enrolled AK now: the signature verified
// and the quote answers this session's fresh nonce. An old genuine quote (replayed) or a forged
// one proves nothing, so it must not be recorded against the agent.
bool ProvesAgent(const veu::v1::Appraisal& a) {
  bool signature = false, qualifying_data = false, nonce = false;
  for (const auto& c : a.checks()) {
    const bool pass = c.status() == veu::v1::CHECK_PASS;
    // An allowed SHA-1 signature verifies with a caveat (CHECK_WARN): still the enrolled AK.
    if (c.check() == tpm::kCheckSignatureValid) {
      signature = pass || c.status() == veu::v1::CHECK_WARN;
    }
    if (c.check() == tpm::kCheckQualifyingData) qualifying_data = pass;
    if (c.check() == kCheckNonceFresh) nonce = pass;
  }
  return signature && qualifying_data && nonce;
}

std::string ReasonNames(const veu::v1::Appraisal& a) {
  std::string out;
  for (int r : a.reasons()) {
    absl::StrAppend(&out, out.empty() ? "" : ",",
                    veu::v1::ReasonCode_Name(static_cast<veu::v1::ReasonCode>(r)));
  }
  return out;
}

// What a session keeps of an appraisal it committed: enough for the ack, the log line and the
// verdict notification; its facts (tens of KB with a Secure Boot database) stay in the store.
veu::v1::Appraisal OutcomeOf(const veu::v1::Appraisal& a) {
  veu::v1::Appraisal out;
  out.set_id(a.id());
  out.set_agent_id(a.agent_id());
  out.set_site(a.site());
  out.set_verdict(a.verdict());
  *out.mutable_appraised_at() = a.appraised_at();
  out.mutable_reasons()->CopyFrom(a.reasons());
  out.mutable_checks()->CopyFrom(a.checks());
  return out;
}

VerifierMessage ErrorMessage(const absl::Status& why) {
  VerifierMessage out;
  out.mutable_error()->set_reason(SessionEndReason(why));
  out.mutable_error()->set_message(std::string(why.message()));
  return out;
}

}  // namespace

const char* SessionStateName(SessionState state) {
  switch (state) {
    case SessionState::kAwaitingHello: return "awaiting-hello";
    case SessionState::kIdle: return "idle";
    case SessionState::kAwaitingEvidence: return "awaiting-evidence";
    case SessionState::kCommitting: return "committing";
    case SessionState::kAwaitingUpload: return "awaiting-upload";
    case SessionState::kEnded: return "ended";
  }
  return "?";
}

absl::Status SessionEnd(absl::StatusCode code, veu::v1::ReasonCode reason,
                        const std::string& message) {
  absl::Status status(code, message);
  status.SetPayload(kReasonPayload, absl::Cord(absl::StrCat(static_cast<int>(reason))));
  return status;
}

veu::v1::ReasonCode SessionEndReason(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kReasonPayload);
  int value = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &value) ||
      !veu::v1::ReasonCode_IsValid(value)) {
    return veu::v1::REASON_UNSPECIFIED;
  }
  return static_cast<veu::v1::ReasonCode>(value);
}

AttestationSession::AttestationSession(SessionDeps deps, SessionOptions options, std::string peer)
    : deps_(std::move(deps)), options_(std::move(options)), peer_(std::move(peer)) {}

SessionStep AttestationSession::Start() {
  SessionStep step;
  step.wake_at = Now() + options_.hello_timeout;
  return step;
}

SessionStep AttestationSession::OnMessage(const AgentMessage& message) {
  switch (state_) {
    case SessionState::kAwaitingHello:
      if (!message.has_hello()) {
        return End(SessionEnd(absl::StatusCode::kInvalidArgument,
                              veu::v1::STREAM_PROTOCOL_VIOLATION,
                              "the first message of a stream must be a hello"),
                   true);
      }
      return OnHello(message.hello());
    case SessionState::kAwaitingEvidence:
      if (!message.has_evidence()) {
        return End(SessionEnd(absl::StatusCode::kInvalidArgument,
                              veu::v1::STREAM_PROTOCOL_VIOLATION,
                              "expected evidence answering the challenge"),
                   true);
      }
      return OnEvidence(message.evidence());
    case SessionState::kAwaitingUpload:
      if (!message.has_offline_upload()) {
        return End(SessionEnd(absl::StatusCode::kInvalidArgument,
                              veu::v1::STREAM_PROTOCOL_VIOLATION,
                              "the hello announced offline quotes; expected their upload"),
                   true);
      }
      return OnOfflineUpload(message.offline_upload());
    case SessionState::kIdle:
    case SessionState::kCommitting:
      return End(SessionEnd(absl::StatusCode::kInvalidArgument, veu::v1::STREAM_PROTOCOL_VIOLATION,
                            "a message arrived while no challenge was outstanding"),
                 true);
    case SessionState::kEnded:
      return {};
  }
  return {};
}

SessionStep AttestationSession::OnHello(const veu::v1::AgentHello& hello) {
  // Bounded and well-formed before anything is looked up or logged.
  if (absl::Status valid = ValidateAgentHello(hello); !valid.ok()) {
    Log("stream", absl::StrCat(peer_, ": malformed hello: ", valid.message()));
    return End(SessionEnd(absl::StatusCode::kInvalidArgument, veu::v1::STREAM_PROTOCOL_VIOLATION,
                          std::string(valid.message())),
               true);
  }
  absl::StatusOr<veu::v1::AgentRecord> agent = deps_.store->GetAgent(hello.agent_id());
  if (absl::IsNotFound(agent.status())) {
    Log("stream", absl::StrCat(peer_, ": hello from unknown agent ",
                               LogField(hello.agent_id().substr(0, 16))));
    return End(SessionEnd(absl::StatusCode::kNotFound, veu::v1::AGENT_UNKNOWN,
                          "no enrolled agent with this id; enrol first"),
               true);
  }
  if (!agent.ok()) {
    Log("stream", absl::StrCat(peer_, ": store unavailable at hello: ", agent.status().ToString()));
    return End(SessionEnd(absl::StatusCode::kUnavailable, veu::v1::VERIFIER_UNAVAILABLE,
                          "the verifier cannot read its store; retry later"),
               true);
  }
  if (agent->status() != veu::v1::AGENT_STATUS_ENROLLED) {
    return End(SessionEnd(absl::StatusCode::kPermissionDenied, veu::v1::AGENT_REVOKED,
                          "this agent is revoked; an operator must allow it again"),
               true);
  }
  agent_id_ = hello.agent_id();
  site_ = agent->site();
  who_ = absl::StrCat(agent_id_.substr(0, 12), "@", site_);
  Log("stream", absl::StrCat(who_, ": connected from ", peer_, " (agent ",
                             LogField(hello.agent_version().substr(0, 64)), ")"));
  SessionStep step;
  if (hello.offline_pending()) {
    state_ = SessionState::kAwaitingUpload;
    step.wake_at = Now() + options_.hello_timeout;  // between batches, as for the hello
    return step;
  }
  state_ = SessionState::kIdle;
  step.wake_at =
      Now() + (deps_.first_challenge_delay ? deps_.first_challenge_delay() : absl::ZeroDuration());
  return step;
}

SessionStep AttestationSession::OnOfflineUpload(const veu::v1::OfflineUpload& upload) {
  const size_t bytes = upload.ByteSizeLong();
  if (offline_quotes_.size() + upload.quotes_size() > kMaxOfflineQuotes ||
      offline_bytes_ + bytes > kMaxOfflineBytes || upload.unreadable_size() > 1000) {
    return End(SessionEnd(absl::StatusCode::kInvalidArgument, veu::v1::REQUEST_MALFORMED,
                          absl::StrCat("an offline upload holds at most ", kMaxOfflineQuotes,
                                       " quotes, ", kMaxOfflineBytes >> 20,
                                       " MiB and 1000 unreadable-entry notes")),
               true);
  }
  offline_bytes_ += bytes;
  offline_quotes_.insert(offline_quotes_.end(), upload.quotes().begin(), upload.quotes().end());
  offline_dropped_ += upload.dropped();
  for (const std::string& why : upload.unreadable()) {
    offline_unreadable_.push_back(LogField(why.substr(0, 256)));
  }
  SessionStep step;
  if (!upload.last()) {
    step.wake_at = Now() + options_.hello_timeout;
    return step;
  }
  absl::StatusOr<veu::v1::AgentRecord> agent = deps_.store->GetAgent(agent_id_);
  if (!agent.ok()) {
    return End(SessionEnd(absl::StatusCode::kUnavailable, veu::v1::VERIFIER_UNAVAILABLE,
                          "the verifier cannot read its store; retry later"),
               true);
  }
  absl::StatusOr<tpm::AkPublicKey> ak = tpm::LoadAkPublic(agent->ak_public());
  OfflineChainInput input;
  input.ak = ak.ok() ? &*ak : nullptr;
  input.anchor.attest_sha256 = agent->chain_anchor();
  input.anchor.clock.clock = agent->last_clock();
  input.anchor.clock.reset_count = agent->last_reset_count();
  input.anchor.clock.restart_count = agent->last_restart_count();
  input.pcr_selection = options_.pcr_selection;
  input.allow_sha1 = deps_.policy && deps_.policy->allow_sha1_signatures;
  input.dropped = offline_dropped_;
  input.unreadable = offline_unreadable_.size();
  const OfflineChainReport report = CheckOfflineChain(input, offline_quotes_);

  const std::string summary = report.Summary();
  std::string detail = summary;
  constexpr size_t kMaxDetail = 4000;
  for (const ChainBreak& b : report.breaks) {
    if (detail.size() > kMaxDetail) {
      absl::StrAppend(&detail, "; ...");
      break;
    }
    absl::StrAppend(&detail, "; ", veu::v1::ReasonCode_Name(b.reason), ": ", b.detail);
  }
  for (const std::string& why : offline_unreadable_) {
    if (detail.size() > kMaxDetail) break;
    absl::StrAppend(&detail, "; unreadable in the agent's spool: ", why);
  }
  veu::v1::Event& event = pending_gap_.emplace();
  event.set_kind(report.continuous() ? veu::v1::EVENT_OFFLINE_CONTINUOUS
                                     : veu::v1::EVENT_OFFLINE_BROKEN);
  event.set_agent_id(agent_id_);
  event.set_site(site_);
  *event.mutable_at() = ToProtoTime(Now());
  event.set_detail(detail);
  veu::v1::OfflineAck& ack = pending_offline_ack_.emplace();
  ack.set_received(offline_quotes_.size());
  ack.set_verified(report.verified);
  ack.set_continuous(report.continuous());
  ack.set_summary(summary);
  Log("stream", absl::StrCat(who_, ": offline upload: ", summary));
  offline_quotes_.clear();
  offline_quotes_.shrink_to_fit();
  offline_bytes_ = 0;
  state_ = SessionState::kIdle;
  step.wake_at =
      Now() + (deps_.first_challenge_delay ? deps_.first_challenge_delay() : absl::ZeroDuration());
  return step;
}

SessionStep AttestationSession::IssueChallenge() {
  absl::StatusOr<std::string> nonce = deps_.random(32);
  if (!nonce.ok()) {
    return End(SessionEnd(absl::StatusCode::kInternal, veu::v1::INTERNAL_ERROR,
                          "the verifier's random source failed"),
               true);
  }
  const absl::Time now = Now();
  const absl::Time deadline = now + options_.response_timeout;
  if (!deps_.nonces->Issue(*nonce, agent_id_, deadline)) {
    return End(SessionEnd(absl::StatusCode::kResourceExhausted, veu::v1::VERIFIER_BUSY,
                          "too many challenges outstanding; retry later"),
               true);
  }
  ++sequence_;
  challenge_.Clear();
  challenge_.set_nonce(*nonce);
  challenge_.mutable_pcr_selection()->Assign(options_.pcr_selection.begin(),
                                             options_.pcr_selection.end());
  *challenge_.mutable_deadline() = ToProtoTime(deadline);
  challenge_.set_sequence(sequence_);
  challenge_.set_send_full_event_log(previous_event_log_ == nullptr);
  state_ = SessionState::kAwaitingEvidence;
  SessionStep step;
  *step.send.emplace_back().mutable_challenge() = challenge_;
  step.wake_at = deadline + options_.network_grace;
  return step;
}

SessionStep AttestationSession::OnTimer() {
  switch (state_) {
    case SessionState::kAwaitingHello:
      Log("stream", absl::StrCat(peer_, ": no hello before the deadline"));
      return End(SessionEnd(absl::StatusCode::kDeadlineExceeded, veu::v1::DEADLINE_EXCEEDED,
                            "no hello before the deadline"),
                 true);
    case SessionState::kIdle:
      return IssueChallenge();
    case SessionState::kAwaitingUpload:
      Log("stream", absl::StrCat(who_, ": offline upload stalled"));
      return End(SessionEnd(absl::StatusCode::kDeadlineExceeded, veu::v1::DEADLINE_EXCEEDED,
                            "the offline upload did not continue before the deadline"),
                 true);
    case SessionState::kAwaitingEvidence:
      Log("stream", absl::StrCat(who_, ": no evidence for challenge #", sequence_,
                                 " before its deadline"));
      return End(SessionEnd(absl::StatusCode::kDeadlineExceeded, veu::v1::DEADLINE_EXCEEDED,
                            absl::StrCat("no evidence for challenge #", sequence_,
                                         " before its deadline")),
                 true);
    case SessionState::kCommitting:
    case SessionState::kEnded:
      return {};
  }
  return {};
}

absl::StatusOr<AppraisalOutcome> AttestationSession::AppraiseEvidence(
    const veu::v1::Evidence& evidence, veu::v1::AgentRecord& current) {
  // Appraise against the freshest record (an operator may have changed it meanwhile).
  absl::StatusOr<veu::v1::AgentRecord> read = deps_.store->GetAgent(agent_id_);
  if (!read.ok()) return read.status();
  current = *std::move(read);
  if (current.status() != veu::v1::AGENT_STATUS_ENROLLED) {
    return absl::PermissionDeniedError("the agent is revoked");
  }
  absl::StatusOr<std::string> id = deps_.random(16);
  if (!id.ok()) return id.status();
  absl::StatusOr<veu::v1::Site> site = deps_.store->GetSite(current.site());
  std::optional<veu::v1::ReferenceValues> class_refs;
  if (!current.platform_class().empty()) {
    absl::StatusOr<veu::v1::ReferenceValues> refs =
        deps_.store->GetReferenceValues(current.platform_class());
    if (refs.ok()) {
      class_refs = *std::move(refs);
    } else if (!absl::IsNotFound(refs.status())) {
      return refs.status();
    }
  }
  // The organisation's view for the site-wide controls; without it they are not-evaluated.
  std::optional<OrganisationContext> organisation;
  if (site.ok()) {
    absl::StatusOr<OrganisationContext> context =
        ReadOrganisationContext(*deps_.store, current, *site, evidence.facts());
    if (context.ok()) {
      organisation = *std::move(context);
    } else {
      Log("stream", absl::StrCat(who_, ": organisation view unavailable: ",
                                 context.status().ToString()));
    }
  }
  AppraisalInput input;
  input.agent = &current;
  input.organisation = organisation ? &*organisation : nullptr;
  input.site = site.ok() ? &*site : nullptr;
  input.class_reference_values = class_refs ? &*class_refs : nullptr;
  input.challenge = &challenge_;
  input.evidence = &evidence;
  if (previous_event_log_) input.previous_event_log = *previous_event_log_;
  input.appraisal_id = ToHex(*id);
  input.now = Now();
  return Appraise(input, *deps_.policy, *deps_.nonces);
}

SessionStep AttestationSession::OnEvidence(const veu::v1::Evidence& evidence) {
  veu::v1::AgentRecord current;
  absl::StatusOr<AppraisalOutcome> outcome = AppraiseEvidence(evidence, current);
  if (absl::IsPermissionDenied(outcome.status())) {
    // Revoked since the hello: nothing of this report is kept against the agent.
    Log("stream", absl::StrCat(who_, ": revoked; closing"));
    return End(SessionEnd(absl::StatusCode::kPermissionDenied, veu::v1::AGENT_REVOKED,
                          "this agent is revoked; an operator must allow it again"),
               true);
  }
  if (!outcome.ok()) {
    Log("stream", absl::StrCat(who_, ": appraisal failed: ", outcome.status().ToString()));
    return End(SessionEnd(absl::StatusCode::kUnavailable, veu::v1::VERIFIER_UNAVAILABLE,
                          "the report could not be appraised now; retry"),
               true);
  }
  const veu::v1::Appraisal& appraisal = outcome->appraisal;
  if (!authenticated_ && !ProvesAgent(appraisal)) {
    // Not proven to be this agent: record the attempt, leave the agent's verdict alone.
    veu::v1::Event event;
    event.set_kind(veu::v1::EVENT_IMPERSONATION_SUSPECTED);
    event.set_agent_id(agent_id_);
    event.set_site(site_);
    *event.mutable_at() = ToProtoTime(Now());
    event.set_detail(absl::StrCat("stream from ", LogField(peer_),
                                  " claimed this agent; its first report proved nothing (",
                                  ReasonNames(appraisal), ")"));
    (void)deps_.store->AppendEvent(event);
    Log("stream", absl::StrCat(who_, ": first report does not prove the enrolled AK (",
                               ReasonNames(appraisal), "); closing"));
    const veu::v1::ReasonCode reason =
        appraisal.reasons().empty() ? veu::v1::QUOTE_SIGNATURE_INVALID
                                    : static_cast<veu::v1::ReasonCode>(appraisal.reasons(0));
    return End(SessionEnd(absl::StatusCode::kUnauthenticated, reason,
                          "the report does not prove this agent's enrolled AK with a fresh quote"),
               true);
  }
  authenticated_ = true;

  SessionStep step;
  AppraisalCommit& commit = step.commit.emplace();
  commit.appraisal = appraisal;
  commit.evidence = evidence.SerializeAsString();
  commit.challenge = challenge_.SerializeAsString();
  commit.agent = outcome->agent;
  commit.agent.set_platform_class(current.platform_class());
  // Compare-and-set: the record is written only if nothing wrote it since `current` was read.
  commit.expected_version = current.record_version();
  commit.events = outcome->events;
  // The anchor the agent's next offline chain must link to: this quote, if it proved the AK
  // with this session's nonce; else the anchor stays.
  commit.agent.set_chain_anchor(ProvesAgent(appraisal) ? crypto::Sha256(evidence.quote().attest())
                                                       : current.chain_anchor());
  if (pending_gap_) commit.events.push_back(*pending_gap_);
  commit.diversions = outcome->diversions;
  commit.sightings.assign(appraisal.inventory().identities().begin(),
                          appraisal.inventory().identities().end());
  committing_ = OutcomeOf(appraisal);
  committing_verdict_before_ = current.last_verdict();
  pending_event_log_.reset();
  if (!outcome->accepted_event_log.empty()) {
    pending_event_log_ =
        deps_.logs ? deps_.logs->Intern(std::move(outcome->accepted_event_log))
                   : std::make_shared<const std::string>(std::move(outcome->accepted_event_log));
  }
  state_ = SessionState::kCommitting;
  step.wake_at = absl::InfiniteFuture();  // a commit always reports back
  return step;
}

SessionStep AttestationSession::OnCommitted(const absl::Status& committed) {
  if (state_ != SessionState::kCommitting) return {};
  if (absl::IsAborted(committed) && ++conflicts_in_a_row_ <= kMaxRecordConflictsInARow) {
    // Someone wrote the agent's record between our read and the commit (an operator, another
    // stream of this agent, another replica): nothing was stored. Appraise a fresh quote
    // against the fresh record at once, rather than overwrite theirs or drop the stream.
    Log("stream", absl::StrCat(who_, ": agent record changed during the appraisal; "
                                     "challenging again (", conflicts_in_a_row_, ")"));
    pending_event_log_.reset();
    state_ = SessionState::kIdle;
    SessionStep step;
    step.wake_at = Now();
    return step;
  }
  if (!committed.ok()) {
    Log("stream", absl::StrCat(who_, ": could not commit appraisal: ", committed.ToString()));
    return End(SessionEnd(absl::StatusCode::kUnavailable, veu::v1::VERIFIER_UNAVAILABLE,
                          "the result could not be stored; retry"),
               true);
  }
  conflicts_in_a_row_ = 0;
  if (pending_event_log_) previous_event_log_ = std::move(pending_event_log_);
  pending_event_log_.reset();
  last_committed_ = std::move(committing_);
  verdict_before_ = committing_verdict_before_;
  SessionStep step;
  if (pending_offline_ack_) {
    *step.send.emplace_back().mutable_offline_ack() = *pending_offline_ack_;
    pending_offline_ack_.reset();
    pending_gap_.reset();
  }
  const std::string reasons = ReasonNames(last_committed_);
  Log("appraisal", absl::StrCat(who_, ": #", sequence_, " ",
                                veu::v1::Verdict_Name(last_committed_.verdict()),
                                reasons.empty() ? "" : " ", reasons));
  veu::v1::Ack& ack = *step.send.emplace_back().mutable_ack();
  ack.set_sequence(sequence_);
  ack.set_appraisal_id(last_committed_.id());
  ack.set_verdict(last_committed_.verdict());
  ack.mutable_reasons()->CopyFrom(last_committed_.reasons());
  state_ = SessionState::kIdle;
  step.wake_at = Now() + options_.challenge_interval;
  return step;
}

SessionStep AttestationSession::OnPeerGone() {
  if (state_ == SessionState::kEnded) return {};
  Log("stream", absl::StrCat(who_.empty() ? peer_ : who_, ": stream ended by the peer (",
                             SessionStateName(state_), ")"));
  return End(absl::CancelledError("the peer ended the stream"), false);
}

SessionStep AttestationSession::Terminate(const absl::Status& why) {
  if (state_ == SessionState::kEnded) return {};
  return End(why, true);
}

SessionStep AttestationSession::End(const absl::Status& why, bool tell_peer) {
  SessionStep step;
  if (tell_peer) step.send.push_back(ErrorMessage(why));
  step.end = why;
  step.wake_at = absl::InfiniteFuture();
  state_ = SessionState::kEnded;
  return step;
}

}  // namespace veu::verifier
