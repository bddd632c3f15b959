#include "verifier/service/attestation_service.h"

#include <iostream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/crypto/random.h"
#include "common/hex.h"
#include "common/proto_time.h"
#include "common/log.h"
#include "common/tpm/quote.h"
#include "verifier/service/organisation_view.h"

namespace veu::verifier {
namespace {

using veu::v1::AgentMessage;
using veu::v1::VerifierMessage;
using Stream = grpc::ServerReaderWriter<VerifierMessage, AgentMessage>;

grpc::Status EndWithError(Stream* stream, veu::v1::ReasonCode reason, const std::string& message,
                          grpc::StatusCode code) {
  VerifierMessage out;
  out.mutable_error()->set_reason(reason);
  out.mutable_error()->set_message(message);
  stream->Write(out);
  return grpc::Status(code, absl::StrCat(veu::v1::ReasonCode_Name(reason), ": ", message));
}

// True only if this report proves it comes from the enrolled AK now: the signature verified
// and the quote answers this stream's fresh nonce. An old genuine quote (replayed) or a forged
// one proves nothing, so it must not be recorded against the agent.
bool ProvesAgent(const veu::v1::Appraisal& a) {
  bool signature = false, qualifying_data = false, nonce = false;
  for (const auto& c : a.checks()) {
    const bool pass = c.status() == veu::v1::CHECK_PASS;
    if (c.check() == tpm::kCheckSignatureValid) signature = pass;
    if (c.check() == tpm::kCheckQualifyingData) qualifying_data = pass;
    if (c.check() == "nonce.fresh") nonce = pass;
  }
  return signature && qualifying_data && nonce;
}

std::string FailedReasons(const veu::v1::Appraisal& a) {
  std::string out;
  for (int r : a.reasons()) {
    absl::StrAppend(&out, out.empty() ? "" : ",",
                    veu::v1::ReasonCode_Name(static_cast<veu::v1::ReasonCode>(r)));
  }
  return out;
}

}  // namespace

AttestationService::AttestationService(Store* store, NonceBook* nonces, DeadlineReaper* reaper,
                                       AppraisalPolicy policy, StreamOptions options)
    : store_(store), nonces_(nonces), reaper_(reaper), policy_(std::move(policy)),
      options_(std::move(options)) {}

grpc::Status AttestationService::Attest(grpc::ServerContext* ctx, Stream* stream) {
  ++open_streams_;
  struct Closer {
    std::atomic<int>& n;
    ~Closer() { --n; }
  } closer{open_streams_};
  const std::string peer = ctx->peer();

  AgentMessage in;
  {
    ScopedDeadline deadline(reaper_, ctx, absl::Now() + options_.hello_timeout);
    if (!stream->Read(&in)) {
      Log("stream", absl::StrCat(peer, ": closed or silent before hello"));
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "no hello before the deadline");
    }
  }
  if (!in.has_hello()) {
    return EndWithError(stream, veu::v1::REASON_UNSPECIFIED, "first message must be a hello",
                        grpc::StatusCode::INVALID_ARGUMENT);
  }
  const std::string agent_id = in.hello().agent_id();
  absl::StatusOr<veu::v1::AgentRecord> agent = store_->GetAgent(agent_id);
  if (!agent.ok()) {
    Log("stream", absl::StrCat(peer, ": hello from unknown agent ", agent_id.substr(0, 16)));
    return EndWithError(stream, veu::v1::AGENT_UNKNOWN,
                        "no enrolled agent with this id; enrol first",
                        grpc::StatusCode::NOT_FOUND);
  }
  if (agent->status() != veu::v1::AGENT_STATUS_ENROLLED) {
    return EndWithError(stream, veu::v1::AGENT_REVOKED, "agent is revoked",
                        grpc::StatusCode::PERMISSION_DENIED);
  }
  const std::string who = absl::StrCat(agent_id.substr(0, 12), "@", agent->site());
  Log("stream", absl::StrCat(who, ": connected from ", peer, " (agent ",
                             in.hello().agent_version(), ")"));

  bool authenticated = false;
  std::string previous_log;  // the last accepted event log on this stream
  for (uint64_t sequence = 1;; ++sequence) {
    if (shutdown_.HasBeenNotified() || ctx->IsCancelled()) break;
    // Challenge.
    veu::v1::Challenge challenge;
    absl::StatusOr<std::string> nonce = crypto::RandomBytes(32);
    if (!nonce.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "random source failed");
    challenge.set_nonce(*nonce);
    challenge.mutable_pcr_selection()->Assign(options_.pcr_selection.begin(),
                                              options_.pcr_selection.end());
    const absl::Time deadline = absl::Now() + options_.response_timeout;
    *challenge.mutable_deadline() = ToProtoTime(deadline);
    challenge.set_sequence(sequence);
    challenge.set_send_full_event_log(previous_log.empty());
    // Challenges that were never answered leave their nonces behind: sweep them now and then.
    const int64_t now_unix = absl::ToUnixSeconds(absl::Now());
    int64_t last = last_expire_unix_.load();
    if (now_unix - last >= 10 && last_expire_unix_.compare_exchange_strong(last, now_unix)) {
      nonces_->Expire(absl::Now());
    }
    if (!nonces_->Issue(*nonce, agent_id, deadline)) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "nonce book full");
    }
    VerifierMessage out;
    *out.mutable_challenge() = challenge;
    if (!stream->Write(out)) break;

    // Evidence, within the deadline (plus a little for the network).
    {
      ScopedDeadline response(reaper_, ctx, deadline + absl::Seconds(2));
      if (!stream->Read(&in)) {
        Log("stream", absl::StrCat(who, ": no evidence for challenge #", sequence,
                                   " (closed or deadline passed)"));
        break;
      }
    }
    if (!in.has_evidence()) {
      return EndWithError(stream, veu::v1::REASON_UNSPECIFIED, "expected evidence",
                          grpc::StatusCode::INVALID_ARGUMENT);
    }

    // Appraise against the freshest record (another stream may have updated it).
    absl::StatusOr<veu::v1::AgentRecord> current = store_->GetAgent(agent_id);
    if (!current.ok()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "store unavailable");
    absl::StatusOr<std::string> id = crypto::RandomBytes(16);
    if (!id.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "random source failed");
    absl::StatusOr<veu::v1::Site> site = store_->GetSite(current->site());
    std::optional<veu::v1::ReferenceValues> class_refs;
    if (!current->platform_class().empty()) {
      absl::StatusOr<veu::v1::ReferenceValues> refs =
          store_->GetReferenceValues(current->platform_class());
      if (refs.ok()) {
        class_refs = *std::move(refs);
      } else if (!absl::IsNotFound(refs.status())) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "store unavailable");
      }
    }
    // The organisation's view for the site-wide controls; without it they are not-evaluated.
    std::optional<OrganisationContext> organisation;
    if (site.ok()) {
      absl::StatusOr<OrganisationContext> read =
          ReadOrganisationContext(*store_, *current, *site, in.evidence().facts());
      if (read.ok()) {
        organisation = *std::move(read);
      } else {
        Log("stream", absl::StrCat(who, ": organisation view unavailable: ",
                                   read.status().ToString()));
      }
    }
    AppraisalInput input;
    input.agent = &*current;
    input.organisation = organisation ? &*organisation : nullptr;
    input.site = site.ok() ? &*site : nullptr;
    input.class_reference_values = class_refs ? &*class_refs : nullptr;
    input.challenge = &challenge;
    input.evidence = &in.evidence();
    input.previous_event_log = previous_log;
    input.appraisal_id = ToHex(*id);
    input.now = absl::Now();
    absl::StatusOr<AppraisalOutcome> outcome = Appraise(input, policy_, *nonces_);
    if (!outcome.ok()) {
      Log("stream", absl::StrCat(who, ": appraisal failed: ", outcome.status().ToString()));
      return grpc::Status(grpc::StatusCode::INTERNAL, "appraisal failed");
    }
    const veu::v1::Appraisal& appraisal = outcome->appraisal;
    if (!authenticated && !ProvesAgent(appraisal)) {
      // Not proven to be this agent: record the attempt, leave the agent's verdict alone.
      veu::v1::Event event;
      event.set_kind(veu::v1::EVENT_IMPERSONATION_SUSPECTED);
      event.set_agent_id(agent_id);
      event.set_site(current->site());
      *event.mutable_at() = ToProtoTime(input.now);
      event.set_detail(absl::StrCat("stream from ", peer,
                                    " claimed this agent; its first report proved nothing (",
                                    FailedReasons(appraisal), ")"));
      (void)store_->AppendEvent(event);
      Log("stream", absl::StrCat(who, ": first report does not prove the enrolled AK (",
                                 FailedReasons(appraisal), "); closing"));
      const veu::v1::ReasonCode reason =
          appraisal.reasons().empty() ? veu::v1::QUOTE_SIGNATURE_INVALID
                                      : static_cast<veu::v1::ReasonCode>(appraisal.reasons(0));
      return EndWithError(stream, reason,
                          "report does not prove this agent's enrolled AK with a fresh quote",
                          grpc::StatusCode::UNAUTHENTICATED);
    }
    authenticated = true;

    AppraisalCommit commit;
    commit.appraisal = appraisal;
    commit.evidence = in.evidence().SerializeAsString();
    commit.challenge = challenge.SerializeAsString();
    commit.agent = outcome->agent;
    // The operator may have changed the agent's class meanwhile: keep the newest setting.
    if (absl::StatusOr<veu::v1::AgentRecord> latest = store_->GetAgent(agent_id); latest.ok()) {
      commit.agent.set_platform_class(latest->platform_class());
    }
    commit.events = outcome->events;
    commit.diversions = outcome->diversions;
    commit.sightings.assign(appraisal.inventory().identities().begin(),
                            appraisal.inventory().identities().end());
    if (absl::Status s = store_->CommitAppraisal(commit); !s.ok()) {
      Log("stream", absl::StrCat(who, ": could not commit appraisal: ", s.ToString()));
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "could not commit the result; retry");
    }
    if (!outcome->accepted_event_log.empty()) previous_log = outcome->accepted_event_log;
    if (options_.on_commit) options_.on_commit(appraisal, current->last_verdict());
    const std::string reasons = FailedReasons(appraisal);
    Log("appraisal", absl::StrCat(who, ": #", sequence, " ",
                                  veu::v1::Verdict_Name(appraisal.verdict()),
                                  reasons.empty() ? "" : " ", reasons));

    VerifierMessage ack;
    ack.mutable_ack()->set_sequence(sequence);
    ack.mutable_ack()->set_appraisal_id(appraisal.id());
    ack.mutable_ack()->set_verdict(appraisal.verdict());
    ack.mutable_ack()->mutable_reasons()->CopyFrom(appraisal.reasons());
    if (!stream->Write(ack)) break;

    // Wait for the next interval, ending early if the server shuts down or the call ends.
    const absl::Time next = absl::Now() + options_.challenge_interval;
    while (absl::Now() < next && !ctx->IsCancelled()) {
      if (shutdown_.WaitForNotificationWithTimeout(
              std::min(absl::Milliseconds(200), next - absl::Now()))) {
        break;
      }
    }
  }
  Log("stream", absl::StrCat(who, ": stream ended"));
  return grpc::Status::OK;
}

}  // namespace veu::verifier
