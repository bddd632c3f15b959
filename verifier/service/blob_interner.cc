#include "verifier/service/blob_interner.h"

#include "absl/container/flat_hash_set.h"
#include "common/crypto/digest.h"

namespace veu::verifier {

std::shared_ptr<const std::string> BlobInterner::Intern(std::string bytes) {
  const std::string key = crypto::Sha256(bytes);
  absl::MutexLock lock(&mu_);
  std::weak_ptr<const std::string>& slot = blobs_[key];
  if (std::shared_ptr<const std::string> held = slot.lock()) return held;
  auto fresh = std::make_shared<const std::string>(std::move(bytes));
  slot = fresh;
  // Forget strings nobody holds any more, now and then (amortised O(1) per call).
  if (++interned_since_prune_ >= 1024) {
    interned_since_prune_ = 0;
    absl::erase_if(blobs_, [](const auto& entry) { return entry.second.expired(); });
  }
  return fresh;
}

size_t BlobInterner::size() const {
  absl::MutexLock lock(&mu_);
  size_t live = 0;
  for (const auto& [key, weak] : blobs_) live += weak.expired() ? 0 : 1;
  return live;
}

}  // namespace veu::verifier
