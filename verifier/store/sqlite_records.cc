#include "verifier/store/sqlite_records.h"

#include <limits>

namespace veu::verifier::sqlite {
namespace {

constexpr size_t kSha256Size = 32;

// google.protobuf.Timestamp's valid range (0001-01-01 .. 9999-12-31).
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

}  // namespace

absl::StatusOr<int64_t> ToMicros(const google::protobuf::Timestamp& t, std::string_view what) {
  if (t.seconds() < kMinTimestampSeconds || t.seconds() > kMaxTimestampSeconds || t.nanos() < 0 ||
      t.nanos() > 999999999) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s is not a valid timestamp (seconds=%d, nanos=%d)", what, t.seconds(), t.nanos()));
  }
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

int64_t BoundMicros(absl::Time t) {
  if (t == absl::InfinitePast()) return std::numeric_limits<int64_t>::min();
  if (t == absl::InfiniteFuture()) return std::numeric_limits<int64_t>::max();
  return absl::ToUnixMicros(t);  // saturates for finite times beyond the int64 range too
}

int64_t SqlLimit(uint32_t limit) { return limit == 0 ? -1 : static_cast<int64_t>(limit); }

absl::Status RequireSha256(const std::string& digest, std::string_view what) {
  if (digest.size() != kSha256Size) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s must be a raw 32-byte SHA-256 digest, got %d bytes (hex text is not accepted)", what,
        digest.size()));
  }
  return absl::OkStatus();
}

}  // namespace veu::verifier::sqlite
