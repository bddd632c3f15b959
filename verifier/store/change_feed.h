// ChangeFeed: verdict changes kept in a store several verifiers share, in the order they were
// appended, so that every replica can publish every replica's changes to its own watchers
// (WatchVerdicts on any replica sees all of them). See notify/change_feed_follower.h.
//
// Thread-safety: implementations are safe for concurrent use.
#ifndef VEU_VERIFIER_STORE_CHANGE_FEED_H_
#define VEU_VERIFIER_STORE_CHANGE_FEED_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "veu/v1/regulator.pb.h"

namespace veu::verifier {

class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;
  // Appends `change`; appends are ordered: a reader that saw position p never later finds a
  // change appended at a position below p.
  virtual absl::Status AppendVerdictChange(const veu::v1::VerdictChange& change) = 0;
  // Changes after position `after`, oldest first, at most `limit`, with their positions.
  virtual absl::StatusOr<std::vector<std::pair<int64_t, veu::v1::VerdictChange>>>
  VerdictChangesAfter(int64_t after, uint32_t limit) = 0;
  // The newest position (0 if the feed is empty): where a replica that starts now begins.
  virtual absl::StatusOr<int64_t> LatestVerdictChange() = 0;

  // A reader's durable position, shared by every replica (the webhooks' cursor: up to where
  // changes were handed to a webhook notifier). NotFound if it was never set.
  virtual absl::StatusOr<int64_t> ReadFeedCursor(const std::string& name) = 0;
  // Moves cursor `name` to `position` if that is further on; never back, so a lease holder that
  // lost the lease and writes late cannot rewind its successor's progress.
  virtual absl::Status AdvanceFeedCursor(const std::string& name, int64_t position) = 0;
};

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_STORE_CHANGE_FEED_H_
