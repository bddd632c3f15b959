#include "verifier/service/page_token.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/log.h"

namespace veu::verifier {
namespace {

constexpr char kVersion[] = "p1";
constexpr size_t kMaxTokenSize = 64;  // "p1." and two int64s with signs and a dot fit in 45

}  // namespace

std::string EncodePageToken(const PageCursor& cursor) {
  return absl::StrCat(kVersion, ".", cursor.micros, ".", cursor.seq);
}

absl::StatusOr<std::optional<PageCursor>> DecodePageToken(absl::string_view token) {
  if (token.empty()) return std::optional<PageCursor>();
  const auto refused = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_token '", LogField(token.substr(0, kMaxTokenSize), kMaxTokenSize),
        "' is not one this verifier gave out: pass next_page_token from the previous reply, or "
        "nothing for the newest page"));
  };
  if (token.size() > kMaxTokenSize) return refused();
  const std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  PageCursor cursor;
  if (parts.size() != 3 || parts[0] != kVersion || !absl::SimpleAtoi(parts[1], &cursor.micros) ||
      !absl::SimpleAtoi(parts[2], &cursor.seq)) {
    return refused();
  }
  return std::optional<PageCursor>(cursor);
}

PageCursor EventCursor(const veu::v1::Event& event) {
  return PageCursor{event.at().seconds() * 1000000 + event.at().nanos() / 1000, event.id()};
}

}  // namespace veu::verifier
