// Page tokens of the admin API's newest-first listings (ListAppraisals, ListEvents): a
// PageCursor as opaque text, "p1.<micros>.<seq>". Callers only hand back what a reply gave
// them; anything else is refused as InvalidArgument, never read as a position. Pure.
#ifndef VEU_VERIFIER_SERVICE_PAGE_TOKEN_H_
#define VEU_VERIFIER_SERVICE_PAGE_TOKEN_H_

#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "verifier/store/store.h"
#include "veu/v1/records.pb.h"

namespace veu::verifier {

std::string EncodePageToken(const PageCursor& cursor);
// Empty token: nullopt (the first page). InvalidArgument for a token this code did not make.
absl::StatusOr<std::optional<PageCursor>> DecodePageToken(absl::string_view token);

// An event's position in the events listing: its time as the store keeps it (microseconds)
// and its id.
PageCursor EventCursor(const veu::v1::Event& event);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_PAGE_TOKEN_H_
