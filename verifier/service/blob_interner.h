// BlobInterner: one copy in memory of each distinct byte string that many sessions hold at once.
// Every session keeps the last event log it accepted (for reports that say "unchanged"); a fleet
// booted from the same firmware sends the same few logs, so 100,000 sessions share a handful of
// copies instead of holding ~40 KB each. Entries live while some session holds them.
// Thread-safe.
#ifndef VEU_VERIFIER_SERVICE_BLOB_INTERNER_H_
#define VEU_VERIFIER_SERVICE_BLOB_INTERNER_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace veu::verifier {

class BlobInterner {
 public:
  // The shared copy of `bytes` (made from it if there is none yet).
  std::shared_ptr<const std::string> Intern(std::string bytes);
  // Distinct strings held (for tests and metrics).
  size_t size() const;

 private:
  mutable absl::Mutex mu_;
  // Keyed by SHA-256 of the bytes; weak, so a string goes when its last holder lets go.
  absl::flat_hash_map<std::string, std::weak_ptr<const std::string>> blobs_ ABSL_GUARDED_BY(mu_);
  size_t interned_since_prune_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_BLOB_INTERNER_H_
