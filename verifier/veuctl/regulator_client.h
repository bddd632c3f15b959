// veuctl's connection to a verifier's regulator API: mutual TLS with the caller's client
// certificate (which carries its role and scope) and the CA that issued the verifier's.
//   --server HOST:PORT   (or $VEU_REGULATOR_SERVER)
//   --cert FILE --key FILE   the client certificate and key ($VEU_CLIENT_CERT, $VEU_CLIENT_KEY)
//   --ca FILE            the CA of the verifier's server certificate ($VEU_CA)
#ifndef VEU_VERIFIER_VEUCTL_REGULATOR_CLIENT_H_
#define VEU_VERIFIER_VEUCTL_REGULATOR_CLIENT_H_

#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/flags.h"
#include "veu/v1/regulator.grpc.pb.h"

namespace veu::veuctl {

// The flags above, to add to a command's value flags.
const std::set<std::string>& RegulatorFlagNames();

// InvalidArgument naming what is missing; file errors pass through.
absl::StatusOr<std::unique_ptr<veu::v1::Regulator::Stub>> ConnectRegulator(
    const ParsedFlags& flags);

// "2026-07-01", "2026-07-01T12:00:00Z" or any RFC 3339 time; InvalidArgument otherwise.
absl::StatusOr<absl::Time> ParseTimeFlag(const std::string& name, const std::string& value);

}  // namespace veu::veuctl

#endif  // VEU_VERIFIER_VEUCTL_REGULATOR_CLIENT_H_
