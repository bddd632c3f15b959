// The offline spool's file format: a sequence of framed records, each
//
//   "VSPL" (4 bytes) | kind (1) | length (4, big-endian) | payload (length) |
//   SHA-256(kind || length || payload) (32)
//
// kinds: 1 an offline quote (veu.v1.OfflineQuote), 2 the number of entries dropped so far
// (8 bytes, big-endian), 3 a note on an entry refused earlier (UTF-8 reason), 4 the chain's
// anchor (32 bytes: SHA-256 of the TPMS_ATTEST the first quote chains to).
//
// DecodeSpool never reads out of bounds and never gives up on the whole file: a frame whose
// magic, length, digest, kind or payload does not hold is refused with its offset and a
// reason, the decoder resynchronises on the next magic, and every good frame is kept; a
// truncated tail (a crash mid-append) is refused the same way. Pure.
#ifndef VEU_AGENT_SPOOL_FORMAT_H_
#define VEU_AGENT_SPOOL_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "veu/v1/attestation.pb.h"

namespace veu::agent {

inline constexpr uint32_t kMaxSpoolPayload = 4u << 20;  // one frame's payload, at most

enum class SpoolKind : uint8_t { kQuote = 1, kDropped = 2, kRefusal = 3, kAnchor = 4 };

std::string EncodeSpoolFrame(SpoolKind kind, std::string_view payload);
std::string EncodeQuoteFrame(const veu::v1::OfflineQuote& quote);
std::string EncodeDroppedFrame(uint64_t dropped);
std::string EncodeRefusalFrame(std::string_view reason);
std::string EncodeAnchorFrame(std::string_view anchor);

struct DecodedSpool {
  std::string anchor;                        // the last anchor frame's; empty: none
  uint64_t dropped = 0;                      // the last dropped frame's count
  std::vector<std::string> notes;            // refusals recorded in earlier files
  std::vector<veu::v1::OfflineQuote> quotes;  // in file order
  std::vector<std::string> refused;          // this decode's refusals: "offset N: why"
};

DecodedSpool DecodeSpool(std::string_view bytes);

}  // namespace veu::agent

#endif  // VEU_AGENT_SPOOL_FORMAT_H_
