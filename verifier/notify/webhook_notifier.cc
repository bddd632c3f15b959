#include "verifier/notify/webhook_notifier.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "verifier/notify/http_post.h"
#include "verifier/notify/webhook_payload.h"
#include "verifier/notify/webhook_signature.h"

namespace veu::verifier::notify {

struct WebhookNotifier::Worker {
  ResolvedWebhook hook;
  std::unique_ptr<Subscription> subscription;
  std::thread thread;
  std::atomic<uint64_t> delivered{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> attempts{0};

  // Feed positions (> 0) of changes this webhook accepted and has not settled, in publish order.
  // The bus's filter adds them on the publishing thread, so a position is here before Publish
  // returns; Run removes them as it settles each change.
  mutable absl::Mutex progress_mu;
  std::deque<int64_t> unsettled ABSL_GUARDED_BY(progress_mu);

  void Accepted(int64_t position) {
    if (position <= 0) return;
    absl::MutexLock lock(&progress_mu);
    unsettled.push_back(position);
  }
  // `position` was taken from the queue: whatever came before it and is still listed was dropped
  // by the bus (lost to overflow, counted there), so it is settled too.
  void Taken(int64_t position) {
    if (position <= 0) return;
    absl::MutexLock lock(&progress_mu);
    while (!unsettled.empty() && unsettled.front() < position) unsettled.pop_front();
  }
  void Settled(int64_t position) {
    if (position <= 0) return;
    absl::MutexLock lock(&progress_mu);
    if (!unsettled.empty() && unsettled.front() == position) unsettled.pop_front();
  }
};

namespace {

constexpr char kComponent[] = "webhook";

// Names a change in logs: who changed, not what the body or headers held.
std::string Describe(const veu::v1::VerdictChange& change, const std::string& delivery_id) {
  return absl::StrCat("change of agent ", change.agent_id().substr(0, 16), " at site ",
                      change.site(), " (delivery ", delivery_id, ")");
}

}  // namespace

absl::StatusOr<std::unique_ptr<WebhookNotifier>> WebhookNotifier::Start(
    VerdictBus& bus, const google::protobuf::RepeatedPtrField<veu::v1::WebhookConfig>& configs,
    WebhookNotifierOptions options) {
  std::vector<ResolvedWebhook> hooks;
  for (int i = 0; i < configs.size(); ++i) {
    auto hook = ResolveWebhook(configs.Get(i));
    if (!hook.ok()) {
      return absl::Status(hook.status().code(), absl::StrCat("webhooks[", i, "]: ",
                                                             std::string(hook.status().message())));
    }
    hooks.push_back(*std::move(hook));
  }
  std::unique_ptr<WebhookNotifier> n(new WebhookNotifier(std::move(options)));
  for (auto& hook : hooks) {
    auto w = std::make_unique<Worker>();
    // The sites filter, and the position of each accepted change noted before Publish returns.
    w->subscription = bus.Subscribe(
        [raw = w.get(), sites = hook.sites](const veu::v1::VerdictChange& change) {
          if (!sites.empty() && !sites.contains(change.site())) return false;
          raw->Accepted(change.feed_position());
          return true;
        });
    w->hook = std::move(hook);
    n->workers_.push_back(std::move(w));
  }
  {
    absl::MutexLock lock(&n->mu_);
    n->running_ = n->workers_.size();
  }
  for (auto& w : n->workers_) {
    Worker* raw = w.get();
    w->thread = std::thread([n = n.get(), raw] { n->Run(*raw); });
  }
  return n;
}

WebhookNotifier::WebhookNotifier(WebhookNotifierOptions options) : options_(std::move(options)) {}

WebhookNotifier::~WebhookNotifier() { Shutdown(); }

void WebhookNotifier::Shutdown() {
  absl::MutexLock serial(&shutdown_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  // No new changes; workers drain what is queued, then see Next return false.
  for (auto& w : workers_) w->subscription->Close();
  {
    absl::MutexLock lock(&mu_);
    auto drained = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return running_ == 0; };
    mu_.AwaitWithTimeout(absl::Condition(&drained), options_.drain_timeout);
    // Past the drain time: backoff sleeps end, in-flight POSTs are cut, the rest is abandoned.
    aborting_ = true;
    abort_.store(true, std::memory_order_relaxed);
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void WebhookNotifier::Run(Worker& w) {
  veu::v1::VerdictChange change;
  uint64_t abandoned = 0;
  while (w.subscription->Next(&change, absl::InfiniteFuture())) {
    if (aborted()) {
      // Past the drain time: count what is left, send nothing. It stays unsettled, as does any
      // change abandoned before it (Deliver abandons only once aborted).
      ++abandoned;
      w.failed.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    w.Taken(change.feed_position());
    if (Deliver(w, change)) w.Settled(change.feed_position());
  }
  if (abandoned > 0) {
    Log(kComponent, absl::StrCat(w.hook.endpoint, ": ", abandoned,
                                 " queued change(s) abandoned at shutdown, never sent"));
  }
  absl::MutexLock lock(&mu_);
  --running_;
}

bool WebhookNotifier::SleepUnlessAborted(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  auto stop = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return aborting_; };
  return !mu_.AwaitWithTimeout(absl::Condition(&stop), d);
}

bool WebhookNotifier::Deliver(Worker& w, const veu::v1::VerdictChange& change) {
  const std::string& endpoint = w.hook.endpoint;
  // Given up for good (settled: a successor would fare no better) or abandoned at shutdown
  // (not settled: a successor sends it again).
  auto give_up = [&](const std::string& why) {
    w.failed.fetch_add(1, std::memory_order_relaxed);
    Log(kComponent, absl::StrCat(endpoint, ": ", why));
    return true;
  };
  auto abandon = [&](const std::string& why) {
    give_up(why);
    return false;
  };
  auto id = NewDeliveryId();
  if (!id.ok()) return give_up(absl::StrCat("no delivery id: ", id.status().ToString()));
  auto body = WebhookPayload(change, *id);
  if (!body.ok()) {
    return give_up(absl::StrCat(Describe(change, *id), " not sent: ", body.status().ToString()));
  }

  for (uint32_t attempt = 1;; ++attempt) {
    if (aborted()) {
      return abandon(absl::StrCat(Describe(change, *id), " abandoned at shutdown after ",
                                  attempt - 1, " attempt(s)"));
    }
    const int64_t ts = absl::ToUnixSeconds(absl::Now());
    const std::vector<std::string> headers = {
        "Content-Type: application/json",
        absl::StrCat("X-VEU-Delivery: ", *id),
        absl::StrCat("X-VEU-Timestamp: ", ts),
        absl::StrCat("X-VEU-Signature: ", WebhookSignature(w.hook.secret, ts, *body)),
    };
    w.attempts.fetch_add(1, std::memory_order_relaxed);
    auto response = HttpPost(w.hook.url, headers, *body, options_.attempt_timeout, &abort_,
                             w.hook.ca_file);

    std::string outcome;
    absl::Duration retry_after = absl::ZeroDuration();
    if (response.ok()) {
      const long status = response->status;  // NOLINT(runtime/int)
      if (status >= 200 && status < 300) {
        w.delivered.fetch_add(1, std::memory_order_relaxed);
        return true;
      }
      outcome = absl::StrCat("HTTP ", status);
      if (status != 429 && status < 500) {
        return give_up(absl::StrCat(Describe(change, *id), " refused with ", outcome,
                                    "; not retrying (only 429, 5xx and network errors are)"));
      }
      retry_after = response->retry_after;
    } else if (absl::IsCancelled(response.status())) {
      return abandon(absl::StrCat(Describe(change, *id), " abandoned at shutdown during attempt ",
                                  attempt));
    } else if (absl::IsInvalidArgument(response.status())) {
      return give_up(absl::StrCat(Describe(change, *id), " not sent: ",
                                  std::string(response.status().message())));
    } else {
      outcome = std::string(response.status().message());
    }

    if (attempt >= w.hook.max_attempts) {
      return give_up(absl::StrCat(Describe(change, *id), " gave up after ", attempt,
                                  " attempt(s); last: ", outcome));
    }
    absl::Duration delay = BackoffDelayWithRandomJitter(options_.backoff, attempt);
    delay = std::max(delay, std::min(retry_after, options_.backoff.cap));
    Log(kComponent, absl::StrCat(endpoint, ": ", Describe(change, *id), " attempt ", attempt, "/",
                                 w.hook.max_attempts, " failed (", outcome, "); retrying in ",
                                 absl::FormatDuration(delay)));
    if (!SleepUnlessAborted(delay)) {
      return abandon(absl::StrCat(Describe(change, *id), " abandoned at shutdown after ", attempt,
                                  " attempt(s)"));
    }
  }
}

std::optional<int64_t> WebhookNotifier::OldestUnsettled() const {
  std::optional<int64_t> oldest;
  for (const auto& w : workers_) {
    absl::MutexLock lock(&w->progress_mu);
    if (!w->unsettled.empty() && (!oldest || w->unsettled.front() < *oldest)) {
      oldest = w->unsettled.front();
    }
  }
  return oldest;
}

WebhookCounters WebhookNotifier::counters(size_t index) const {
  WebhookCounters c;
  if (index >= workers_.size()) return c;
  const Worker& w = *workers_[index];
  c.delivered = w.delivered.load(std::memory_order_relaxed);
  c.failed = w.failed.load(std::memory_order_relaxed);
  c.attempts = w.attempts.load(std::memory_order_relaxed);
  c.dropped = w.subscription->dropped();
  return c;
}

WebhookCounters WebhookNotifier::total() const {
  WebhookCounters sum;
  for (size_t i = 0; i < workers_.size(); ++i) {
    const WebhookCounters c = counters(i);
    sum.delivered += c.delivered;
    sum.failed += c.failed;
    sum.dropped += c.dropped;
    sum.attempts += c.attempts;
  }
  return sum;
}

}  // namespace veu::verifier::notify
