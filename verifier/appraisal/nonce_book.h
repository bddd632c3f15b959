// NonceBook: the verifier's record of challenges it issued, so that every nonce is used at
// most once, only by the agent it was issued to, and only before its deadline.
//
// Pure bookkeeping: the caller passes the time. Thread-safe.
#ifndef VEU_VERIFIER_APPRAISAL_NONCE_BOOK_H_
#define VEU_VERIFIER_APPRAISAL_NONCE_BOOK_H_

#include <cstddef>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "veu/v1/reason.pb.h"

namespace veu::verifier {

class NonceBook {
 public:
  // At most `capacity` nonces are kept; issuing beyond that first drops used ones, then fails.
  // The caller drops expired ones with Expire() (the book reads no clock).
  explicit NonceBook(size_t capacity = 1 << 20) : capacity_(capacity) {}

  // Records `nonce` as issued to `agent_id`, usable until `deadline`. Returns false if the
  // nonce is already known (a collision of >= 32 random bytes means the RNG is broken) or the
  // book is full.
  bool Issue(const std::string& nonce, const std::string& agent_id, absl::Time deadline);

  // Consumes `nonce` for `agent_id` at `now`. Returns REASON_UNSPECIFIED if it was issued to
  // that agent, not used before and not expired; otherwise the reason (NONCE_UNKNOWN,
  // NONCE_REPLAYED, NONCE_EXPIRED, NONCE_WRONG_AGENT). Any outcome but NONCE_UNKNOWN and
  // NONCE_WRONG_AGENT marks the nonce used, so a nonce is never appraised twice.
  veu::v1::ReasonCode Consume(const std::string& nonce, const std::string& agent_id,
                              absl::Time now);

  // Forgets nonces whose deadline passed more than `grace` ago (used ones included: after
  // that a replay is reported as unknown, which is still a rejection).
  void Expire(absl::Time now, absl::Duration grace = absl::Minutes(10));

  size_t size() const;

 private:
  struct Entry {
    std::string agent_id;
    absl::Time deadline;
    bool used = false;
  };
  const size_t capacity_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_APPRAISAL_NONCE_BOOK_H_
