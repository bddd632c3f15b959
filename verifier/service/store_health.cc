#include "verifier/service/store_health.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace veu::verifier {

StoreHealth::StoreHealth(Check check, OnChange on_change, Options options)
    : check_(std::move(check)), on_change_(std::move(on_change)), options_(std::move(options)) {
  absl::MutexLock lock(&mu_);
  last_answer_ = options_.now();
}

StoreHealth::~StoreHealth() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void StoreHealth::Set(bool serving, const std::string& reason) {
  absl::MutexLock order(&change_mu_);
  {
    absl::MutexLock lock(&mu_);
    last_answer_ = options_.now();
    if (serving_ == serving && reason_ == reason) return;
    const bool changed = serving_ != serving;
    serving_ = serving;
    reason_ = reason;
    if (!changed) return;
  }
  if (on_change_) on_change_(serving, reason);
}

void StoreHealth::OnGroupCommitted(size_t size, size_t failed) {
  if (size == 0) return;
  if (failed < size) {
    Set(true, "");
  } else {
    Set(false, absl::StrCat("the last group of ", size, " appraisals failed to commit"));
  }
}

void StoreHealth::Tick() {
  {
    absl::MutexLock lock(&mu_);
    if (options_.now() - last_answer_ < options_.probe_after) return;
  }
  const absl::Status writable = check_();
  if (writable.ok()) {
    Set(true, "");
  } else {
    Set(false, std::string(writable.message()));
  }
}

void StoreHealth::StartProbing(absl::Duration period) {
  thread_ = std::thread([this, period] {
    absl::MutexLock lock(&mu_);
    while (!stopping_) {
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), period);
      if (stopping_) break;
      mu_.Unlock();
      Tick();
      mu_.Lock();
    }
  });
}

bool StoreHealth::serving() const {
  absl::MutexLock lock(&mu_);
  return serving_;
}

std::string StoreHealth::reason() const {
  absl::MutexLock lock(&mu_);
  return reason_;
}

}  // namespace veu::verifier
