#include "verifier/service/verdict_changes.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "verifier/service/site_status.h"

namespace veu::verifier {

veu::v1::VerdictChange MakeVerdictChange(const veu::v1::Appraisal& appraisal,
                                         veu::v1::Verdict previous,
                                         const veu::v1::SiteStatus& status) {
  veu::v1::VerdictChange change;
  change.set_site(appraisal.site());
  change.set_organisation(status.site().organisation());
  change.set_country(status.site().country());
  change.set_agent_id(appraisal.agent_id());
  change.set_previous(previous);
  change.set_verdict(appraisal.verdict());
  change.set_site_verdict(status.verdict());
  *change.mutable_at() = appraisal.appraised_at();
  change.set_appraisal_id(appraisal.id());
  for (const auto& c : appraisal.checks()) {
    if (c.status() == veu::v1::CHECK_FAIL) change.add_failed(c.check());
  }
  return change;
}

absl::StatusOr<std::optional<veu::v1::VerdictChange>> VerdictChangeFor(
    Store& store, const veu::v1::Appraisal& appraisal, veu::v1::Verdict previous,
    absl::Time now, absl::Duration stale_after) {
  if (appraisal.verdict() == previous) return std::nullopt;
  ASSIGN_OR_RETURN(veu::v1::SiteStatus status,
                   ReadSiteStatus(store, appraisal.site(), now, stale_after));
  return MakeVerdictChange(appraisal, previous, status);
}

VerdictChangePublisher::VerdictChangePublisher(Store* store, absl::Duration stale_after,
                                               Publish publish)
    : store_(store), stale_after_(stale_after), publish_(std::move(publish)),
      thread_([this] { Run(); }) {}

VerdictChangePublisher::~VerdictChangePublisher() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void VerdictChangePublisher::Submit(const veu::v1::Appraisal& appraisal,
                                    veu::v1::Verdict previous) {
  if (appraisal.verdict() == previous) return;
  absl::MutexLock lock(&mu_);
  queue_.push_back(Pending{appraisal, previous});
}

void VerdictChangePublisher::Run() {
  while (true) {
    std::deque<Pending> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](VerdictChangePublisher* p) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return p->stopping_ || !p->queue_.empty();
          },
          this));
      if (queue_.empty()) return;
      batch.swap(queue_);
    }
    // One site status per site in the batch, read after all of the batch committed.
    std::map<std::string, absl::StatusOr<veu::v1::SiteStatus>> status;
    for (const Pending& p : batch) {
      auto [it, fresh] = status.try_emplace(p.appraisal.site(), absl::UnknownError(""));
      if (fresh) it->second = ReadSiteStatus(*store_, p.appraisal.site(), absl::Now(), stale_after_);
    }
    for (const Pending& p : batch) {
      const absl::StatusOr<veu::v1::SiteStatus>& s = status.at(p.appraisal.site());
      if (!s.ok()) {
        Log("notify", absl::StrCat("verdict change not published: ", s.status().ToString()));
        continue;
      }
      publish_(MakeVerdictChange(p.appraisal, p.previous, *s));
    }
  }
}

}  // namespace veu::verifier
