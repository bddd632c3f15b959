#include "verifier/service/attestation_service.h"

#include <deque>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto/random.h"
#include "common/log.h"
#include "common/proto_time.h"
#include "common/rpc/grpc_status.h"

namespace veu::verifier {

using veu::v1::AgentMessage;
using veu::v1::VerifierMessage;

// What the service counts; names are the /metrics interface.
struct AttestationService::StreamMetrics {
  explicit StreamMetrics(Metrics& m)
      : appraisals(m.AddCounter("veu_appraisals_total",
                                "Appraisals committed and acknowledged, by verdict", "verdict")),
        refusals(m.AddCounter("veu_stream_refusals_total",
                              "Attestation streams ended by the verifier, by reason", "reason")),
        appraisal_seconds(m.AddHistogram(
            "veu_appraisal_seconds", "Time to appraise one report (evidence in to commit queued)",
            {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1})
                              .With()),
        challenge_to_ack_seconds(m.AddHistogram(
            "veu_challenge_to_ack_seconds",
            "Time from a challenge sent to its result acknowledged (agent, appraisal, commit)",
            {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10})
                                     .With()) {}
  Family<Counter>& appraisals;
  Family<Counter>& refusals;
  Histogram& appraisal_seconds;
  Histogram& challenge_to_ack_seconds;
};

// One stream. Owns itself through self_ from creation until gRPC calls OnDone; timers and the
// committer hold weak pointers, so a late callback for a finished stream finds nothing to do.
//
// gRPC calls (StartRead/StartWrite/Finish) are made outside mu_: reactions may run on any
// thread, and a reaction must never wait for a lock held around a call that triggers it.
class StreamReactor final
    : public grpc::ServerBidiReactor<AgentMessage, VerifierMessage>,
      public std::enable_shared_from_this<StreamReactor> {
 public:
  StreamReactor(AttestationService* service, grpc::CallbackServerContext* ctx)
      : service_(service),
        peer_(ctx->peer()),
        session_(MakeDeps(service), MakeOptions(service->options_), peer_) {}

  // Called once, right after construction (shared_from_this needs a finished constructor).
  void Begin(bool refuse_busy, bool refuse_shutdown) {
    self_ = shared_from_this();
    Ops ops;
    {
      absl::MutexLock lock(&mu_);
      if (refuse_shutdown) {
        Apply(session_.Terminate(SessionEnd(absl::StatusCode::kUnavailable,
                                            veu::v1::VERIFIER_SHUTTING_DOWN,
                                            "the verifier is shutting down; reconnect later")),
              ops);
      } else if (refuse_busy) {
        Apply(session_.Terminate(SessionEnd(
                  absl::StatusCode::kResourceExhausted, veu::v1::VERIFIER_BUSY,
                  "too many streams have not proven an agent yet; retry with backoff")),
              ops);
      } else {
        Apply(session_.Start(), ops);
        ops.read = !ended_;
      }
    }
    Run(ops);
  }

  // Ends the stream from outside (replaced, shutdown).
  void Terminate(const absl::Status& why) {
    Ops ops;
    {
      absl::MutexLock lock(&mu_);
      Apply(session_.Terminate(why), ops);
    }
    Run(ops);
  }

  void OnReadDone(bool ok) override {
    Ops ops;
    std::optional<std::string> claimed;
    std::string claimed_site;
    {
      absl::MutexLock lock(&mu_);
      if (!ok) {
        Apply(session_.OnPeerGone(), ops);
      } else {
        const bool was_authenticated = session_.authenticated();
        const absl::Time start = absl::Now();
        SessionStep step = session_.OnMessage(in_);
        // Evidence is tens of KB; a stream waits most of its life between reports, so it must
        // not keep the last one's buffers (Clear() would keep their capacity).
        AgentMessage().Swap(&in_);
        if (step.commit.has_value() && service_->metrics_) {
          service_->metrics_->appraisal_seconds.ObserveDuration(absl::Now() - start);
        }
        if (!was_authenticated && session_.authenticated()) {
          claimed = session_.agent_id();
          claimed_site = session_.site();
        }
        Apply(std::move(step), ops);
        ops.read = !ended_;
      }
    }
    if (claimed) {
      service_->ClaimAgent(*claimed, shared_from_this(), claimed_site, peer_);
      service_->unauthenticated_.fetch_sub(1);
      counted_unauthenticated_ = false;
    }
    Run(ops);
  }

  void OnWriteDone(bool ok) override {
    Ops ops;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!outbox_.empty()) outbox_.pop_front();
      if (!ok) {
        // The peer is gone; nothing more can be written.
        outbox_.clear();
        Apply(session_.OnPeerGone(), ops);
      }
      NextWriteOrFinish(ops);
    }
    Run(ops);
  }

  void OnCancel() override {
    Ops ops;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      outbox_.clear();
      Apply(session_.OnPeerGone(), ops);
      NextWriteOrFinish(ops);
    }
    Run(ops);
  }

  void OnDone() override {
    std::string agent_id;
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      if (timer_ != 0) service_->timers_->Cancel(timer_);
      timer_ = 0;
      agent_id = session_.agent_id();
    }
    if (counted_unauthenticated_) service_->unauthenticated_.fetch_sub(1);
    if (!agent_id.empty()) service_->ReleaseAgent(agent_id, this);
    service_->Forget(this);
    service_->open_streams_.fetch_sub(1);
    self_.reset();  // may destroy this
  }

  void set_counted_unauthenticated() { counted_unauthenticated_ = true; }

 private:
  // gRPC calls decided under mu_, made after it is released.
  struct Ops {
    bool read = false;
    const VerifierMessage* write = nullptr;
    std::optional<grpc::Status> finish;
    std::optional<AppraisalCommit> commit;
  };

  static SessionDeps MakeDeps(AttestationService* service) {
    SessionDeps deps;
    deps.store = service->store_;
    deps.nonces = service->nonces_;
    deps.policy = &service->policy_;
    deps.clock = &service->clock_;
    deps.random = [](size_t n) { return crypto::RandomBytes(n); };
    deps.first_challenge_delay = [service] { return service->FirstChallengeDelay(); };
    deps.logs = &service->logs_;
    return deps;
  }
  static SessionOptions MakeOptions(const StreamOptions& o) {
    SessionOptions s;
    s.challenge_interval = o.challenge_interval;
    s.response_timeout = o.response_timeout;
    s.hello_timeout = o.hello_timeout;
    s.pcr_selection = o.pcr_selection;
    return s;
  }

  // Carries out a session step (under mu_): queue messages, arm the timer, note the commit,
  // and the end.
  void Apply(SessionStep step, Ops& ops) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (done_) return;
    for (VerifierMessage& m : step.send) {
      if (m.has_challenge()) challenge_sent_at_ = absl::Now();
      if (m.has_ack()) {
        if (service_->metrics_) {
          service_->metrics_->challenge_to_ack_seconds.ObserveDuration(absl::Now() -
                                                                        challenge_sent_at_);
          service_->metrics_->appraisals.With(veu::v1::Verdict_Name(m.ack().verdict()))
              .Increment();
        }
        if (service_->options_.on_commit) {
          service_->options_.on_commit(session_.last_committed(),
                                       session_.verdict_before_last_commit());
        }
      }
      if (m.has_error() && service_->metrics_) {
        service_->metrics_->refusals.With(veu::v1::ReasonCode_Name(m.error().reason()))
            .Increment();
      }
      if (!cancelled_) outbox_.push_back(std::move(m));
    }
    if (step.wake_at.has_value()) Arm(*step.wake_at);
    if (step.commit.has_value()) ops.commit = std::move(step.commit);
    if (step.end.has_value() && !ended_) {
      ended_ = true;
      end_status_ = ToGrpcStatus(*step.end);
    }
    NextWriteOrFinish(ops);
  }

  void NextWriteOrFinish(Ops& ops) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || done_) return;
    if (!writing_ && !outbox_.empty()) {
      writing_ = true;
      ops.write = &outbox_.front();
      return;
    }
    if (ended_ && !writing_ && outbox_.empty()) {
      finished_ = true;
      ops.finish = end_status_;
    }
  }

  void Arm(absl::Time when) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (timer_ != 0) service_->timers_->Cancel(timer_);
    timer_ = 0;
    if (when == absl::InfiniteFuture()) return;
    std::weak_ptr<StreamReactor> weak = weak_from_this();
    timer_ = service_->timers_->Schedule(when, [weak] {
      if (std::shared_ptr<StreamReactor> self = weak.lock()) self->OnTimer();
    });
  }

  void OnTimer() {
    Ops ops;
    {
      absl::MutexLock lock(&mu_);
      timer_ = 0;
      if (done_) return;
      SessionStep step = session_.OnTimer();
      // Challenges that were never answered leave their nonces behind: sweep now and then.
      if (!step.send.empty() && step.send[0].has_challenge()) service_->nonces_sweep();
      Apply(std::move(step), ops);
    }
    Run(ops);
  }

  void OnCommitted(const absl::Status& status) {
    Ops ops;
    {
      absl::MutexLock lock(&mu_);
      if (done_) return;
      Apply(session_.OnCommitted(status), ops);
    }
    Run(ops);
  }

  // Makes the gRPC calls and hands over the commit (outside mu_).
  void Run(Ops& ops) {
    if (ops.commit.has_value()) {
      std::weak_ptr<StreamReactor> weak = weak_from_this();
      service_->committer_->Submit(*std::move(ops.commit), [weak](const absl::Status& s) {
        if (std::shared_ptr<StreamReactor> self = weak.lock()) self->OnCommitted(s);
      });
    }
    if (ops.write != nullptr) StartWrite(ops.write);
    if (ops.read) StartRead(&in_);
    if (ops.finish.has_value()) Finish(*ops.finish);
  }

  AttestationService* const service_;
  const std::string peer_;
  std::shared_ptr<StreamReactor> self_;
  AgentMessage in_;  // owned by the one outstanding read
  bool counted_unauthenticated_ = false;
  absl::Mutex mu_;
  AttestationSession session_ ABSL_GUARDED_BY(mu_);
  std::deque<VerifierMessage> outbox_ ABSL_GUARDED_BY(mu_);  // front: the write in flight
  TimerQueue::Id timer_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time challenge_sent_at_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status end_status_ ABSL_GUARDED_BY(mu_);
};

AttestationService::AttestationService(Store* store, NonceBook* nonces, GroupCommitter* committer,
                                       TimerQueue* timers, Metrics* metrics,
                                       AppraisalPolicy policy, StreamOptions options)
    : store_(store), nonces_(nonces), committer_(committer), timers_(timers),
      policy_(std::move(policy)), options_(std::move(options)),
      metrics_(metrics ? std::make_unique<StreamMetrics>(*metrics) : nullptr) {
  if (metrics) {
    metrics->AddCallbackGauge("veu_connected_agents", "Attestation streams that proved an agent",
                              [this] { return open_streams_.load() - unauthenticated_.load(); });
    metrics->AddCallbackGauge("veu_open_streams", "Attestation streams open, proven or not",
                              [this] { return open_streams_.load(); });
  }
}

AttestationService::~AttestationService() = default;

grpc::ServerBidiReactor<AgentMessage, VerifierMessage>* AttestationService::Attest(
    grpc::CallbackServerContext* ctx) {
  open_streams_.fetch_add(1);
  auto reactor = std::make_shared<StreamReactor>(this, ctx);
  const bool busy = unauthenticated_.load() >= options_.max_unauthenticated_streams;
  const bool stopping = shutting_down_.load();
  if (!busy && !stopping) {
    unauthenticated_.fetch_add(1);
    reactor->set_counted_unauthenticated();
    absl::MutexLock lock(&mu_);
    open_.emplace(reactor.get(), reactor);
  }
  reactor->Begin(busy, stopping);
  return reactor.get();  // owned by itself until OnDone
}

void AttestationService::ClaimAgent(const std::string& agent_id,
                                    const std::shared_ptr<StreamReactor>& stream,
                                    const std::string& site, const std::string& peer) {
  std::shared_ptr<StreamReactor> older;
  {
    absl::MutexLock lock(&mu_);
    std::weak_ptr<StreamReactor>& slot = live_[agent_id];
    older = slot.lock();
    slot = stream;
  }
  if (!older || older == stream) return;
  older->Terminate(SessionEnd(absl::StatusCode::kAborted, veu::v1::STREAM_REPLACED,
                              "a newer stream of this agent proved itself; this one is closed"));
  veu::v1::Event event;
  event.set_kind(veu::v1::EVENT_SESSION_REPLACED);
  event.set_agent_id(agent_id);
  event.set_site(site);
  *event.mutable_at() = ToProtoTime(absl::Now());
  event.set_detail(absl::StrCat("a newer stream from ", LogField(peer),
                                " proved this agent; the older stream was closed"));
  if (absl::StatusOr<int64_t> id = store_->AppendEvent(event); !id.ok()) {
    Log("stream", absl::StrCat(agent_id.substr(0, 12), ": session replaced, event not stored: ",
                               id.status().ToString()));
  }
  Log("stream", absl::StrCat(agent_id.substr(0, 12), "@", site,
                             ": a newer stream replaced the older one"));
}

void AttestationService::EndAgentStream(const std::string& agent_id, const absl::Status& why) {
  std::shared_ptr<StreamReactor> stream;
  {
    absl::MutexLock lock(&mu_);
    auto it = live_.find(agent_id);
    if (it != live_.end()) stream = it->second.lock();
  }
  if (stream) stream->Terminate(why);
}

void AttestationService::ReleaseAgent(const std::string& agent_id, const StreamReactor* stream) {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(agent_id);
  if (it == live_.end()) return;
  std::shared_ptr<StreamReactor> current = it->second.lock();
  if (!current || current.get() == stream) live_.erase(it);
}

void AttestationService::Forget(const StreamReactor* stream) {
  absl::MutexLock lock(&mu_);
  open_.erase(stream);
}

void AttestationService::Shutdown() {
  shutting_down_.store(true);
  std::vector<std::shared_ptr<StreamReactor>> streams;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [ptr, weak] : open_) {
      if (std::shared_ptr<StreamReactor> s = weak.lock()) streams.push_back(std::move(s));
    }
  }
  for (const auto& s : streams) {
    s->Terminate(SessionEnd(absl::StatusCode::kUnavailable, veu::v1::VERIFIER_SHUTTING_DOWN,
                            "the verifier is shutting down; reconnect later"));
  }
}

absl::Duration AttestationService::FirstChallengeDelay() {
  if (options_.first_challenges_per_second <= 0) return absl::ZeroDuration();
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&pace_mu_);
  const absl::Time slot = std::max(now, next_first_challenge_);
  next_first_challenge_ = slot + absl::Seconds(1.0 / options_.first_challenges_per_second);
  return slot - now;
}

void AttestationService::nonces_sweep() {
  const int64_t now_unix = absl::ToUnixSeconds(absl::Now());
  int64_t last = last_expire_unix_.load();
  if (now_unix - last >= 10 && last_expire_unix_.compare_exchange_strong(last, now_unix)) {
    nonces_->Expire(absl::Now());
  }
}

}  // namespace veu::verifier
