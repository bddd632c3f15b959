#include "verifier/appraisal/nonce_book.h"

namespace veu::verifier {

using veu::v1::ReasonCode;

bool NonceBook::Issue(const std::string& nonce, const std::string& agent_id,
                      absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  if (entries_.size() >= capacity_) {
    absl::erase_if(entries_, [&](const auto& kv) { return kv.second.used; });
  }
  if (entries_.size() >= capacity_) return false;
  return entries_.emplace(nonce, Entry{agent_id, deadline, false}).second;
}

ReasonCode NonceBook::Consume(const std::string& nonce, const std::string& agent_id,
                              absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(nonce);
  if (it == entries_.end()) return veu::v1::NONCE_UNKNOWN;
  Entry& entry = it->second;
  // An agent presenting another agent's nonce must not burn it for its rightful owner.
  if (entry.agent_id != agent_id) return veu::v1::NONCE_WRONG_AGENT;
  if (entry.used) return veu::v1::NONCE_REPLAYED;
  entry.used = true;
  if (now > entry.deadline) return veu::v1::NONCE_EXPIRED;
  return veu::v1::REASON_UNSPECIFIED;
}

void NonceBook::Expire(absl::Time now, absl::Duration grace) {
  absl::MutexLock lock(&mu_);
  absl::erase_if(entries_, [&](const auto& kv) { return kv.second.deadline + grace < now; });
}

size_t NonceBook::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace veu::verifier
