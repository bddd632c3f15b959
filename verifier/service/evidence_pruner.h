// EvidencePruner: keeps the raw evidence the store holds within the configured retention
// (store.h: EvidenceRetention). Every `interval` it asks the store to drop what is beyond it,
// in batches so no transaction holds the database long, and logs what went; the store records
// each drop as an EVENT_EVIDENCE_DROPPED event. With replicas only the cluster-duty holder
// prunes (`active`). Store errors are logged and retried at the next tick.
#ifndef VEU_VERIFIER_SERVICE_EVIDENCE_PRUNER_H_
#define VEU_VERIFIER_SERVICE_EVIDENCE_PRUNER_H_

#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "verifier/store/store.h"

namespace veu::verifier {

class EvidencePruner {
 public:
  static constexpr uint32_t kBatch = 5000;  // appraisals per transaction

  // Starts the thread; the first prune runs after `interval`. `active` null: always.
  EvidencePruner(Store* store, EvidenceRetention retention, absl::Duration interval,
                 std::function<bool()> active = nullptr);
  ~EvidencePruner();
  void Stop();

  // One pass now, on the caller's thread: batches until the store drops fewer than kBatch, or
  // `max_batches` ran. What it dropped in all.
  absl::StatusOr<EvidenceDropped> PruneOnce(int max_batches = 1000);

 private:
  void Run();

  Store* const store_;
  const EvidenceRetention retention_;
  const absl::Duration interval_;
  const std::function<bool()> active_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_EVIDENCE_PRUNER_H_
