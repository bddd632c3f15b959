// A small, strict flag parser for our binaries: --name VALUE, --name=VALUE, --bool,
// and positional arguments. Unknown flags are usage errors (exit 2), never ignored.
#ifndef VEU_COMMON_FLAGS_H_
#define VEU_COMMON_FLAGS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace veu {

struct ParsedFlags {
  std::map<std::string, std::string> values;  // flag name (without --) -> value
  std::set<std::string> switches;             // boolean flags that were given
  std::vector<std::string> positional;

  std::optional<std::string> Get(const std::string& name) const;
  bool Has(const std::string& name) const { return switches.count(name) > 0; }
};

// `value_flags` take a value (which may be empty: --nonce ''); `bool_flags` do not.
absl::StatusOr<ParsedFlags> ParseFlags(const std::vector<std::string>& args,
                                       const std::set<std::string>& value_flags,
                                       const std::set<std::string>& bool_flags);

}  // namespace veu

#endif  // VEU_COMMON_FLAGS_H_
