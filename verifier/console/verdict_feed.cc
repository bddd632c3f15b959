#include "verifier/console/verdict_feed.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace veu::console {

std::string FormatSseEvent(uint64_t id, absl::string_view event, absl::string_view data) {
  std::string out = absl::StrCat("id: ", id, "\nevent: ", event, "\n");
  for (absl::string_view line : absl::StrSplit(data, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    absl::StrAppend(&out, "data: ", line, "\n");
  }
  out += "\n";
  return out;
}

void VerdictFeed::Publish(std::string json) {
  absl::MutexLock lock(&mu_);
  items_.push_back(Item{++last_seq_, std::move(json)});
  while (items_.size() > capacity_) items_.pop_front();
}

void VerdictFeed::SetConnected(bool connected, std::string reason) {
  absl::MutexLock lock(&mu_);
  connected_ = connected;
  reason_ = std::move(reason);
}

bool VerdictFeed::connected(std::string* reason) const {
  absl::MutexLock lock(&mu_);
  if (reason != nullptr) *reason = reason_;
  return connected_;
}

std::vector<VerdictFeed::Item> VerdictFeed::WaitAfter(uint64_t after,
                                                      absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto ready = [this, after]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || last_seq_ > after;
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  std::vector<Item> out;
  if (closed_) return out;
  for (const Item& item : items_) {
    if (item.seq > after) out.push_back(item);
  }
  return out;
}

uint64_t VerdictFeed::last_seq() const {
  absl::MutexLock lock(&mu_);
  return last_seq_;
}

void VerdictFeed::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

}  // namespace veu::console
