#include "verifier/service/stale_sweeper.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/proto_time.h"
#include "verifier/service/site_status.h"

namespace veu::verifier {

std::optional<veu::v1::VerdictChange> StaleTransition(veu::v1::Verdict before,
                                                      const veu::v1::SiteStatus& now,
                                                      absl::Time at) {
  if (now.verdict() == before) return std::nullopt;
  if (now.verdict() != veu::v1::VERDICT_STALE && before != veu::v1::VERDICT_STALE) {
    return std::nullopt;
  }
  veu::v1::VerdictChange change;
  change.set_site(now.site().name());
  change.set_organisation(now.site().organisation());
  change.set_country(now.site().country());
  change.set_previous(before);
  change.set_verdict(now.verdict());
  change.set_site_verdict(now.verdict());
  *change.mutable_at() = ToProtoTime(at);
  for (const auto& node : now.agents()) {
    if (node.stale()) change.add_failed(absl::StrCat("stale:", node.agent().agent_id()));
  }
  return change;
}

StaleSweeper::StaleSweeper(Store* store, absl::Duration stale_after, absl::Duration interval,
                           Publish publish, std::function<bool()> active)
    : store_(store),
      stale_after_(stale_after),
      interval_(interval),
      publish_(std::move(publish)),
      active_(std::move(active)) {
  thread_ = std::thread([this] { Run(); });
}

StaleSweeper::~StaleSweeper() { Stop(); }

void StaleSweeper::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void StaleSweeper::Run() {
  Sweep(/*publish=*/false);
  while (!stop_.WaitForNotificationWithTimeout(interval_)) {
    Sweep(/*publish=*/!active_ || active_());
  }
}

void StaleSweeper::Sweep(bool publish) {
  absl::StatusOr<std::vector<veu::v1::Site>> sites = store_->ListSites();
  if (!sites.ok()) {
    Log("notify", absl::StrCat("stale sweep: ", sites.status().ToString()));
    return;
  }
  const absl::Time now = absl::Now();
  for (const auto& site : *sites) {
    absl::StatusOr<veu::v1::SiteStatus> status =
        ReadSiteStatus(*store_, site.name(), now, stale_after_);
    if (!status.ok()) {
      Log("notify", absl::StrCat("stale sweep of ", site.name(), ": ", status.status().ToString()));
      continue;
    }
    auto it = last_.find(site.name());
    if (publish && it != last_.end()) {
      if (std::optional<veu::v1::VerdictChange> change =
              StaleTransition(it->second, *status, now)) {
        Log("notify", absl::StrCat("site ", site.name(), " ",
                                   veu::v1::Verdict_Name(change->previous()), " -> ",
                                   veu::v1::Verdict_Name(change->verdict())));
        publish_(*change);
      }
    }
    last_[site.name()] = status->verdict();
  }
}

}  // namespace veu::verifier
