// VerdictFeed: the verdict changes the console received from the regulator API's
// WatchVerdicts stream, numbered in arrival order and kept in a bounded ring, for any number of
// browser pages following them as server-sent events (text/event-stream). One writer (the
// console's watch thread) and many readers; a page that reconnects with Last-Event-ID gets what
// it missed while that is still held. No I/O. Thread-safe.
#ifndef VEU_VERIFIER_CONSOLE_VERDICT_FEED_H_
#define VEU_VERIFIER_CONSOLE_VERDICT_FEED_H_

#include <cstdint>
#include <deque>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace veu::console {

// One server-sent event: "id: N\nevent: NAME\ndata: ...\n\n", each line of `data` its own
// "data:" line (so a payload holding newlines stays one event). `event` must hold no newline.
std::string FormatSseEvent(uint64_t id, absl::string_view event, absl::string_view data);

class VerdictFeed {
 public:
  struct Item {
    uint64_t seq = 0;   // 1, 2, ... in arrival order
    std::string json;   // the change as the live page reads it (views.h VerdictChangeJson)
  };
  explicit VerdictFeed(size_t capacity = 512) : capacity_(capacity) {}

  void Publish(std::string json);
  // The watch stream's state, for the page's banner: connected, or why not.
  void SetConnected(bool connected, std::string reason);
  bool connected(std::string* reason) const;

  // The items after `after` (at most the ring's capacity; older ones are gone), waiting up to
  // `timeout` for the first if there is none yet. Empty after the timeout, or after Close().
  std::vector<Item> WaitAfter(uint64_t after, absl::Duration timeout) const;
  uint64_t last_seq() const;
  // Wakes every waiter, for good: the console is stopping.
  void Close();

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<Item> items_ ABSL_GUARDED_BY(mu_);
  uint64_t last_seq_ ABSL_GUARDED_BY(mu_) = 0;
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  std::string reason_ ABSL_GUARDED_BY(mu_) = "not yet connected";
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace veu::console

#endif  // VEU_VERIFIER_CONSOLE_VERDICT_FEED_H_
