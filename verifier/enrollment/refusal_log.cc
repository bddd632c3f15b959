#include "verifier/enrollment/refusal_log.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"

namespace veu::verifier {

std::string PeerHost(std::string_view grpc_peer) {
  // "unix:/path" and anything without a port stay whole.
  if (grpc_peer.rfind("ipv4:", 0) != 0 && grpc_peer.rfind("ipv6:", 0) != 0) {
    return std::string(grpc_peer);
  }
  const size_t colon = grpc_peer.rfind(':');
  const size_t bracket = grpc_peer.rfind(']');
  if (colon == std::string_view::npos || colon < 5 ||
      (bracket != std::string_view::npos && colon < bracket)) {
    return std::string(grpc_peer);
  }
  return std::string(grpc_peer.substr(0, colon));
}

RefusalLog::RefusalLog(Store* store, Clock clock, absl::Duration window)
    : store_(store), clock_(std::move(clock)), window_(window) {}

RefusalLog::~RefusalLog() { Flush(); }

bool RefusalLog::Record(std::string_view peer, veu::v1::Event event) {
  const absl::Time now = clock_();
  *event.mutable_at() = ToProtoTime(now);
  absl::MutexLock lock(&mu_);
  if (now - last_sweep_ >= absl::Seconds(1)) SweepLocked(now);
  // Key: the peer and the reason (the detail's "REASON:" prefix), so a summary row's detail is
  // true of every refusal it counts.
  const std::string_view detail = event.detail();
  const std::string_view reason = detail.substr(0, detail.find(':'));
  std::string key = std::string(peer);
  key.append(" ").append(reason);
  std::string_view named = peer;
  if (!windows_.contains(key) && windows_.size() >= kMaxPeers) key = named = kOtherPeers;
  auto [it, inserted] = windows_.try_emplace(key);
  Window& w = it->second;
  if (inserted) w.peer = std::string(named);
  if (!inserted && now - w.start < window_) {
    ++w.unwritten;
    w.last = std::move(event);
    return false;
  }
  if (!inserted) WriteCountLocked(w);
  w.start = now;
  w.unwritten = 0;
  event.set_count(1);
  (void)store_->AppendEvent(event);
  return true;
}

void RefusalLog::WriteCountLocked(Window& w) {
  if (w.unwritten == 0) return;
  veu::v1::Event summary = w.last;
  summary.set_count(w.unwritten);
  summary.set_detail(absl::StrCat(w.unwritten, " more refusal", w.unwritten == 1 ? "" : "s",
                                  " of ", w.peer.empty() ? "an unnamed peer" : w.peer, " within ", absl::FormatDuration(window_),
                                  " of the first; the last: ", w.last.detail()));
  (void)store_->AppendEvent(summary);
  w.unwritten = 0;
}

void RefusalLog::SweepLocked(absl::Time now) {
  last_sweep_ = now;
  std::vector<std::string> expired;
  for (auto& [key, w] : windows_) {
    if (now - w.start >= window_) {
      WriteCountLocked(w);
      expired.push_back(key);
    }
  }
  for (const std::string& key : expired) windows_.erase(key);
}

void RefusalLog::Flush() {
  absl::MutexLock lock(&mu_);
  for (auto& [key, w] : windows_) WriteCountLocked(w);
}

}  // namespace veu::verifier
