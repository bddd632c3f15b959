// Binding an event log to quoted PCR values: the only way from an UnverifiedEventLog to a
// VerifiedEventLog, the type facts and appraisal accept (the go-attestation pattern).
#ifndef VEU_COMMON_EVENTLOG_BINDING_H_
#define VEU_COMMON_EVENTLOG_BINDING_H_

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "common/eventlog/event_log.h"
#include "common/eventlog/replay.h"
#include "veu/v1/appraisal.pb.h"
#include "veu/v1/tpm.pb.h"

namespace veu::eventlog {

struct BindingOutcome;

// A log whose replay equalled the quoted value of every quoted PCR it covers. Only events
// of bound_pcrs() are vouched for by the TPM; facts and appraisal look at nothing else.
// Immutable; safe to share between threads.
class VerifiedEventLog {
 public:
  const UnverifiedEventLog& log() const { return log_; }
  const PcrValues& replayed() const { return replayed_; }
  // PCRs that at least one quoted bank matched (and none contradicted).
  const std::set<uint32_t>& bound_pcrs() const { return bound_pcrs_; }
  bool IsBound(uint32_t pcr) const { return bound_pcrs_.count(pcr) > 0; }

 private:
  friend BindingOutcome BindToQuote(UnverifiedEventLog, const PcrValues&);
  friend VerifiedEventLog TrustForOfflineReview(const UnverifiedEventLog&);
  VerifiedEventLog(UnverifiedEventLog log, PcrValues replayed, std::set<uint32_t> bound)
      : log_(std::move(log)), replayed_(std::move(replayed)), bound_pcrs_(std::move(bound)) {}

  UnverifiedEventLog log_;
  PcrValues replayed_;
  std::set<uint32_t> bound_pcrs_;
};

struct BindingOutcome {
  // Set only when check.status() is CHECK_PASS.
  std::optional<VerifiedEventLog> verified;
  // "eventlog.replay": PASS; FAIL with EVENTLOG_REPLAY_MISMATCH naming the first (lowest)
  // PCR and bank that differ; or NOT_EVALUATED with EVENTLOG_BANK_MISSING when the quote
  // covers none of the PCRs the log extends in a bank the log can replay.
  veu::v1::CheckResult check;
  std::optional<uint32_t> mismatch_pcr;  // set with EVENTLOG_REPLAY_MISMATCH
  std::optional<uint16_t> mismatch_alg;
};

// Replays `log` and compares it with `quoted` (TPM_ALG_ID -> PCR -> value, which must come
// from a quote whose signature and nonce were already checked); pass the log by std::move
// to avoid copying its event list. A quoted PCR 0-7 the log does
// not extend must hold its reset value; quoted PCRs above 7 the log does not extend (e.g.
// IMA's 10) and banks the log lacks are skipped. Pure; thread-safe.
BindingOutcome BindToQuote(UnverifiedEventLog log, const PcrValues& quoted);

// The same for the quote's PcrValue list (veu.v1.Quote.pcr_values).
BindingOutcome BindToQuote(UnverifiedEventLog log, const std::vector<veu::v1::PcrValue>& quoted);

// Treats the log as bound to its own replay, every PCR included. Only for operator tools
// working on a log they already trust (veuctl eventlog / refvalues learn); never in the
// verifier's appraisal path.
VerifiedEventLog TrustForOfflineReview(const UnverifiedEventLog& log);

}  // namespace veu::eventlog

#endif  // VEU_COMMON_EVENTLOG_BINDING_H_
