// libFuzzer target for NVIDIA GPU attestation reports (common/gpu/): the SPDM 1.1
// GET_MEASUREMENTS request||response parser, the structure and nonce checks and the opaque-data
// decoder over what it parsed, and the opaque decoder on the raw input too.
// Build and run with fuzz/run.sh gpu_report [SECONDS] (clang-14, -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/gpu/opaque_data.h"
#include "common/gpu/spdm_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)veu::gpu::DecodeOpaqueData(bytes);
  auto report = veu::gpu::ParseSpdmReport(bytes);
  if (!report.ok()) return 0;
  // Everything the parser returns lies inside the input and adds up to it.
  if (report->signed_bytes.size() + report->signature.size() + report->trailing.size() != size) {
    __builtin_trap();
  }
  if (report->before_last96.size() + 96 != size) __builtin_trap();
  (void)veu::gpu::CheckReportStructure(*report);
  (void)veu::gpu::CheckNonce(*report, std::string(32, '\0'));
  auto opaque = veu::gpu::DecodeOpaqueData(report->opaque_data);
  if (opaque.ok()) {
    (void)opaque->FeatureFlagName();
    (void)opaque->Nvdec0Name();
  }
  return 0;
}
