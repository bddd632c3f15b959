#include "agent/agent.h"

#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "veu/v1/reason.pb.h"

namespace veu::agent {

namespace {

// Refusals that the same request can never turn into a success: a used, expired or unknown
// token, or a revoked agent. Retrying them would only fill the verifier's event table.
bool IsPermanentEnrolmentRefusal(const absl::Status& status) {
  for (veu::v1::ReasonCode reason :
       {veu::v1::ENROLMENT_TOKEN_USED, veu::v1::ENROLMENT_TOKEN_EXPIRED,
        veu::v1::ENROLMENT_TOKEN_INVALID, veu::v1::AGENT_REVOKED}) {
    if (absl::StartsWith(status.message(), absl::StrCat(veu::v1::ReasonCode_Name(reason), ":"))) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string_view AgentStateName(AgentState state) {
  switch (state) {
    case AgentState::kUnenrolled: return "unenrolled";
    case AgentState::kAttesting: return "attesting";
    case AgentState::kBackingOff: return "backing-off";
    case AgentState::kStopped: return "stopped";
  }
  return "?";
}

veu::v1::PcrSelection DefaultOfflineSelection() {
  veu::v1::PcrSelection sel;
  sel.set_hash_alg(0x000B);  // TPM_ALG_SHA256
  for (uint32_t pcr : {0, 1, 2, 3, 4, 5, 6, 7, 10}) sel.add_pcrs(pcr);
  return sel;
}

Agent::Agent(AgentDeps deps, AgentOptions options)
    : deps_(std::move(deps)),
      options_(std::move(options)),
      backoff_(options_.min_backoff),
      selection_(options_.offline_selection) {}

absl::Duration Agent::QuoteOfflineIfDue() {
  const absl::Time now = Now();
  if (last_quote_at_ && now - *last_quote_at_ < options_.offline_interval) {
    return options_.offline_interval - (now - *last_quote_at_);
  }
  absl::Status taken = TakeOfflineQuote(*deps_.tpm, deps_.source, selection_, now, *deps_.spool);
  if (taken.ok()) {
    Log("agent", absl::StrCat("no verifier answers: offline quote #", deps_.spool->quotes().size(),
                              " spooled (", deps_.spool->bytes(), " bytes",
                              deps_.spool->dropped() > 0
                                  ? absl::StrCat(", ", deps_.spool->dropped(), " dropped")
                                  : std::string(),
                              ")"));
  } else {
    Log("agent", absl::StrCat("could not take an offline quote: ", taken.message()));
  }
  last_quote_at_ = now;
  return options_.offline_interval;
}

void Agent::BackOff(const absl::Status& why, absl::Duration cap) {
  state_ = AgentState::kBackingOff;
  // Full jitter: many agents restarted together do not reconnect in lockstep.
  static thread_local std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  const absl::Duration wait = std::min(backoff_ * jitter(rng), cap);
  Log("agent", absl::StrCat(why.message(), "; retrying in ",
                            absl::FormatDuration(absl::Trunc(wait, absl::Milliseconds(100)))));
  deps_.sleep(wait);
  backoff_ = std::min(backoff_ * 2, options_.max_backoff);
}

absl::Status Agent::Run() {
  agent_id_ = deps_.load_agent_id();
  state_ = agent_id_.empty() ? AgentState::kUnenrolled : AgentState::kAttesting;
  while (!deps_.stopping()) {
    if (state_ == AgentState::kUnenrolled) {
      absl::StatusOr<std::string> id =
          Enrol(*deps_.tpm, *deps_.enrollment, options_.enrollment);
      if (!id.ok()) {
        if (IsPermanentEnrolmentRefusal(id.status())) {
          state_ = AgentState::kStopped;
          return absl::Status(id.status().code(),
                              absl::StrCat("enrolment refused for good: ", id.status().message(),
                                           "; an operator must issue a new token or allow this "
                                           "EK for the site"));
        }
        BackOff(absl::Status(id.status().code(),
                             absl::StrCat("enrolment failed: ", id.status().message())));
        state_ = AgentState::kUnenrolled;
        continue;
      }
      agent_id_ = *id;
      if (absl::Status s = deps_.save_agent_id(agent_id_); !s.ok()) {
        Log("agent", absl::StrCat("could not save the agent id: ", s.message()));
      }
      Log("agent", absl::StrCat("enrolled as ", agent_id_.substr(0, 12), " at site ",
                                options_.enrollment.site));
      state_ = AgentState::kAttesting;
    }

    StreamStats stats;
    const uint64_t remaining = options_.max_rounds == 0 ? 0 : options_.max_rounds - rounds_;
    absl::Status s = RunAttestationStream(*deps_.tpm, *deps_.attestation, agent_id_,
                                          deps_.source, &stats, remaining, deps_.spool);
    rounds_ += stats.acks;
    if (stats.selection) selection_ = *stats.selection;
    if (stats.acks > 0) last_quote_at_ = Now();
    if (stats.acks > 0) backoff_ = options_.min_backoff;  // the stream worked: start over
    if (options_.max_rounds > 0 && rounds_ >= options_.max_rounds) break;
    if (stats.refused == veu::v1::AGENT_UNKNOWN) {
      Log("agent", "the verifier does not know this agent any more: enrolling again");
      agent_id_.clear();
      state_ = AgentState::kUnenrolled;
      continue;
    }
    if (stats.refused == veu::v1::AGENT_REVOKED) {
      // Retrying cannot help until an operator allows the agent again; say so and stop.
      state_ = AgentState::kStopped;
      return absl::PermissionDeniedError(
          "the verifier has revoked this agent; an operator must allow it again "
          "(veuctl agent allow) before it can attest");
    }
    if (stats.refused == veu::v1::STREAM_REPLACED) {
      Log("agent", "another stream of this agent took over at the verifier (a second agent "
                   "process with the same TPM?)");
    }
    // No report acknowledged on this stream: no verifier answered. Keep quoting, offline.
    absl::Duration cap = absl::InfiniteDuration();
    if (deps_.spool != nullptr && stats.acks == 0) cap = QuoteOfflineIfDue();
    BackOff(s.ok() ? absl::UnavailableError("stream closed by the verifier")
                   : absl::Status(s.code(), absl::StrCat("stream ended: ", s.message())),
            cap);
    state_ = AgentState::kAttesting;
  }
  state_ = AgentState::kStopped;
  return absl::OkStatus();
}

}  // namespace veu::agent
