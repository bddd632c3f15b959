// veuctl's connection to a running verifier's local admin socket.
#ifndef VEU_VERIFIER_VEUCTL_ADMIN_CLIENT_H_
#define VEU_VERIFIER_VEUCTL_ADMIN_CLIENT_H_

#include <google/protobuf/message.h>

#include <memory>
#include <string>

#include "common/flags.h"
#include "veu/v1/query.grpc.pb.h"

namespace veu::veuctl {

// The admin socket: --socket, else $VEU_ADMIN_SOCKET, else /run/veu-verifier/admin.sock.
std::string AdminSocketPath(const ParsedFlags& flags);

struct AdminClient {
  std::unique_ptr<veu::v1::Query::Stub> query;
  std::unique_ptr<veu::v1::Admin::Stub> admin;
};
AdminClient ConnectAdmin(const std::string& socket_path);

// A ClientContext with a 10 s deadline.
std::unique_ptr<grpc::ClientContext> CallContext();

// Prints a failed call as "veuctl: <what>: <message>" and returns the exit code for it
// (2: could not reach the verifier or bad input; 1: refused).
// What to tell the operator after an admin call that could not connect: a socket that refuses
// this user (EACCES) is a permission problem, anything else may be a verifier that is not
// running. Empty for other errors.
std::string AdminConnectHint(const grpc::Status& status);

int ReportRpcError(const std::string& what, const grpc::Status& status);

// The message as JSON with the proto field names (stable for scripts).
std::string ToJson(const google::protobuf::Message& message);

// "ACCEPT", "REJECT", ... without the enum prefix.
std::string VerdictName(int verdict);

}  // namespace veu::veuctl

#endif  // VEU_VERIFIER_VEUCTL_ADMIN_CLIENT_H_
