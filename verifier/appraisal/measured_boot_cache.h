// MeasuredBootCache: AppraiseMeasuredBoot is a pure function of (log bytes, quoted PCR values,
// reference values), and a fleet sends the same few inputs over and over — every report of a
// node whose log is unchanged, and every node booted from the same firmware. Parsing the log,
// decoding every Secure Boot database entry and extracting the facts cost milliseconds per
// report; a hit costs a hash and a copy of the (entry-less) facts. Bounded (least recently used out), thread-safe.
#ifndef VEU_VERIFIER_APPRAISAL_MEASURED_BOOT_CACHE_H_
#define VEU_VERIFIER_APPRAISAL_MEASURED_BOOT_CACHE_H_

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "verifier/appraisal/measured_boot.h"

namespace veu::verifier {

class MeasuredBootCache {
 public:
  explicit MeasuredBootCache(size_t capacity) : capacity_(capacity) {}

  // The result AppraiseMeasuredBoot(log, verified_pcrs, refs) gives, with the Secure Boot
  // variables' entry lists left out of the facts (their digests and entry counts stay; the
  // checks against reference values ran over the full lists).
  MeasuredBootResult Appraise(const std::string& log,
                              const std::vector<veu::v1::PcrValue>& verified_pcrs,
                              const veu::v1::ReferenceValues& refs);

  size_t hits() const;
  size_t misses() const;

  // The process's cache, shared by every appraisal (capacity 256 distinct inputs).
  static MeasuredBootCache& Shared();

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const MeasuredBootResult>>;
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::list<Entry> lru_ ABSL_GUARDED_BY(mu_);  // front: most recently used
  absl::flat_hash_map<std::string, std::list<Entry>::iterator> index_ ABSL_GUARDED_BY(mu_);
  size_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  size_t misses_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_APPRAISAL_MEASURED_BOOT_CACHE_H_
