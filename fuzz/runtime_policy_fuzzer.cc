// libFuzzer target for runtime policies (issue 14): the input read as a policy file in every
// form (Keylime JSON, textproto, binary), indexed, and used to appraise a small fixed log; and
// the input read as an ASCII IMA log, learned from, and appraised against what was learned,
// incrementally verified against a quote of its own replay.
// Build and run with fuzz/run.sh runtime_policy [SECONDS].
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/ima/incremental.h"
#include "common/ima/ima_log.h"
#include "common/ima/keylime_policy.h"
#include "common/ima/runtime_appraisal.h"
#include "common/ima/runtime_policy.h"

namespace {

const veu::ima::ParsedLog& FixedLog() {
  static const veu::ima::ParsedLog log = [] {
    auto parsed = veu::ima::ParseAscii(
        "10 0c8a706a75a5689c1e168f0a573a3cbec33061b5 ima-sig "
        "sha256:e4cb9f5709c88376b5fc3743cd88e76b9aae8f3d992d845678de5215edb31216 boot_aggregate \n"
        "10 5426cf3031a43f5bfca183d79950698a95a728f6 ima-sig "
        "sha256:f1125b940480d20ad841d26d5ea253edc0704b5ec1548c891edf212cb1a9365e "
        "/lib/modules/5.4.48-openpower1/kernel/drivers/usb/common/usb-common.ko \n");
    return parsed.ok() ? *parsed : veu::ima::ParsedLog{};
  }();
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto policy = veu::ima::ParseRuntimePolicyFile(bytes, "fuzz"); policy.ok()) {
    if (auto index = veu::ima::RuntimePolicyIndex::Build(policy->policy); index.ok()) {
      veu::ima::RuntimeAppraiser appraiser(*index);
      (void)appraiser.Appraise(FixedLog());
      (void)(*index)->Excluded(bytes.substr(0, 256));
    }
  }
  if (auto log = veu::ima::ParseAscii(bytes); log.ok()) {
    if (auto learned = veu::ima::LearnRuntimePolicy(*log, "fuzz"); learned.ok()) {
      if (auto index = veu::ima::RuntimePolicyIndex::Build(learned->policy); index.ok()) {
        veu::ima::RuntimeAppraiser appraiser(*index);
        (void)appraiser.Appraise(*log, 0);
      }
    }
    std::map<uint16_t, std::string> quote;
    auto pcrs = veu::ima::Replay(*log, 0x0004, veu::ima::ExtendRule::kPerBank);
    if (auto it = pcrs.find(10); it != pcrs.end()) quote[0x0004] = it->second;
    (void)veu::ima::VerifyIncrement({}, *log, quote);
  }
  return 0;
}
