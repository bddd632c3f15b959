// The one place absl::Status becomes grpc::Status (and back, for clients).
#ifndef VEU_COMMON_RPC_GRPC_STATUS_H_
#define VEU_COMMON_RPC_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace veu {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace veu

#endif  // VEU_COMMON_RPC_GRPC_STATUS_H_
