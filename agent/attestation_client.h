// The attestation stream, agent side: say hello, then answer each challenge with a quote
// whose qualifyingData binds the nonce and the facts, until the stream ends.
#ifndef VEU_AGENT_ATTESTATION_CLIENT_H_
#define VEU_AGENT_ATTESTATION_CLIENT_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/offline_spool.h"
#include "agent/tpm/tpm.h"
#include "veu/v1/attestation.grpc.pb.h"
#include "veu/v1/facts.pb.h"

namespace veu::agent {

// Supplies the facts and the current event log for one report.
struct ReportSource {
  std::function<veu::v1::Facts()> facts;
  // The raw event log, or NotFound when the machine has none.
  std::function<absl::StatusOr<std::string>()> event_log;
};

struct StreamStats {
  uint64_t challenges = 0;
  uint64_t acks = 0;
  veu::v1::Verdict last_verdict = veu::v1::VERDICT_UNSPECIFIED;
  // Why the verifier ended the stream (its StreamError.reason), REASON_UNSPECIFIED if it did
  // not say. The agent acts on this code, never on the message text.
  veu::v1::ReasonCode refused = veu::v1::REASON_UNSPECIFIED;
  // The bank and PCRs the verifier asked for last (offline quotes cover the same).
  std::optional<veu::v1::PcrSelection> selection;
  // Set when the verifier acknowledged the spool's upload (OfflineAck.summary).
  std::optional<std::string> offline_summary;
};

// The evidence answering one challenge: facts from `source` (agent_version set), the event log
// whole when the verifier asks for it or it changed since `last_log_sent` (which is updated),
// else marked unchanged, and a quote whose qualifyingData binds the nonce and the facts.
absl::StatusOr<veu::v1::Evidence> AnswerChallenge(Tpm& tpm, const veu::v1::Challenge& challenge,
                                                  const ReportSource& source,
                                                  std::string& last_log_sent);

// Runs one stream until it ends. Returns OK if the verifier closed it cleanly, the stream's
// status otherwise; `stats` (optional) says how far it got. `max_rounds` > 0 ends the stream
// after that many acknowledged reports (for tests and measurements).
//
// With a `spool`: a non-empty one is announced in the hello and uploaded (oldest first, in
// batches) before the first challenge; an OfflineAck empties it, and each acknowledged report
// becomes its anchor, what the next offline quote chains to.
absl::Status RunAttestationStream(Tpm& tpm, veu::v1::Attestation::StubInterface& stub,
                                  const std::string& agent_id, const ReportSource& source,
                                  StreamStats* stats, uint64_t max_rounds = 0,
                                  OfflineSpool* spool = nullptr);

// One quote taken while no verifier answers: facts from `source` as for a report (event log
// by digest only), qualifyingData = SHA-256(spool.previous() || SHA-256(facts)), appended to
// the spool (durable when this returns OK). Without an anchor yet, `previous` is 32 zero bytes
// (the verifier will record the chain as unanchored).
absl::Status TakeOfflineQuote(Tpm& tpm, const ReportSource& source,
                              const veu::v1::PcrSelection& selection, absl::Time now,
                              OfflineSpool& spool);

}  // namespace veu::agent

#endif  // VEU_AGENT_ATTESTATION_CLIENT_H_
