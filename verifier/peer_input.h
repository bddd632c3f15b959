// Checks of what a peer sends before it is authenticated (enrolment requests, the stream's
// hello): every string bounded and of the expected alphabet, every byte field bounded, so a
// request can neither make the verifier store megabytes nor put its own lines into the log or
// the events table (issue 17). Called by the gRPC services before anything else; the error is
// returned to the peer as INVALID_ARGUMENT and says which field is wrong and why (never echoing
// the value). Pure; thread-safe.
#ifndef VEU_VERIFIER_PEER_INPUT_H_
#define VEU_VERIFIER_PEER_INPUT_H_

#include <cstddef>

#include "absl/status/status.h"
#include "veu/v1/attestation.pb.h"
#include "veu/v1/enrollment.pb.h"

namespace veu::verifier {

// Bounds of the TPM's own bytes in an identity: an EK certificate is a few KB (RSA 4096 with
// long extensions stays under 3 KB; 16 KiB leaves room for padded NV reads), a TPM2B_PUBLIC is
// at most ~600 bytes, a name is a 2-byte algorithm and a digest of at most 64 bytes.
inline constexpr size_t kMaxEkCertificateBytes = 16 * 1024;
inline constexpr size_t kMaxTpmPublicBytes = 2048;
inline constexpr size_t kMaxTpmNameBytes = 2 + 64;
inline constexpr size_t kMaxEnrollmentIdBytes = 64;
inline constexpr size_t kMaxActivatedSecretBytes = 64;

// OK, or InvalidArgument "BeginEnrollmentRequest.<field>: <why>".
absl::Status ValidateBeginEnrollmentRequest(const veu::v1::BeginEnrollmentRequest& request);
// OK, or InvalidArgument "CompleteEnrollmentRequest.<field>: <why>".
absl::Status ValidateCompleteEnrollmentRequest(const veu::v1::CompleteEnrollmentRequest& request);
// OK, or InvalidArgument "AgentHello.<field>: <why>": agent_id lowercase hex of at most 64
// characters, ak_name at most kMaxTpmNameBytes, agent_version printable ASCII of at most 64.
absl::Status ValidateAgentHello(const veu::v1::AgentHello& hello);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_PEER_INPUT_H_
