// Channel and server credentials from files: the agent pins the verifier's CA; the
// verifier serves its certificate. Reading files happens here, at the edge.
#ifndef VEU_COMMON_RPC_TLS_H_
#define VEU_COMMON_RPC_TLS_H_

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace veu {

absl::StatusOr<std::string> ReadFileToString(const std::string& path, size_t max_bytes = 16 << 20);

// TLS client credentials trusting only the CA in `ca_file` (PEM).
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> PinnedCaCredentials(
    const std::string& ca_file);

// TLS server credentials from a PEM certificate chain and key. With `client_ca_file`
// non-empty, clients must present a certificate that chains to it (mTLS).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerTlsCredentials(
    const std::string& cert_file, const std::string& key_file,
    const std::string& client_ca_file = "");

}  // namespace veu

#endif  // VEU_COMMON_RPC_TLS_H_
