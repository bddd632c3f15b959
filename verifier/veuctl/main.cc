// veuctl: the operator's and regulator's command line. Dispatches to the longest
// registered command name that prefixes the arguments.
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "verifier/veuctl/command.h"

namespace {

void PrintUsage(std::ostream& out) {
  out << "usage: veuctl COMMAND [ARGS...]\n\n"
         "Exit codes: 0 accepted, 1 rejected (reason printed), 2 bad usage or unreadable input.\n\n"
         "Commands:\n";
  for (const auto& command : veu::veuctl::Commands()) {
    out << "  " << command.synopsis << "\n";
  }
}

std::vector<std::string> Words(const std::string& name) {
  std::istringstream in(name);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    PrintUsage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? veu::veuctl::kExitUsage : veu::veuctl::kExitAccepted;
  }
  const veu::veuctl::Command* best = nullptr;
  size_t best_words = 0;
  for (const auto& command : veu::veuctl::Commands()) {
    std::vector<std::string> words = Words(command.name);
    if (words.size() > args.size() || words.size() <= best_words) continue;
    if (std::equal(words.begin(), words.end(), args.begin())) {
      best = &command;
      best_words = words.size();
    }
  }
  if (best == nullptr) {
    std::cerr << "veuctl: unknown command '" << args[0] << "'\n\n";
    PrintUsage(std::cerr);
    return veu::veuctl::kExitUsage;
  }
  std::vector<std::string> rest(args.begin() + static_cast<long>(best_words), args.end());
  for (const auto& a : rest) {
    if (a == "--help" || a == "-h") {
      std::cout << "usage: veuctl " << best->synopsis << "\n";
      return veu::veuctl::kExitAccepted;
    }
  }
  return best->run(rest);
}
