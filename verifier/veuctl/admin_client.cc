#include "verifier/veuctl/admin_client.h"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <iostream>

#include "verifier/veuctl/command.h"
#include "veu/v1/appraisal.pb.h"

namespace veu::veuctl {

std::string AdminSocketPath(const ParsedFlags& flags) {
  if (auto s = flags.Get("socket")) return *s;
  if (const char* env = std::getenv("VEU_ADMIN_SOCKET"); env != nullptr && *env) return env;
  return "/run/veu-verifier/admin.sock";
}

AdminClient ConnectAdmin(const std::string& socket_path) {
  auto channel = grpc::CreateChannel("unix:" + socket_path, grpc::InsecureChannelCredentials());
  return {veu::v1::Query::NewStub(channel), veu::v1::Admin::NewStub(channel)};
}

std::unique_ptr<grpc::ClientContext> CallContext() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return ctx;
}

int ReportRpcError(const std::string& what, const grpc::Status& status) {
  std::cerr << "veuctl: " << what << ": " << status.error_message() << "\n";
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      std::cerr << "veuctl: is veu-verifier running? (admin socket: --socket or "
                   "$VEU_ADMIN_SOCKET)\n";
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
