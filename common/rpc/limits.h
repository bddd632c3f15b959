// The one message-size limit of the verifier's gRPC APIs (issue 17: the agent port accepted
// 8 MiB, veuctl received 4 MiB, so evidence that was accepted and stored could not be read back).
// Everything is derived from kMaxMessageBytes:
// - the admin API (server send and receive) and veuctl's admin channel use it;
// - the agent port accepts half of it, so one stored report with its appraisal, challenge and
//   the reply's framing always fits in one admin reply (appraisal records are a few hundred KiB
//   at most; evidence is the rest);
// - replies that list many records (history, events) stop adding records before they would
//   exceed kMaxReplyBytes and say how many they left out.
// The regulator API keeps its own, larger bound for compliance reports (regulator_client.cc).
#ifndef VEU_COMMON_RPC_LIMITS_H_
#define VEU_COMMON_RPC_LIMITS_H_

#include <cstddef>

namespace veu {

inline constexpr int kMaxMessageBytes = 16 << 20;
inline constexpr int kMaxEvidenceMessageBytes = kMaxMessageBytes / 2;
// Room left in a reply for its own fields and framing.
inline constexpr size_t kMaxReplyBytes = static_cast<size_t>(kMaxMessageBytes) - (64 << 10);

}  // namespace veu

#endif  // VEU_COMMON_RPC_LIMITS_H_
