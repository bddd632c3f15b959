// Conversions between absl::Time and google.protobuf.Timestamp.
#ifndef VEU_COMMON_PROTO_TIME_H_
#define VEU_COMMON_PROTO_TIME_H_

#include <google/protobuf/timestamp.pb.h>

#include <string>

#include "absl/time/time.h"

namespace veu {

inline google::protobuf::Timestamp ToProtoTime(absl::Time t) {
  google::protobuf::Timestamp out;
  const int64_t nanos = absl::ToUnixNanos(t);
  out.set_seconds(nanos / 1000000000);
  out.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  if (out.nanos() < 0) {
    out.set_seconds(out.seconds() - 1);
    out.set_nanos(out.nanos() + 1000000000);
  }
  return out;
}

inline absl::Time FromProtoTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// RFC 3339 in UTC to the second, e.g. "2026-11-25T11:04:01Z", for messages people read.
inline std::string FormatProtoTime(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", FromProtoTime(t), absl::UTCTimeZone());
}

}  // namespace veu

#endif  // VEU_COMMON_PROTO_TIME_H_
