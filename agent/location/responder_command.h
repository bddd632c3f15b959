// veu-agent location-responder --listen IPV4:PORT [--port-file FILE]: the challenge responder
// alone, with a fresh key bound to no quote, for trying landmarks out (deploy/demo/location.sh).
// A verifier never accepts its answers as a node's: the key is in no verified facts.
#ifndef VEU_AGENT_LOCATION_RESPONDER_COMMAND_H_
#define VEU_AGENT_LOCATION_RESPONDER_COMMAND_H_

#include <string>
#include <vector>

namespace veu::agent {

// Runs until SIGTERM/SIGINT; prints "epoch N key HEX port P" on stdout once listening.
int RunLocationResponderCommand(const std::vector<std::string>& args);

}  // namespace veu::agent

#endif  // VEU_AGENT_LOCATION_RESPONDER_COMMAND_H_
