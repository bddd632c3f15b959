// libFuzzer target for the IMA measurement-log parsers (binary in both byte orders and with
// SHA-1 or SHA-256 template hashes, and ASCII), the per-bank replay by both extend rules and
// the boot_aggregate check and the signature header parse over what they parsed.
// Build and run with fuzz/run.sh ima [SECONDS] (clang-14, -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/ima/ima_log.h"
#include "common/ima/ima_signature.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using veu::ima::ByteOrder;
  using veu::ima::ExtendRule;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::map<uint16_t, std::map<uint32_t, std::string>> pcrs = {
      {0x0004, {{0, std::string(20, '\x01')}}}, {0x000B, {{9, std::string(32, '\x02')}}}};
  for (int form = 0; form < 5; ++form) {
    veu::ima::ParseOptions options;
    if (form == 1) options.byte_order = ByteOrder::kBigEndian;
    if (form == 2) options.template_hash_alg = 0x000B;  // a per-bank SHA-256 file
    if (form == 4) options.template_hash_alg = 0x0012;  // ASCII with SM3 template hashes
    auto log = form < 3 ? veu::ima::ParseBinary(bytes, options) : veu::ima::ParseAscii(bytes, options);
    if (!log.ok()) continue;
    (void)veu::ima::ReplaySha1(*log);
    for (ExtendRule rule : {ExtendRule::kPerBank, ExtendRule::kPaddedSha1}) {
      (void)veu::ima::Replay(*log, 0x000B, rule);
    }
    (void)veu::ima::MatchingRule(*log, 0x000B, 10, std::string(32, '\0'));
    (void)veu::ima::CheckBootAggregate(*log, pcrs);
    for (const auto& e : log->entries) {
      if (e.offset >= size) __builtin_trap();  // every record starts inside the input
      if (e.template_known && e.field_names.size() != e.fields.size()) __builtin_trap();
      (void)veu::ima::CheckSignature(e, {});  // the v2 header up to the key lookup
    }
  }
  return 0;
}
