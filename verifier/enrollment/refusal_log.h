// Refusals of unauthenticated requests, rate-limited and aggregated per peer (issue 17): a peer
// that floods the enrolment port must not write a row per request. The first refusal of a peer
// (with a given reason) in a window is appended as an event at once; later ones in the same
// window are only counted, and once the window has passed they are appended as one event whose
// `count` says how many it stands for (detail: the last refusal's). Counts are written when the
// same peer is refused again after the window, by a sweep of expired windows at most once a
// second on any refusal, and by Flush() (call it at shutdown). Memory is bounded: beyond
// kMaxPeers distinct peers, further peers share one bucket named "other peers".
// Thread-safe.
#ifndef VEU_VERIFIER_ENROLLMENT_REFUSAL_LOG_H_
#define VEU_VERIFIER_ENROLLMENT_REFUSAL_LOG_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "verifier/store/store.h"
#include "veu/v1/records.pb.h"

namespace veu::verifier {

// The host part of a gRPC peer string ("ipv4:10.0.0.7:51234" -> "ipv4:10.0.0.7",
// "ipv6:[::1]:5000" -> "ipv6:[::1]"): connections from one host share a key whatever their port.
std::string PeerHost(std::string_view grpc_peer);

class RefusalLog {
 public:
  static constexpr size_t kMaxPeers = 4096;
  static constexpr char kOtherPeers[] = "other peers";
  using Clock = std::function<absl::Time()>;

  RefusalLog(Store* store, Clock clock, absl::Duration window = absl::Minutes(1));
  ~RefusalLog();  // flushes

  // Records the refusal `event` (its `at` is set from the clock) of a request from `peer`.
  // Store errors are swallowed: losing the audit row must not turn a refusal into something
  // else; the row is then missing, never the refusal. Returns true if the refusal was appended
  // as a row of its own now (the first of its window): callers log only those, so a flood
  // cannot fill the log either.
  bool Record(std::string_view peer, veu::v1::Event event);
  // Appends every counted, not yet written refusal now.
  void Flush();

 private:
  struct Window {
    std::string peer;           // as named in summary rows
    absl::Time start;
    uint64_t unwritten = 0;     // refusals counted since the window's first, not yet appended
    veu::v1::Event last;        // the latest of them
  };
  void WriteCountLocked(Window& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SweepLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store* const store_;
  const Clock clock_;
  const absl::Duration window_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Window> windows_ ABSL_GUARDED_BY(mu_);
  absl::Time last_sweep_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_ENROLLMENT_REFUSAL_LOG_H_
