// authorized_keys(5) reader: each key's type, SHA-256 fingerprint (as `ssh-keygen -lf` prints
// it), comment and whether options restrict it.
#ifndef VEU_AGENT_COLLECTORS_AUTHORIZED_KEYS_H_
#define VEU_AGENT_COLLECTORS_AUTHORIZED_KEYS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "veu/v1/inventory.pb.h"

namespace veu::collectors {

inline constexpr size_t kMaxAuthorizedKeysBytes = 256 << 10;

// "SHA256:" + unpadded base64 of SHA-256(blob), `blob` being the decoded key.
std::string SshFingerprint(std::string_view blob);

// Parses an authorized_keys file. Pure. Blank lines and '#' comments are skipped; a line
// whose key type is unknown, whose base64 does not decode, or whose blob names a different
// type than the line is an InvalidArgument "path:line: ..." in `errors`, and parsing goes on.
std::vector<v1::AuthorizedKey> ParseAuthorizedKeys(std::string_view text, std::string_view path,
                                                   std::vector<v1::CollectionError>* errors);

}  // namespace veu::collectors

#endif  // VEU_AGENT_COLLECTORS_AUTHORIZED_KEYS_H_
