#include "verifier/veuctl/command.h"

#include <algorithm>

namespace veu::veuctl {
namespace {

std::vector<Command>& Registry() {
  static std::vector<Command> registry;
  return registry;
}

}  // namespace

bool RegisterCommand(Command command) {
  Registry().push_back(std::move(command));
  return true;
}

const std::vector<Command>& Commands() {
  auto& registry = Registry();
  std::sort(registry.begin(), registry.end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });
  return registry;
}

}  // namespace veu::veuctl
