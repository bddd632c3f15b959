// gRPC answers a request whose bytes do not parse as the method's message with INTERNAL and an
// empty message (the protobuf serialiser's status), so a client cannot tell its own mistake from
// a verifier fault (issue 17). This server interceptor notices a request message that failed to
// deserialise and turns that status into INVALID_ARGUMENT naming the method. Statuses of calls
// whose request parsed are untouched. Register with
//   builder.experimental().SetInterceptorCreators(MalformedRequestInterceptors());
// Thread-safe (one interceptor per call).
#ifndef VEU_COMMON_RPC_MALFORMED_REQUEST_H_
#define VEU_COMMON_RPC_MALFORMED_REQUEST_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <vector>

namespace veu {

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MalformedRequestInterceptors();

}  // namespace veu

#endif  // VEU_COMMON_RPC_MALFORMED_REQUEST_H_
