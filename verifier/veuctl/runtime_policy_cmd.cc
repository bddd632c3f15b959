// veuctl runtime-policy: makes the runtime policy the verifier appraises IMA logs against
// (veu.v1.RuntimePolicy, common/ima/keylime_policy.h), for review before it enters a pack.
//
//   veuctl runtime-policy import FILE [--out FILE] [--binary] [--id NAME]
//       reads Keylime's runtime-policy JSON (`keylime-policy create runtime`)
//   veuctl runtime-policy learn --ima-log FILE [--out FILE] [--binary] [--id NAME]
//       allows exactly what a known-good node's IMA log (binary or ASCII) measured
//
// Writes the textproto (or with --binary the binary message) to stdout or --out; notes on what
// was not carried over go to stderr. Exit 0 written, 1 a log too untrustworthy to learn from
// (a template hash that does not recompute), 2 usage or unreadable / malformed input.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "common/ima/ima_log.h"
#include "common/ima/keylime_policy.h"
#include "google/protobuf/text_format.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/flags.h"
#include "verifier/veuctl/ima_log_file.h"
#include "verifier/veuctl/input_file.h"

namespace veu::veuctl {
namespace {

constexpr size_t kMaxPolicyBytes = 256u << 20;  // Keylime policies of 20 MiB are reported

int Emit(const ima::ConvertedPolicy& converted, const ParsedFlags& flags) {
  v1::RuntimePolicy policy = converted.policy;
  if (auto id = flags.Get("id")) policy.set_id(*id);
  std::string out;
  if (flags.Has("binary")) {
    out = policy.SerializeAsString();
  } else {
    google::protobuf::TextFormat::PrintToString(policy, &out);
    out = "# proto-file: proto/veu/v1/runtime_policy.proto\n# proto-message: veu.v1.RuntimePolicy\n# " +
          policy.source() + "\n" + out;
  }
  for (const std::string& note : converted.notes) std::cerr << "note: " << note << "\n";
  if (auto path = flags.Get("out")) {
    std::ofstream f(*path, std::ios::binary | std::ios::trunc);
    f << out;
    if (!f.flush()) {
      std::cerr << "cannot write " << *path << "\n";
      return kExitUsage;
    }
    std::cerr << "wrote " << *path << ": " << policy.files_size() << " paths, "
              << policy.excludes_size() << " excludes, " << policy.verification_keys_size()
              << " keys, " << policy.keyrings_size() << " keyrings, " << policy.buffers_size()
              << " buffers\n";
  } else {
    std::cout << out;
  }
  return kExitAccepted;
}

int RunImport(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"out", "id"}, {"binary"});
  if (!flags.ok() || flags->positional.size() != 1) {
    std::cerr << "usage: veuctl runtime-policy import FILE [--out FILE] [--binary] [--id NAME]\n";
    if (!flags.ok()) std::cerr << flags.status().message() << "\n";
    return kExitUsage;
  }
  const std::string& path = flags->positional[0];
  std::string json;
  if (!ReadBounded(path, kMaxPolicyBytes, &json)) {
    std::cerr << "cannot read runtime policy " << path << " (missing, unreadable or over "
              << (kMaxPolicyBytes >> 20) << " MiB)\n";
    return kExitUsage;
  }
  auto converted = ima::ImportKeylimePolicy(json, path);
  if (!converted.ok()) {
    std::cerr << path << ": " << converted.status().message() << "\n";
    return kExitUsage;
  }
  return Emit(*converted, *flags);
}

int RunLearn(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"ima-log", "out", "id"}, {"binary"});
  if (!flags.ok() || !flags->positional.empty() || !flags->Get("ima-log")) {
    std::cerr << "usage: veuctl runtime-policy learn --ima-log FILE [--out FILE] [--binary] [--id NAME]\n";
    if (!flags.ok()) std::cerr << flags.status().message() << "\n";
    return kExitUsage;
  }
  const std::string path = *flags->Get("ima-log");
  std::string bytes;
  std::optional<ima::ParsedLog> log = ReadImaLogFile(path, &bytes);
  if (!log) return kExitUsage;
  auto learned = ima::LearnRuntimePolicy(*log, path);
  if (!learned.ok()) {
    std::cerr << "not learning from " << path << ": " << learned.status().message() << "\n";
    return kExitRejected;
  }
  return Emit(*learned, *flags);
}

}  // namespace

VEUCTL_COMMAND(kRuntimePolicyImport, "runtime-policy import",
               "runtime-policy import FILE [--out FILE] [--binary] [--id NAME]   Keylime runtime "
               "policy JSON -> veu.v1.RuntimePolicy",
               RunImport);
VEUCTL_COMMAND(kRuntimePolicyLearn, "runtime-policy learn",
               "runtime-policy learn --ima-log FILE [--out FILE] [--binary] [--id NAME]   a "
               "runtime policy allowing what a known-good IMA log measured, for review",
               RunLearn);

}  // namespace veu::veuctl
