// The load generator's simulated peers: SimAgent, one agent's attestation stream for the whole
// run (hello, then the agent's own evidence for each challenge), and SilentStream, an abusive
// peer that opens a stream and never speaks. Both are gRPC callback reactors; Stats gathers what
// every agent's callbacks saw. Used by loadgen.cc.
#ifndef VEU_DEPLOY_LOADTEST_SIM_AGENT_H_
#define VEU_DEPLOY_LOADTEST_SIM_AGENT_H_

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/attestation_client.h"
#include "agent/tpm/software_tpm.h"
#include "veu/v1/attestation.grpc.pb.h"

namespace veu::loadgen {

using veu::v1::AgentMessage;
using veu::v1::VerifierMessage;

// Figures gathered by every agent's callbacks.
struct Stats {
  std::mutex mu;
  // Challenge received -> ack received: each agent's first report (its whole event log, the
  // fleet arriving at once) apart from the steady state after it.
  std::vector<float> latencies_ms;
  std::vector<float> first_latencies_ms;
  std::map<std::string, uint64_t> errors;
  std::vector<std::string> acked_ids;
  std::atomic<uint64_t> acked{0};
  // With several verifiers (replicas): streams a verifier dropped (it died, restarted or shut
  // down) that the agent took to the next one, and the longest time any agent went between two
  // acknowledged reports (the failover gap, interval included).
  std::atomic<uint64_t> failovers{0};
  float max_gap_ms = 0;  // under mu

  void Error(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    ++errors[what];
  }
};

// One simulated agent's stream, for the whole run: hello, then evidence for each challenge.
// Given several stubs (connections to verifier replicas), an agent whose verifier drops the
// stream moves to the next stub, as a real agent behind a load balancer would reconnect; the
// caller restarts it (NeedsRestart/Restart) off the gRPC callback thread.
class SimAgent final : public grpc::ClientBidiReactor<AgentMessage, VerifierMessage> {
 public:
  SimAgent(agent::SoftwareTpm* tpm, std::string agent_id, agent::ReportSource source,
           std::vector<veu::v1::Attestation::Stub*> stubs, size_t first, bool failover,
           Stats* stats)
      : tpm_(tpm), agent_id_(std::move(agent_id)), source_(std::move(source)),
        stubs_(std::move(stubs)), next_(first % stubs_.size()), failover_(failover),
        stats_(stats) {}

  // When the last report was acknowledged (InfinitePast before the first).
  absl::Time last_ack() {
    std::lock_guard<std::mutex> lock(mu_);
    return acks_ == 0 ? absl::InfinitePast() : last_ack_;
  }

  // True once a failed-over stream has ended and waits to be started on the next verifier.
  bool NeedsRestart() {
    std::lock_guard<std::mutex> lock(mu_);
    return restart_pending_ && !running_ && !stopping_;
  }
  void Restart() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!restart_pending_ || running_ || stopping_) return;
    restart_pending_ = false;
    next_ = (next_ + 1) % stubs_.size();
    StartLocked();
  }

  void Start() {
    std::lock_guard<std::mutex> lock(mu_);
    StartLocked();
  }

  // Ends the stream once no result is pending (an unacknowledged report gets `grace`).
  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (!awaiting_ack_ && ctx_) ctx_->TryCancel();
  }
  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (ctx_) ctx_->TryCancel();
  }
  void WaitDone() {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return !running_; });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!outbox_.empty()) outbox_.erase(outbox_.begin());
    if (ok && !outbox_.empty()) {
      writing_ = true;
      StartWrite(&outbox_.front());
    }
  }

  void OnReadDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ok) return;  // OnDone follows
    if (in_.has_challenge()) {
      challenge_at_ = absl::Now();
      absl::StatusOr<veu::v1::Evidence> evidence =
          agent::AnswerChallenge(*tpm_, in_.challenge(), source_, last_log_sent_);
      if (!evidence.ok()) {
        stats_->Error(absl::StrCat("loadgen:", evidence.status().message()));
        ctx_->TryCancel();
        return;
      }
      AgentMessage out;
      *out.mutable_evidence() = *std::move(evidence);
      Send(std::move(out));
      awaiting_ack_ = true;
    } else if (in_.has_ack()) {
      awaiting_ack_ = false;
      const absl::Time now = absl::Now();
      const float ms = static_cast<float>(absl::ToDoubleMilliseconds(now - challenge_at_));
      {
        std::lock_guard<std::mutex> s(stats_->mu);
        (acks_++ == 0 ? stats_->first_latencies_ms : stats_->latencies_ms).push_back(ms);
        stats_->acked_ids.push_back(in_.ack().appraisal_id());
        if (acks_ > 1) {
          stats_->max_gap_ms = std::max(
              stats_->max_gap_ms, static_cast<float>(absl::ToDoubleMilliseconds(now - last_ack_)));
        }
      }
      last_ack_ = now;
      stats_->acked.fetch_add(1);
      if (stopping_) {
        ctx_->TryCancel();
        return;
      }
    } else if (in_.has_error()) {
      refused_ = veu::v1::ReasonCode_Name(in_.error().reason());
    }
    StartRead(&in_);
  }

  void OnDone(const grpc::Status& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    // A stream that ends before the run does is an error, with the verifier's reason when it
    // gave one; the agent does not come back (the run's figures must not hide it).
    const bool by_us = stopping_ && status.error_code() == grpc::StatusCode::CANCELLED;
    // A verifier that went away (killed, restarting, shutting down, or its database down) is
    // what replicas exist for: the agent moves on. A refusal of the agent itself is an error.
    // DEADLINE_EXCEEDED: the network held the answer past the challenge's deadline (a
    // partition); the agent reconnects, as the real one does.
    const bool verifier_gone =
        refused_.empty() || refused_ == "VERIFIER_UNAVAILABLE" ||
        refused_ == "VERIFIER_SHUTTING_DOWN" || refused_ == "VERIFIER_BUSY" ||
        refused_ == "DEADLINE_EXCEEDED";
    if (!by_us && failover_ && !stopping_ && verifier_gone) {
      stats_->failovers.fetch_add(1);
      restart_pending_ = true;
    } else if (!by_us) {
      stats_->Error(refused_.empty() ? absl::StrCat("grpc:", status.error_code())
                                     : absl::StrCat("reason:", refused_));
    }
    running_ = false;
    done_cv_.notify_all();
  }

 private:
  void StartLocked() {
    ctx_ = std::make_unique<grpc::ClientContext>();
    outbox_.clear();
    writing_ = false;
    awaiting_ack_ = false;
    refused_.clear();
    last_log_sent_.clear();
    running_ = true;
    stubs_[next_]->async()->Attest(ctx_.get(), this);
    AgentMessage hello;
    hello.mutable_hello()->set_agent_id(agent_id_);
    hello.mutable_hello()->set_agent_version("veu-loadgen 0.1.0");
    Send(std::move(hello));
    StartRead(&in_);
    StartCall();
  }
  void Send(AgentMessage m) {
    outbox_.push_back(std::move(m));
    if (!writing_) {
      writing_ = true;
      StartWrite(&outbox_.front());
    }
  }

  agent::SoftwareTpm* const tpm_;
  const std::string agent_id_;
  const agent::ReportSource source_;
  const std::vector<veu::v1::Attestation::Stub*> stubs_;
  size_t next_;  // the stub in use
  const bool failover_;
  Stats* const stats_;
  std::mutex mu_;
  std::condition_variable done_cv_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  VerifierMessage in_;
  std::vector<AgentMessage> outbox_;  // front: the write in flight (vector: few entries)
  bool writing_ = false;
  bool awaiting_ack_ = false;
  bool stopping_ = false;
  bool running_ = false;
  std::string refused_;
  std::string last_log_sent_;
  absl::Time challenge_at_;
  absl::Time last_ack_;
  uint64_t acks_ = 0;
  bool restart_pending_ = false;
};

// A peer that opens a stream and never speaks (abuse): the verifier must cut it at the hello
// deadline without it costing the real agents anything. Reopens itself until stopped.
class SilentStream final : public grpc::ClientBidiReactor<AgentMessage, VerifierMessage> {
 public:
  explicit SilentStream(veu::v1::Attestation::Stub* stub) : stub_(stub) {}
  void Start() {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = true;
    stub_->async()->Attest(&ctx_, this);
    StartRead(&in_);
    StartCall();
  }
  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    ctx_.TryCancel();
  }
  void WaitDone() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !running_; });
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    ++cut_;  // the verifier's StreamError saying why
    StartRead(&in_);
  }
  void OnDone(const grpc::Status&) override {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = false;
    cv_.notify_all();
  }
  int cut() const { return cut_; }

 private:
  veu::v1::Attestation::Stub* const stub_;
  grpc::ClientContext ctx_;
  VerifierMessage in_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;
  std::atomic<int> cut_{0};
};

}  // namespace veu::loadgen

#endif  // VEU_DEPLOY_LOADTEST_SIM_AGENT_H_
