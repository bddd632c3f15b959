#include "verifier/veuctl/admin_client.h"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <iostream>

#include "absl/strings/match.h"
#include "common/rpc/limits.h"
#include "verifier/veuctl/command.h"
#include "veu/v1/appraisal.pb.h"

namespace veu::veuctl {

std::string AdminSocketPath(const ParsedFlags& flags) {
  if (auto s = flags.Get("socket")) return *s;
  if (const char* env = std::getenv("VEU_ADMIN_SOCKET"); env != nullptr && *env) return env;
  return "/run/veu-verifier/admin.sock";
}

AdminClient ConnectAdmin(const std::string& socket_path) {
  // The admin API's one message limit (common/rpc/limits.h): every stored report fits.
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  auto channel = grpc::CreateCustomChannel("unix:" + socket_path,
                                           grpc::InsecureChannelCredentials(), args);
  return {veu::v1::Query::NewStub(channel), veu::v1::Admin::NewStub(channel)};
}

std::unique_ptr<grpc::ClientContext> CallContext() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return ctx;
}

std::string AdminConnectHint(const grpc::Status& status) {
  if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
      status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
    return "";
  }
  // connect(2) on the socket failed with EACCES: the verifier is running, this user may not
  // talk to it. Asking whether it runs would send the operator the wrong way (issue 17).
  if (absl::StrContains(status.error_message(), "Permission denied")) {
    return "veuctl: the admin socket refuses this user: run veuctl as the verifier's user or a "
           "member of the socket's group (mode 0660)";
  }
  return "veuctl: is veu-verifier running? (admin socket: --socket or $VEU_ADMIN_SOCKET)";
}

int ReportRpcError(const std::string& what, const grpc::Status& status) {
  std::cerr << "veuctl: " << what << ": " << status.error_message() << "\n";
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      std::cerr << AdminConnectHint(status) << "\n";
      return kExitUsage;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
      return kExitUsage;
    default:
      return kExitRejected;
  }
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

std::string VerdictName(int verdict) {
  std::string name = veu::v1::Verdict_Name(static_cast<veu::v1::Verdict>(verdict));
  const std::string prefix = "VERDICT_";
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

}  // namespace veu::veuctl
