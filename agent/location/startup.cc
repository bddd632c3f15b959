#include "agent/location/startup.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/hex.h"
#include "common/log.h"

namespace veu::agent {

absl::StatusOr<LocationResponderHandle> StartLocationResponder(const std::string& listen, absl::Time now) {
  LocationResponderHandle h;
  if (listen.empty()) return h;
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("location_listen '", listen, "' is not IPV4:PORT (e.g. 0.0.0.0:7444)"));
  }
  const std::string host = listen.substr(0, colon);
  // The advertised address needs the bound port when the OS chose it: fixed up after binding.
  absl::StatusOr<std::unique_ptr<EpochKeyring>> keys =
      EpochKeyring::Create(listen, static_cast<uint64_t>(absl::ToUnixSeconds(now)));
  if (!keys.ok()) return keys.status();
  absl::StatusOr<std::unique_ptr<ChallengeResponder>> r = ChallengeResponder::Start(host, port, keys->get());
  if (!r.ok()) return r.status();
  if (port == 0) (*keys)->set_responder_address(absl::StrCat(host, ":", (*r)->port()));
  // The public key is no secret (it is in every quote's facts); logged so an operator can
  // check a landmark's measurement by hand (veuctl location measure --agent-public).
  const veu::v1::LocationKey entry = (*keys)->FactsEntry();
  Log("location", absl::StrCat("challenge responder on ", entry.responder_address(), ", epoch ",
                               entry.epoch(), ", key ", ToHex(entry.ed25519_public())));
  h.keys = *std::move(keys);
  h.responder = *std::move(r);
  return h;
}

}  // namespace veu::agent
