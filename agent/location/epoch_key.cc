#include "agent/location/epoch_key.h"

namespace veu::agent {

absl::StatusOr<std::unique_ptr<EpochKeyring>> EpochKeyring::Create(std::string responder_address,
                                                                   uint64_t first_epoch) {
  absl::StatusOr<location::Ed25519Key> key = location::Ed25519Key::Generate();
  if (!key.ok()) return key.status();
  auto first = std::make_shared<const EpochKey>(EpochKey{first_epoch, *std::move(key)});
  return std::unique_ptr<EpochKeyring>(new EpochKeyring(std::move(first), std::move(responder_address)));
}

std::shared_ptr<const EpochKey> EpochKeyring::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

absl::Status EpochKeyring::Rotate() {
  absl::StatusOr<location::Ed25519Key> key = location::Ed25519Key::Generate();
  if (!key.ok()) return key.status();
  absl::MutexLock lock(&mu_);
  current_ = std::make_shared<const EpochKey>(EpochKey{current_->epoch + 1, *std::move(key)});
  return absl::OkStatus();
}

veu::v1::LocationKey EpochKeyring::FactsEntry() const {
  absl::MutexLock lock(&mu_);
  veu::v1::LocationKey out;
  out.set_ed25519_public(current_->key.public_raw());
  out.set_epoch(current_->epoch);
  out.set_responder_address(address_);
  return out;
}

void EpochKeyring::set_responder_address(std::string address) {
  absl::MutexLock lock(&mu_);
  address_ = std::move(address);
}

}  // namespace veu::agent
