#include "verifier/veuctl/regulator_client.h"

#include <grpcpp/grpcpp.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/rpc/tls.h"

namespace veu::veuctl {
namespace {

std::optional<std::string> FlagOrEnv(const ParsedFlags& flags, const std::string& name,
                                     const char* env) {
  if (auto v = flags.Get(name)) return v;
  if (const char* e = std::getenv(env); e != nullptr && *e != '\0') return std::string(e);
  return std::nullopt;
}

}  // namespace

const std::set<std::string>& RegulatorFlagNames() {
  static const std::set<std::string>* const kNames =
      new std::set<std::string>{"server", "cert", "key", "ca"};
  return *kNames;
}

absl::StatusOr<std::unique_ptr<veu::v1::Regulator::Stub>> ConnectRegulator(
    const ParsedFlags& flags) {
  const std::optional<std::string> server = FlagOrEnv(flags, "server", "VEU_REGULATOR_SERVER");
  const std::optional<std::string> cert = FlagOrEnv(flags, "cert", "VEU_CLIENT_CERT");
  const std::optional<std::string> key = FlagOrEnv(flags, "key", "VEU_CLIENT_KEY");
  const std::optional<std::string> ca = FlagOrEnv(flags, "ca", "VEU_CA");
  if (!server || !cert || !key || !ca) {
    return absl::InvalidArgumentError(
        "the regulator API needs --server HOST:PORT, --cert and --key (your client "
        "certificate) and --ca (the verifier's CA), or $VEU_REGULATOR_SERVER, $VEU_CLIENT_CERT, "
        "$VEU_CLIENT_KEY, $VEU_CA");
  }
  grpc::SslCredentialsOptions tls;
  absl::StatusOr<std::string> roots = ReadFileToString(*ca, 1 << 20);
  if (!roots.ok()) return roots.status();
  absl::StatusOr<std::string> chain = ReadFileToString(*cert, 1 << 20);
  if (!chain.ok()) return chain.status();
  absl::StatusOr<std::string> private_key = ReadFileToString(*key, 1 << 20);
  if (!private_key.ok()) return private_key.status();
  tls.pem_root_certs = *roots;
  tls.pem_cert_chain = *chain;
  tls.pem_private_key = *private_key;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);  // reports over long periods are large
  return veu::v1::Regulator::NewStub(
      grpc::CreateCustomChannel(*server, grpc::SslCredentials(tls), args));
}

absl::StatusOr<absl::Time> ParseTimeFlag(const std::string& name, const std::string& value) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, value, &t, &err)) return t;
  if (absl::ParseTime("%Y-%m-%d", value, absl::UTCTimeZone(), &t, &err)) return t;
  return absl::InvalidArgumentError(
      absl::StrCat("--", name, " '", value, "' is not a date (2026-07-01) or RFC 3339 time"));
}

}  // namespace veu::veuctl
