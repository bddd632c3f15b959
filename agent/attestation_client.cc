#include "agent/attestation_client.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "agent/host_facts.h"
#include "common/crypto/digest.h"
#include "common/log.h"
#include "common/proto_time.h"
#include "common/rpc/grpc_status.h"
#include "common/status_macros.h"
#include "veu/v1/facts.pb.h"

namespace veu::agent {
namespace {

using veu::v1::AgentMessage;
using veu::v1::VerifierMessage;

constexpr char kAgentVersion[] = "veu-agent 0.1.0";

}  // namespace

absl::Status TakeOfflineQuote(Tpm& tpm, const ReportSource& source,
                              const veu::v1::PcrSelection& selection, absl::Time now,
                              OfflineSpool& spool) {
  veu::v1::Facts facts = source.facts();
  facts.set_agent_version(kAgentVersion);
  absl::StatusOr<std::string> log = source.event_log ? source.event_log()
                                                     : absl::NotFoundError("no event log source");
  if (log.ok()) {
    facts.mutable_event_log()->set_sha256(crypto::Sha256(*log));
    facts.mutable_event_log()->set_size(log->size());
  } else if (!absl::IsNotFound(log.status())) {
    return log.status();
  }
  veu::v1::OfflineQuote entry;
  entry.set_facts(CanonicalFacts(facts));
  entry.set_previous(spool.previous().empty() ? std::string(32, '\0') : spool.previous());
  const std::string qualifying =
      crypto::Sha256(entry.previous() + crypto::Sha256(entry.facts()));
  ASSIGN_OR_RETURN(*entry.mutable_quote(), tpm.Quote(qualifying, selection));
  *entry.mutable_taken_at() = ToProtoTime(now);
  return spool.Append(entry);
}

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
                                  StreamStats* stats, uint64_t max_rounds,
                                  OfflineSpool* spool) {
  StreamStats local;
  StreamStats& s = stats ? *stats : local;
  grpc::ClientContext ctx;
  auto stream = stub.Attest(&ctx);
  ASSIGN_OR_RETURN(AkIdentity ak, tpm.Ak());
  AgentMessage hello;
  hello.mutable_hello()->set_agent_id(agent_id);
  hello.mutable_hello()->set_ak_name(ak.name);
  hello.mutable_hello()->set_agent_version(kAgentVersion);
  const bool upload = spool != nullptr && !spool->empty();
  hello.mutable_hello()->set_offline_pending(upload);
  if (!stream->Write(hello)) return FromGrpcStatus(stream->Finish());
  if (upload) {
    for (veu::v1::OfflineUpload& batch : spool->Batches()) {
      AgentMessage out;
      *out.mutable_offline_upload() = std::move(batch);
      if (!stream->Write(out)) return FromGrpcStatus(stream->Finish());
    }
    Log("stream", absl::StrCat("uploaded ", spool->quotes().size(), " offline quote(s)",
                               spool->dropped() > 0
                                   ? absl::StrCat(", ", spool->dropped(), " dropped")
                                   : std::string()));
  }
  std::string last_attest_sent;  // SHA-256 of the quote the next ack is for

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
    if (in.has_offline_ack()) {
      s.offline_summary = in.offline_ack().summary();
      Log("stream", absl::StrCat("offline quotes acknowledged: ",
                                 LogField(in.offline_ack().summary(), 512)));
      if (spool != nullptr) {
        if (absl::Status cleared = spool->Acknowledged(); !cleared.ok()) {
          Log("spool", absl::StrCat("could not empty the spool: ", cleared.message()));
        }
      }
      continue;
    }
    if (in.has_ack()) {
      ++s.acks;
      if (spool != nullptr && spool->empty() && !last_attest_sent.empty()) {
        // This quote answered the verifier's nonce: the next offline chain starts from it.
        if (absl::Status anchored = spool->SetAnchor(last_attest_sent); !anchored.ok()) {
          Log("spool", absl::StrCat("could not record the chain's anchor: ", anchored.message()));
        }
      }
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
    if (in.challenge().pcr_selection_size() == 1) s.selection = in.challenge().pcr_selection(0);
    absl::StatusOr<veu::v1::Evidence> evidence =
        AnswerChallenge(tpm, in.challenge(), source, last_log_sent);
    if (!evidence.ok()) {
      ctx.TryCancel();
      return evidence.status();
    }
    last_attest_sent = crypto::Sha256(evidence->quote().attest());
    AgentMessage out;
    *out.mutable_evidence() = *std::move(evidence);
    if (!stream->Write(out)) break;
  }
  return FromGrpcStatus(stream->Finish());
}

}  // namespace veu::agent
