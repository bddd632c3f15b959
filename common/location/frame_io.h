// Length-prefixed frames over a connected TCP socket for the challenge exchange: u16
// big-endian length, then at most kMaxFrame bytes. Used by the agent's responder and by the
// landmark; the only socket code the location proof needs.
#ifndef VEU_COMMON_LOCATION_FRAME_IO_H_
#define VEU_COMMON_LOCATION_FRAME_IO_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace veu::location {

// Writes one frame. Unavailable on a socket error; InvalidArgument over kMaxFrame.
absl::Status WriteFrame(int fd, absl::string_view frame);

// Reads one frame, waiting at most `timeout_ms` in total. DeadlineExceeded on timeout,
// Unavailable when the peer closed or the socket failed, InvalidArgument over kMaxFrame.
absl::StatusOr<std::string> ReadFrame(int fd, int timeout_ms);

// A TCP connection to "host:port" with TCP_NODELAY set; Unavailable naming the address.
absl::StatusOr<int> ConnectTcp(const std::string& address, int timeout_ms);

// Sets TCP_NODELAY (answers must not wait for Nagle's timer).
void SetNoDelay(int fd);

}  // namespace veu::location

#endif  // VEU_COMMON_LOCATION_FRAME_IO_H_
