#include "verifier/service/leader_lease.h"

#include <unistd.h>

#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log.h"

namespace veu::verifier {

LeaderLease::LeaderLease(LeaseStore* store, std::string name, std::string holder, Options options)
    : store_(store), name_(std::move(name)), holder_(std::move(holder)), options_(options) {
  if (store_ == nullptr) return;
  Renew();  // so that a replica that can take the lease holds it as soon as it is constructed
  thread_ = std::thread([this] { Run(); });
}

LeaderLease::~LeaderLease() { Stop(); }

std::string LeaderLease::HolderId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::random_device random;
  return absl::StrFormat("%s:%d:%08x", host, getpid(), random());
}

bool LeaderLease::held() const {
  if (store_ == nullptr) return true;
  absl::MutexLock lock(&mu_);
  return std::chrono::steady_clock::now() < held_until_;
}

void LeaderLease::Renew() {
  const auto asked = std::chrono::steady_clock::now();
  absl::StatusOr<bool> granted = store_->HoldLease(name_, holder_, options_.ttl);
  {
    absl::MutexLock lock(&mu_);
    if (granted.ok() && *granted) {
      held_until_ = asked + absl::ToChronoMilliseconds(options_.ttl);
    } else if (granted.ok()) {
      held_until_ = {};  // another replica holds it
    }  // unreachable store: keep the last grant until it runs out by itself
  }
  const bool now_held = held();
  if (now_held != was_held_) {
    Log("verifier", now_held ? absl::StrCat("took lease '", name_, "' (", holder_,
                                            "): this replica runs the cluster duties")
                             : absl::StrCat("lease '", name_, "' is no longer held by ", holder_,
                                            granted.ok() ? "" : ": ",
                                            granted.ok() ? "" : granted.status().message()));
    was_held_ = now_held;
  }
}

void LeaderLease::Run() {
  while (!stop_.WaitForNotificationWithTimeout(options_.renew_every)) Renew();
}

void LeaderLease::Stop() {
  if (store_ == nullptr) return;
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (!thread_.joinable()) return;
  thread_.join();
  if (held()) {
    {
      absl::MutexLock lock(&mu_);
      held_until_ = {};
    }
    store_->ReleaseLease(name_, holder_).IgnoreError();
  }
}

}  // namespace veu::verifier
