#include "verifier/service/evidence_pruner.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"

namespace veu::verifier {

EvidencePruner::EvidencePruner(Store* store, EvidenceRetention retention, absl::Duration interval,
                               std::function<bool()> active)
    : store_(store), retention_(retention), interval_(interval), active_(std::move(active)) {
  if (retention_.any()) thread_ = std::thread([this] { Run(); });
}

EvidencePruner::~EvidencePruner() { Stop(); }

void EvidencePruner::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<EvidenceDropped> EvidencePruner::PruneOnce(int max_batches) {
  EvidenceDropped total;
  for (int batch = 0; batch < max_batches && !stop_.HasBeenNotified(); ++batch) {
    absl::StatusOr<EvidenceDropped> dropped =
        store_->DropEvidence(retention_, absl::Now(), kBatch);
    if (!dropped.ok()) return dropped.status();
    total.appraisals += dropped->appraisals;
    total.bytes += dropped->bytes;
    total.agents += dropped->agents;  // an agent spanning two batches counts twice
    if (dropped->appraisals < kBatch) break;
  }
  return total;
}

void EvidencePruner::Run() {
  while (!stop_.WaitForNotificationWithTimeout(interval_)) {
    if (active_ && !active_()) continue;
    absl::StatusOr<EvidenceDropped> dropped = PruneOnce();
    if (!dropped.ok()) {
      Log("retention", absl::StrCat("dropping raw evidence beyond the retention failed (retried "
                                    "next time): ",
                                    dropped.status().ToString()));
    } else if (dropped->appraisals > 0) {
      Log("retention", absl::StrCat("dropped the raw evidence of ", dropped->appraisals,
                                    " appraisal(s), ", dropped->bytes,
                                    " bytes; their results and log leaves are kept"));
    }
  }
}

}  // namespace veu::verifier
