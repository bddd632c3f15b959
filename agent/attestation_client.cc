#include "agent/attestation_client.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "agent/host_facts.h"
#include "common/crypto/digest.h"
#include "common/log.h"
#include "common/rpc/grpc_status.h"
#include "common/status_macros.h"
#include "veu/v1/facts.pb.h"

namespace veu::agent {
namespace {

using veu::v1::AgentMessage;
using veu::v1::VerifierMessage;

constexpr char kAgentVersion[] = "veu-agent 0.1.0";

}  // namespace

absl::StatusOr<veu::v1::Evidence> AnswerChallenge(Tpm& tpm, const veu::v1::Challenge& challenge,
                                                  const ReportSource& source,
                                                  std::string& last_log_sent) {
  veu::v1::Facts facts = source.facts();
  facts.set_agent_version(kAgentVersion);
  veu::v1::Evidence evidence;
  evidence.set_nonce(challenge.nonce());
  absl::StatusOr<std::string> log = source.event_log ? source.event_log()
                                                     : absl::NotFoundError("no event log source");
  if (log.ok()) {
    facts.mutable_event_log()->set_sha256(crypto::Sha256(*log));
    facts.mutable_event_log()->set_size(log->size());
    if (challenge.send_full_event_log() || *log != last_log_sent) {
      evidence.mutable_event_log()->set_content(*log);
      last_log_sent = *log;
    } else {
      evidence.mutable_event_log()->set_unchanged(true);
    }
  } else if (!absl::IsNotFound(log.status())) {
    return log.status();
  }
  const std::string facts_bytes = CanonicalFacts(facts);
  const std::string qualifying =
      crypto::Sha256(challenge.nonce() + crypto::Sha256(facts_bytes));
  if (challenge.pcr_selection_size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "challenge selects ", challenge.pcr_selection_size(),
        " PCR banks; this agent quotes exactly one bank per challenge"));
  }
  ASSIGN_OR_RETURN(*evidence.mutable_quote(),
                   tpm.Quote(qualifying, challenge.pcr_selection(0)));
  evidence.set_facts(facts_bytes);
  return evidence;
}

absl::Status RunAttestationStream(Tpm& tpm, veu::v1::Attestation::StubInterface& stub,
                                  const std::string& agent_id, const ReportSource& source,
                                  StreamStats* stats, uint64_t max_rounds) {
  StreamStats local;
  StreamStats& s = stats ? *stats : local;
  grpc::ClientContext ctx;
  auto stream = stub.Attest(&ctx);
  ASSIGN_OR_RETURN(AkIdentity ak, tpm.Ak());
  AgentMessage hello;
  hello.mutable_hello()->set_agent_id(agent_id);
  hello.mutable_hello()->set_ak_name(ak.name);
  hello.mutable_hello()->set_agent_version(kAgentVersion);
  if (!stream->Write(hello)) return FromGrpcStatus(stream->Finish());

  std::string last_log_sent;
  VerifierMessage in;
  while (stream->Read(&in)) {
    if (in.has_error()) {
      s.refused = in.error().reason();
      Log("stream", absl::StrCat("verifier ended the stream: ",
                                 veu::v1::ReasonCode_Name(in.error().reason()), ": ",
                                 LogField(in.error().message(), 256)));
      continue;  // Finish() below carries the status
    }
    if (in.has_ack()) {
      ++s.acks;
      s.last_verdict = in.ack().verdict();
      Log("stream", absl::StrCat("report #", in.ack().sequence(), " appraised: ",
                                 veu::v1::Verdict_Name(in.ack().verdict())));
      if (max_rounds > 0 && s.acks >= max_rounds) {
        stream->WritesDone();
        ctx.TryCancel();
        return absl::OkStatus();
      }
      continue;
    }
    if (!in.has_challenge()) continue;
    ++s.challenges;
    absl::StatusOr<veu::v1::Evidence> evidence =
        AnswerChallenge(tpm, in.challenge(), source, last_log_sent);
    if (!evidence.ok()) {
      ctx.TryCancel();
      return evidence.status();
    }
    AgentMessage out;
    *out.mutable_evidence() = *std::move(evidence);
    if (!stream->Write(out)) break;
  }
  return FromGrpcStatus(stream->Finish());
}

}  // namespace veu::agent
