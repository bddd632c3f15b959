// veuctl's subcommands register themselves here, one file per command, so the CLI is a
// thin face over the same libraries the verifier uses.
//
// Exit codes everywhere: 0 accepted, 1 rejected (with the reason), 2 bad usage or
// unreadable input.
#ifndef VEU_VERIFIER_VEUCTL_COMMAND_H_
#define VEU_VERIFIER_VEUCTL_COMMAND_H_

#include <functional>
#include <string>
#include <vector>

namespace veu::veuctl {

inline constexpr int kExitAccepted = 0;
inline constexpr int kExitRejected = 1;
inline constexpr int kExitUsage = 2;

struct Command {
  std::string name;      // e.g. "quote verify" (words separated by one space)
  std::string synopsis;  // one line of usage, printed by `veuctl --help`
  // Runs with the arguments after the command's words; writes to stdout/stderr.
  std::function<int(const std::vector<std::string>& args)> run;
};

// Adds a command to the registry; called from static initialisers in each command's file.
bool RegisterCommand(Command command);

// All registered commands, sorted by name.
const std::vector<Command>& Commands();

}  // namespace veu::veuctl

// In a command's .cc file:  VEUCTL_COMMAND(kQuoteVerify, "quote verify", "usage...", RunQuoteVerify);
#define VEUCTL_COMMAND(id, name, synopsis, fn) \
  static const bool id##_registered = ::veu::veuctl::RegisterCommand({name, synopsis, fn})

#endif  // VEU_VERIFIER_VEUCTL_COMMAND_H_
