// The verifier's configuration: a text-format veu.v1.VerifierConfig file, then flags that
// override single fields, then defaults for whatever is still unset.
#ifndef VEU_VERIFIER_CONFIG_H_
#define VEU_VERIFIER_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "verifier/store/sqlite_store.h"
#include "veu/v1/config.pb.h"

namespace veu::verifier {

// Usage text for --help.
std::string VerifierUsage();

// Parses argv (without the program name). Fails with InvalidArgument naming the flag or the
// config file's line on any error.
// `port_file` and `regulator_port_file` (may be null) receive where to write the bound ports.
absl::StatusOr<veu::v1::VerifierConfig> LoadVerifierConfig(
    const std::vector<std::string>& args, std::string* port_file,
    std::string* regulator_port_file = nullptr);

// The store options the config asks for (store_durability; unset is power loss).
SqliteStore::Options StoreOptions(const veu::v1::VerifierConfig& config);

// The evidence retention the config asks for (evidence_retention; unset keeps everything).
EvidenceRetention RetentionOf(const veu::v1::VerifierConfig& config);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_CONFIG_H_
