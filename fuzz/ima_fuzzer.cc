// libFuzzer target for the IMA measurement-log parsers (binary and ASCII) and the PCR 10 replay over what it parsed.
// Build and run with fuzz/run.sh ima [SECONDS] (clang-14, -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/ima/ima_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (int form = 0; form < 2; ++form) {
    auto log = form == 0 ? veu::ima::ParseBinary(bytes) : veu::ima::ParseAscii(bytes);
    if (!log.ok()) continue;
    (void)veu::ima::ReplaySha1(*log);
    for (const auto& e : log->entries) {
      if (e.offset >= size) __builtin_trap();  // every record starts inside the input
    }
  }
  return 0;
}
