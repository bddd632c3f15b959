#include "agent/facts_command.h"

#include <google/protobuf/text_format.h>

#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "agent/collectors/collect.h"
#include "agent/collectors/root_fs.h"
#include "agent/host_facts.h"
#include "agent/tpm/esys_tpm.h"
#include "common/crypto/digest.h"
#include "common/eventlog/parser.h"
#include "common/eventlog/replay.h"
#include "common/facts/policy_pack.h"
#include "common/flags.h"
#include "common/install_paths.h"
#include "common/rpc/tls.h"
#include "common/status_macros.h"

namespace veu::agent {

absl::StatusOr<std::unique_ptr<FactsCollector>> FactsCollector::Create(
    FactsCollectorOptions options) {
  std::string path = options.policy_pack;
  if (path.empty()) {
    ASSIGN_OR_RETURN(path, FindShippedFile(kShippedPolicyPack));
  }
  absl::StatusOr<veu::v1::PolicyPack> pack = facts::LoadPolicyPackFile(path);
  if (!pack.ok()) {
    return absl::Status(pack.status().code(),
                        absl::StrCat("policy pack ", path, ": ", pack.status().message()));
  }
  ASSIGN_OR_RETURN(facts::Catalogue catalogue, facts::Catalogue::Create(pack->catalogue()));
  if (options.nvml_library.empty()) options.nvml_library = collectors::kDefaultNvmlLibrary;
  std::unique_ptr<collectors::GpuInventorySource> gpu;
  if (options.nvml_library != collectors::kNvmlLibraryNone) {
    gpu = std::make_unique<collectors::NvmlGpuInventorySource>(options.nvml_library);
  }
  return std::unique_ptr<FactsCollector>(
      new FactsCollector(std::move(options), std::move(catalogue), std::move(gpu)));
}

veu::v1::Facts FactsCollector::Collect() {
  veu::v1::Facts facts;
  *facts.mutable_host() = ReadHostIdentity(options_.root);
  collectors::RootFs fs(options_.root);
  collectors::CollectOptions options;
  options.data_paths = options_.data_paths;
  // A node without the library (no NVIDIA GPU, or driver not installed) is a normal node: the
  // inventory then says NVML is unavailable and why, and identity rests on PCI IDs.
  options.gpu = gpu_.get();
  collectors::CollectEvidence(fs, catalogue_, options, &facts);
  return facts;
}

int RunFactsCommand(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(args, {"root", "policy-pack", "data-path", "nvml-library"}, {"json"});
  if (!flags.ok() || !flags->positional.empty()) {
    std::cerr << "veu-agent facts: "
              << (flags.ok() ? "unexpected argument" : flags.status().message())
              << "\nusage: veu-agent facts [--root DIR] [--policy-pack FILE] [--data-path PATH] "
                 "[--nvml-library PATH|none] [--json]\n";
    return 2;
  }
  FactsCollectorOptions options;
  options.root = flags->Get("root").value_or("/");
  options.policy_pack = flags->Get("policy-pack").value_or("");
  if (auto p = flags->Get("data-path")) options.data_paths.push_back(*p);
  if (auto lib = flags->Get("nvml-library")) options.nvml_library = *lib;
  absl::StatusOr<std::unique_ptr<FactsCollector>> collector =
      FactsCollector::Create(std::move(options));
  if (!collector.ok()) {
    std::cerr << "veu-agent facts: " << collector.status().message() << "\n";
    return 2;
  }
  veu::v1::Facts facts = (*collector)->Collect();
  if (flags->Has("json")) {
    absl::StatusOr<std::string> json = collectors::RenderFactsJson(facts);
    if (!json.ok()) {
      std::cerr << "veu-agent facts: " << json.status().message() << "\n";
      return 2;
    }
    std::cout << *json << "\n";
  } else {
    std::string text;
    google::protobuf::TextFormat::PrintToString(facts, &text);
    std::cout << text;
  }
  return 0;
}

int RunExtendEventLogCommand(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedFlags> flags = ParseFlags(args, {"tcti"}, {});
  if (!flags.ok() || flags->positional.size() != 1 || !flags->Get("tcti")) {
    std::cerr << "usage: veu-agent extend-eventlog --tcti TCTI FILE\n";
    return 2;
  }
  absl::StatusOr<std::string> bytes = ReadFileToString(flags->positional[0], 16 << 20);
  if (!bytes.ok()) {
    std::cerr << "veu-agent extend-eventlog: " << bytes.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<eventlog::UnverifiedEventLog> log = eventlog::ParseEventLog(*bytes);
  if (!log.ok()) {
    std::cerr << "veu-agent extend-eventlog: " << log.status().message() << "\n";
    return 2;
  }
  EsysTpmOptions options;
  options.tcti = *flags->Get("tcti");
  absl::StatusOr<std::unique_ptr<EsysTpm>> tpm = EsysTpm::Open(options);
  if (!tpm.ok()) {
    std::cerr << "veu-agent extend-eventlog: " << tpm.status().message() << "\n";
    return 2;
  }
  // Group the log's extends by record, so each TPM2_PCR_Extend carries every bank at once.
  std::vector<eventlog::ExtendOperation> ops = eventlog::ExtendOperations(*log);
  if (eventlog::StartsWithHcrtm(*log)) {
    std::cerr << "note: PCR 0 begins with an H-CRTM measurement, which no PCR extend can "
                 "reproduce; it is left out, so the TPM must have made it before TPM2_Startup "
                 "(swtpm: swtpm_ioctl -h DATA)\n";
  }
  size_t extends = 0;
  for (size_t i = 0; i < ops.size();) {
    std::map<uint16_t, std::string> digests;
    const uint32_t record = ops[i].record;
    const uint32_t pcr = ops[i].pcr;
    for (; i < ops.size() && ops[i].record == record; ++i) digests[ops[i].alg] = ops[i].digest;
    if (absl::Status s = (*tpm)->ExtendPcr(pcr, digests); !s.ok()) {
      std::cerr << "veu-agent extend-eventlog: record " << record << ": " << s.message() << "\n";
      return 1;
    }
    ++extends;
  }
  std::cerr << "extended " << extends << " events of " << flags->positional[0] << "\n";
  return 0;
}

}  // namespace veu::agent
